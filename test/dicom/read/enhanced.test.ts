// Enhanced MR samples: per-frame geometry from Shared / Per-frame Functional Groups and series
// attributes from the MR macros, against the values pydicom 2.3 reads from the same files.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDicomFile } from "../../../electron/dicom/read/index";
import type { DicomInstance } from "../../../electron/dicom/instance";

const SAMPLES = path.resolve(__dirname, "../../../../shared/dicom-samples/mr-enhanced");

async function read(name: string): Promise<DicomInstance> {
  const out = await readDicomFile(path.join(SAMPLES, name));
  if (out.kind !== "instance") throw new Error(out.reason);
  return out.instance;
}

describe("Enhanced MR functional groups", () => {
  it("BRMULTI: 12 frames in several orientations", async () => {
    const inst = await read("BRMULTI");
    expect(inst.frames).toHaveLength(12);
    expect(inst.frames[0]).toMatchObject({
      imagePositionPatient: [-100, -102.1, 10.5],
      imageOrientationPatient: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [0.78125, 0.78125],
      sliceThickness: 5,
      rescaleSlope: 1,
      rescaleIntercept: 0,
    });
    expect(inst.frames[11]).toMatchObject({
      imagePositionPatient: [-101.8, 21.3, 88],
      imageOrientationPatient: [1, 0, 0, 0, 0, -1],
    });
    expect(inst.series.echoTime).toBeCloseTo(108.00006, 4);
    expect(inst.series.modality).toBe("MR");
  });

  it("BRTUM001: 15 sagittal frames, TE and TR from the MR macros", async () => {
    const inst = await read("BRTUM001");
    expect(inst.frames.map((f) => f.index)).toEqual([...Array(15).keys()]);
    expect(inst.frames[0]!.imagePositionPatient).toEqual([40, -105, 105]);
    expect(inst.frames[14]!.imagePositionPatient).toEqual([-44, -105, 105]);
    expect(inst.frames[14]!.pixelSpacing).toEqual([0.820312, 0.820312]);
    expect(inst.series.echoTime).toBeCloseTo(14.0000076, 5);
    expect(inst.series.repetitionTime).toBe(400);
    expect(inst.series.imageType).toEqual(["ORIGINAL", "PRIMARY", "T1", "NONE"]);
  });
});
