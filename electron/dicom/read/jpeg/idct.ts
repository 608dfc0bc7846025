// 8x8 inverse DCT (ITU T.81 A.3.3) in double precision, separable: rows then columns. Exact to
// rounding, where libjpeg's integer IDCT differs by at most one level (measured in the tests).

const C = new Float64Array(64); // C[x*8+u] = c(u)/2 * cos((2x+1)u*pi/16)
for (let x = 0; x < 8; x++) {
  for (let u = 0; u < 8; u++) {
    const cu = u === 0 ? Math.SQRT1_2 : 1;
    C[x * 8 + u] = (cu / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  }
}

const tmp = new Float64Array(64);

/**
 * Transforms dequantized coefficients `coef` (natural order) into samples, adds the level shift
 * and clamps to [0, maxValue], writing 8x8 samples into `out` at `offset` with row `stride`.
 */
export function idct8x8(
  coef: Float64Array,
  out: Int32Array,
  offset: number,
  stride: number,
  levelShift: number,
  maxValue: number,
): void {
  // A block without AC energy (flat background, most of an MR image) is one value.
  let flat = true;
  for (let i = 1; i < 64; i++) {
    if (coef[i] !== 0) {
      flat = false;
      break;
    }
  }
  if (flat) {
    let value = Math.round(coef[0]! / 8) + levelShift;
    value = value < 0 ? 0 : value > maxValue ? maxValue : value;
    for (let y = 0; y < 8; y++) out.fill(value, offset + y * stride, offset + y * stride + 8);
    return;
  }
  // Rows: tmp[v*8+x] = sum_u C(x,u) * coef[v*8+u]
  for (let v = 0; v < 8; v++) {
    const r = v * 8;
    let zeroAc = true;
    for (let u = 1; u < 8; u++) {
      if (coef[r + u] !== 0) {
        zeroAc = false;
        break;
      }
    }
    if (zeroAc) {
      const dc = coef[r]! * C[0]!;
      for (let x = 0; x < 8; x++) tmp[r + x] = dc;
      continue;
    }
    for (let x = 0; x < 8; x++) {
      let s = 0;
      const cx = x * 8;
      for (let u = 0; u < 8; u++) s += C[cx + u]! * coef[r + u]!;
      tmp[r + x] = s;
    }
  }
  // Columns: sample[y*8+x] = sum_v C(y,v) * tmp[v*8+x]
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      let s = 0;
      const cy = y * 8;
      for (let v = 0; v < 8; v++) s += C[cy + v]! * tmp[v * 8 + x]!;
      let value = Math.round(s) + levelShift;
      if (value < 0) value = 0;
      else if (value > maxValue) value = maxValue;
      out[offset + y * stride + x] = value;
    }
  }
}
