// The image-quality gate's checks (issue 13 §3), one test per bad case the issue names: the walk's
// degenerate portal-venous headers (RescaleSlope 0, Intercept 1e30, BitsStored 1, PixelSpacing
// 1e-9), missing slices by position and by instance number, every image at one position, and
// spacing, thickness, orientation, intensity and field-of-view limits. The good series is the
// phantom's portal-venous geometry (130x130 at 3.23 mm, 33 slices 6.9 mm apart).
import { describe, expect, it } from "vitest";
import {
  checkHeaders,
  checkIntensities,
  type FrameFacts,
  type SeriesRef,
} from "../../electron/dicom/quality/checks";
import type { VolumeGeometry } from "../../electron/contract/volume";

const REF: SeriesRef = {
  sequence: "T1_venous",
  seriesInstanceUid: "1.2.3.10",
  label: "series 10 'AX LAVA FLEX PV'",
};

function stack(n = 33, over: Partial<FrameFacts> = {}, step = 6.9): FrameFacts[] {
  return Array.from({ length: n }, (_, k) => ({
    instanceNumber: k + 1,
    framesInFile: 1,
    bitsStored: 16,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    pixelSpacing: [3.2308, 3.2308] as [number, number],
    sliceThickness: 6.9,
    orientation: [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number],
    position: [-210, -210, -112.9 + k * step] as [number, number, number],
    rows: 130,
    columns: 130,
    ...over,
  }));
}

const codes = (f: ReturnType<typeof checkHeaders>) => f.map((x) => `${x.severity}:${x.code}`);

