// Volumes from DICOM that nobody on this project wrote (../shared/dicom-samples): an Enhanced MR
// multi-frame stack, a multi-stack file that must be refused, one without any geometry, and a
// six-file oblique series given in scrambled order.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dot } from "../../electron/contract/geometry";
import type { DicomInstance } from "../../electron/dicom/instance";
import { loadSeries } from "../../electron/dicom/load-series";
import { readDicomFile } from "../../electron/dicom/read/index";

const SAMPLES = path.resolve(__dirname, "../../../shared/dicom-samples");
const sample = (p: string) => path.join(SAMPLES, p);

async function instanceOf(file: string): Promise<DicomInstance> {
  const o = await readDicomFile(file);
  if (o.kind !== "instance") throw new Error(`${file} skipped: ${o.reason}`);
  return o.instance;
}

describe("volumes from sample files", () => {
  it("builds an Enhanced MR multi-frame file into a sorted stack with rescaled frame pixels", async () => {
    const file = sample("mr-enhanced/BRTUM001");
    const v = await loadSeries([file]);
    const g = v.volume.geometry;
    expect(g.slices).toBe(15);
    expect(v.nonUniformSpacing).toBe(false);
    const d = g.slicePositions.map((p) => dot(p, g.normal));
    for (let k = 1; k < d.length; k++) expect(d[k]!).toBeGreaterThan(d[k - 1]!);
    // Each slice holds the frame at that position, rescaled.
    const inst = await instanceOf(file);
    const plane = g.rows * g.columns;
    for (let k = 0; k < g.slices; k++) {
      const frame = inst.frames.find((f) =>
        f.imagePositionPatient!.every((c, a) => c === g.slicePositions[k]![a]),
      )!;
      const raw = await inst.decodeFrame(frame.index);
      const slice = v.volume.data.subarray(k * plane, (k + 1) * plane);
      for (const m of [0, 1000, plane >> 1, plane - 1]) {
        expect(slice[m]).toBeCloseTo(raw[m]! * frame.rescaleSlope + frame.rescaleIntercept, 3);
      }
    }
  });

  it("refuses a multi-stack file and a file without plane geometry, with the reason", async () => {
    await expect(loadSeries([sample("mr-enhanced/BRMULTI")])).rejects.toThrow(
      /Mixed slice orientations/,
    );
    await expect(loadSeries([sample("mr-enhanced/emri_small.dcm")])).rejects.toThrow(
      /lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing/,
    );
  });

  it("sorts an oblique single-frame series the same whatever the file order", async () => {
    const files = [
      "bbmri-53323131.dcm",
      "bbmri-53323275.dcm",
      "bbmri-53323419.dcm",
      "bbmri-53323563.dcm",
      "bbmri-53323707.dcm",
      "bbmri-53323851.dcm",
    ].map((f) => sample(`mr-series-dwv/${f}`));
    const a = await loadSeries(files);
    const b = await loadSeries([files[3]!, files[0]!, files[5]!, files[1]!, files[4]!, files[2]!]);
    expect(b.sopInstanceUids).toEqual(a.sopInstanceUids);
    expect(Array.from(b.volume.data)).toEqual(Array.from(a.volume.data));
    const g = a.volume.geometry;
    expect(g.slices).toBe(6);
    // Oblique: the normal is not along a patient axis.
    expect(Math.max(...g.normal.map(Math.abs))).toBeLessThan(0.9999);
    const d = g.slicePositions.map((p) => dot(p, g.normal));
    for (let k = 1; k < d.length; k++) expect(d[k]! - d[k - 1]!).toBeGreaterThan(0);
  });
});
