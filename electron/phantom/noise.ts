// Smooth 3D value noise for tissue texture: a periodic 64^3 lattice of uniform values in [-1, 1]
// sampled with trilinear interpolation. One lattice per study, sampled at several scales, gives
// parenchymal heterogeneity, the fibrotic septa of cirrhosis, lesion mosaic and surface nodularity.
import type { Rng } from "./random";

const N = 64;
const MASK = N - 1;

export class NoiseField {
  private readonly v: Float32Array;

  constructor(rng: Rng) {
    this.v = new Float32Array(N * N * N);
    for (let i = 0; i < this.v.length; i++) this.v[i] = rng.next() * 2 - 1;
  }

  /** Noise at lattice coordinates (x, y, z); one lattice cell per unit. */
  sample(x: number, y: number, z: number): number {
    const fx = Math.floor(x);
    const fy = Math.floor(y);
    const fz = Math.floor(z);
    const tx = x - fx;
    const ty = y - fy;
    const tz = z - fz;
    const x0 = fx & MASK;
    const y0 = fy & MASK;
    const z0 = fz & MASK;
    const x1 = (x0 + 1) & MASK;
    const y1 = ((y0 + 1) & MASK) * N;
    const z1 = ((z0 + 1) & MASK) * N * N;
    const yy0 = y0 * N;
    const zz0 = z0 * N * N;
    const v = this.v;
    const c00 =
      (v[zz0 + yy0 + x0] as number) +
      tx * ((v[zz0 + yy0 + x1] as number) - (v[zz0 + yy0 + x0] as number));
    const c10 =
      (v[zz0 + y1 + x0] as number) +
      tx * ((v[zz0 + y1 + x1] as number) - (v[zz0 + y1 + x0] as number));
    const c01 =
      (v[z1 + yy0 + x0] as number) +
      tx * ((v[z1 + yy0 + x1] as number) - (v[z1 + yy0 + x0] as number));
    const c11 =
      (v[z1 + y1 + x0] as number) +
      tx * ((v[z1 + y1 + x1] as number) - (v[z1 + y1 + x0] as number));
    const c0 = c00 + ty * (c10 - c00);
    const c1 = c01 + ty * (c11 - c01);
    return c0 + tz * (c1 - c0);
  }
}
