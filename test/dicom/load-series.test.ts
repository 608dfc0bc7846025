import { describe, expect, it } from "vitest";
import type { Vec3 } from "../../electron/contract/domain";
import type {
  DicomInstance,
  FrameInfo,
  ReadOutcome,
  SeriesInfo,
} from "../../electron/dicom/instance";
import { loadSeries, loadSeriesFromInstances } from "../../electron/dicom/load-series";
import { VolumeBuildError } from "../../electron/dicom/volume";
import { series as candidate } from "./assign-fixtures";

const R = 4;
const C = 3;

function frame(index: number, z: number, b: number | null = null): FrameInfo {
  return {
    index,
    rows: R,
    columns: C,
    imagePositionPatient: [10, 20, z] as Vec3,
    imageOrientationPatient: [1, 0, 0, 0, 1, 0],
    pixelSpacing: [2, 1.5],
    sliceThickness: 5,
    rescaleSlope: 1,
    rescaleIntercept: 0,
    diffusionBValue: b,
  };
}

/** A fake instance whose frame m decodes to the constant value `values[m]`. */
function instance(
  sop: string,
  frames: FrameInfo[],
  values: number[],
  over: Partial<SeriesInfo> = {},
): DicomInstance {
  return {
    path: `/fake/${sop}.dcm`,
    sopClassUid: "1.2.840.10008.5.1.4.1.1.4.1",
    sopInstanceUid: sop,
    transferSyntaxUid: "1.2.840.10008.1.2.1",
    instanceNumber: null,
    patient: { patientId: "P", patientName: "", birthDate: "", sex: "" },
    study: {
      studyInstanceUid: "1.2",
      studyDate: "",
      studyTime: "",
      studyDescription: "",
      accessionNumber: "",
    },
    series: { ...candidate("Ax DWI", { uid: "1.2.3" }).info, ...over },
    frames,
    bitsAllocated: 16,
    bitsStored: 12,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometricInterpretation: "MONOCHROME2",
    decodeFrame: async (i: number) => new Int32Array(R * C).fill(values[i]!),
  };
}

describe("loadSeriesFromInstances", () => {
  it("splits a multi-frame Enhanced MR file into slices with per-frame geometry", async () => {
    // Frames stored in reverse anatomical order: the volume must come out sorted by z.
    const inst = instance("9.1", [frame(0, 20), frame(1, 10), frame(2, 0)], [3, 2, 1]);
    const v = await loadSeriesFromInstances([inst]);
    expect(v.volume.geometry.slices).toBe(3);
    expect(v.volume.geometry.slicePositions.map((p) => p[2])).toEqual([0, 10, 20]);
    expect([0, 1, 2].map((k) => v.volume.data[k * R * C])).toEqual([1, 2, 3]);
    expect(v.sopInstanceUids).toEqual(["9.1", "9.1", "9.1"]);
    expect(v.bValue).toBeNull();
    expect(v.seriesInstanceUid).toBe("1.2.3");
  });

  it("selects the frames of the assigned b-value from a series holding b0 and b800", async () => {
    const inst = instance(
      "9.2",
      [frame(0, 0, 0), frame(1, 0, 800), frame(2, 5, 0), frame(3, 5, 800)],
      [100, 8, 101, 9],
    );
    const b800 = await loadSeriesFromInstances([inst], { bValue: 800 });
    expect(b800.bValue).toBe(800);
    expect(Array.from(b800.volume.data.filter((_, m) => m % (R * C) === 0))).toEqual([8, 9]);
    expect(b800.warnings).toEqual([]);
    const b0 = await loadSeriesFromInstances([inst], { bValue: 0 });
    expect(Array.from(b0.volume.data.filter((_, m) => m % (R * C) === 0))).toEqual([100, 101]);
    const auto = await loadSeriesFromInstances([inst]);
    expect(auto.bValue).toBe(800);
    expect(auto.warnings.join()).toMatch(/holds b=0, 800; the highest, b=800, was used/);
    await expect(loadSeriesFromInstances([inst], { bValue: 1000 })).rejects.toThrow(
      /no images with b=1000 \(it has b=0, 800\)/,
    );
  });

  it("uses the series-level b-value of single-frame instances", async () => {
    const a = instance("9.3", [frame(0, 0)], [1], { diffusionBValue: 50 });
    const b = instance("9.4", [frame(0, 0)], [2], { diffusionBValue: 800 });
    const c = instance("9.5", [frame(0, 4)], [3], { diffusionBValue: 800 });
    const v = await loadSeriesFromInstances([a, b, c], { bValue: 800 });
    expect(v.sopInstanceUids).toEqual(["9.4", "9.5"]);
  });

  it("rejects instances of two series and empty input", async () => {
    const a = instance("9.6", [frame(0, 0)], [1]);
    const b = instance("9.7", [frame(0, 5)], [1], { seriesInstanceUid: "1.2.4" });
    await expect(loadSeriesFromInstances([a, b])).rejects.toThrow(VolumeBuildError);
    await expect(loadSeriesFromInstances([])).rejects.toThrow(/no image instances/);
  });
});

describe("loadSeries", () => {
  it("reads paths with the given reader and reports skipped files", async () => {
    const files: Record<string, ReadOutcome> = {
      "/a.dcm": { kind: "instance", instance: instance("9.8", [frame(0, 0)], [5]) },
      "/b.dcm": { kind: "instance", instance: instance("9.9", [frame(0, 3)], [6]) },
      "/DICOMDIR": { kind: "skipped", reason: "not an image: Media Storage Directory" },
    };
    const v = await loadSeries(Object.keys(files), { reader: async (p) => files[p]! });
    expect(v.volume.geometry.slices).toBe(2);
    expect(v.skipped).toEqual([
      { path: "/DICOMDIR", reason: "not an image: Media Storage Directory" },
    ]);
  });
});