describe("checkHeaders", () => {
  it("passes the phantom's portal-venous series", () => {
    expect(checkHeaders(REF, stack())).toEqual([]);
  });

  it("refuses RescaleSlope 0 with a message naming the series and what to do", () => {
    const f = checkHeaders(REF, stack(33, { rescaleSlope: 0 }));
    expect(codes(f)).toEqual(["refuse:rescale"]);
    expect(f[0]!.message).toBe(
      "T1 portal-venous (series 10 'AX LAVA FLEX PV'): its Rescale Slope is 0, so the image " +
        "values are meaningless. Re-send the series from the scanner or PACS, or choose another " +
        "series for this sequence.",
    );
  });

  it("refuses RescaleIntercept 1e30", () => {
    const f = checkHeaders(REF, stack(33, { rescaleIntercept: 1e30 }));
    expect(codes(f)).toEqual(["refuse:rescale"]);
    expect(f[0]!.message).toContain("Rescale Intercept is 1.0e+30");
  });

  it("refuses BitsStored 1", () => {
    const f = checkHeaders(REF, stack(33, { bitsStored: 1 }));
    expect(codes(f)).toEqual(["refuse:bit-depth"]);
    expect(f[0]!.message).toContain("stores 1 bit(s) per pixel");
  });

  it("refuses PixelSpacing 1e-9 and spacing outside 0.2-5 mm", () => {
    expect(codes(checkHeaders(REF, stack(33, { pixelSpacing: [1e-9, 1e-9] })))).toEqual([
      "refuse:pixel-spacing",
    ]);
    expect(codes(checkHeaders(REF, stack(33, { pixelSpacing: [5.5, 5.5] })))).toEqual([
      "refuse:pixel-spacing",
    ]);
    expect(codes(checkHeaders(REF, stack(33, { pixelSpacing: null })))).toEqual([
      "refuse:pixel-spacing",
    ]);
    // DWI is coarser: the phantom's 64x64 DWI at 6.9 mm passes.
    const dwi = { ...REF, sequence: "DWI" as const };
    expect(
      checkHeaders(dwi, stack(33, { pixelSpacing: [6.875, 6.875], rows: 64, columns: 64 })),
    ).toEqual([]);
  });

  it("refuses a field of view too small for the liver", () => {
    const f = checkHeaders(REF, stack(33, { pixelSpacing: [0.5, 0.5] }));
    expect(codes(f)).toEqual(["refuse:field-of-view"]);
    expect(f[0]!.message).toContain("65 x 65 mm");
    const short = checkHeaders(REF, stack(8));
    expect(codes(short)).toEqual(["refuse:field-of-view"]);
    expect(short[0]!.message).toContain("8 slices cover 48 mm");
  });

  it("refuses implausible slice thickness and spacing", () => {
    expect(codes(checkHeaders(REF, stack(33, { sliceThickness: 0 })))).toEqual([
      "refuse:thickness",
    ]);
    expect(codes(checkHeaders(REF, stack(33, { sliceThickness: 40 })))).toEqual([
      "refuse:thickness",
    ]);
    expect(codes(checkHeaders(REF, stack(10, {}, 20)))).toEqual(["refuse:thickness"]);
  });

  it("refuses corrupt and non-axial orientation", () => {
    expect(codes(checkHeaders(REF, stack(33, { orientation: [1, 0, 0, 1, 0, 0] })))).toEqual([
      "refuse:orientation",
    ]);
    const coronal = checkHeaders(REF, stack(33, { orientation: [1, 0, 0, 0, 0, -1] }));
    expect(codes(coronal)).toEqual(["refuse:orientation"]);
    expect(coronal[0]!.message).toContain("Choose the axial series for this sequence.");
    expect(codes(checkHeaders(REF, stack(33, { position: null })))).toEqual(["refuse:orientation"]);
  });

  it("refuses a series with every image at one position (the walk's silent no-roi)", () => {
    const f = checkHeaders(REF, stack(45, { position: [-210, -210, 10] }));
    expect(codes(f)).toEqual(["refuse:one-position"]);
    expect(f[0]!.message).toContain("all 45 images are at one position");
  });

  it("marks 2 of 45 slices missing as incomplete, by position and by instance number", () => {
    const all = stack(45, {}, 5);
    const kept = all.filter((f) => f.instanceNumber !== 20 && f.instanceNumber !== 21);
    const f = checkHeaders(REF, kept);
    expect(codes(f)).toEqual(["incomplete:position-gap", "incomplete:instance-gap"]);
    expect(f[0]!.message).toContain("2 slice(s) missing in the stack");
    expect(f[1]!.message).toContain("2 image(s) missing by instance number (20, 21)");
  });

  it("finds an instance-number hole even when positions look regular (end slices lost)", () => {
    const f = checkHeaders(
      REF,
      stack(45, {}, 5)
        .slice(0, 44)
        .map((x, k) => ({ ...x, instanceNumber: k < 10 ? k + 1 : k + 2 })),
    );
    expect(codes(f)).toEqual(["incomplete:instance-gap"]);
  });

  it("does not count a numbering in steps of 2 or a multi-frame file as missing images", () => {
    expect(
      checkHeaders(
        REF,
        stack(33).map((x, k) => ({ ...x, instanceNumber: 2 * k + 1 })),
      ),
    ).toEqual([]);
    expect(
      checkHeaders(
        REF,
        stack(33).map((x) => ({ ...x, instanceNumber: 1, framesInFile: 33 })),
      ),
    ).toEqual([]);
  });

  it("refuses an empty series", () => {
    expect(codes(checkHeaders(REF, []))).toEqual(["refuse:no-images"]);
  });
});

describe("checkIntensities", () => {
  const geometry = { slices: 2 } as VolumeGeometry;
  it("passes ordinary MR values", () => {
    expect(
      checkIntensities(REF, geometry, Float32Array.from([0, 10, 400, 1200, 5, 7, 9, 3])),
    ).toEqual([]);
  });
  it("refuses blank, non-finite and out-of-range values", () => {
    expect(checkIntensities(REF, geometry, new Float32Array(64).fill(1e30))[0]!.message).toContain(
      "reach 1.0e+30",
    );
    expect(checkIntensities(REF, geometry, new Float32Array(64))[0]!.message).toContain(
      "single value 0",
    );
    expect(checkIntensities(REF, geometry, Float32Array.from([1, NaN, 3]))[0]!.code).toBe(
      "intensity",
    );
  });
});
