// Registry test fixtures: a fresh database file per test in a temp folder, and rows that look like
// what import writes (generated UIDs, synthetic names: never patient data).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import type { SeriesInfo } from "../../electron/dicom/instance";
import type { SeriesBatch } from "../../electron/registry";

const made: string[] = [];
// Registered while the test file is collected, so it runs after the file's last test.
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder in the temp directory, removed after the test file has run. */
export function tempDir(prefix = "livercad-reg-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function seriesInfo(uid: string, description: string, extra: Partial<SeriesInfo> = {}) {
  const info: SeriesInfo = {
    seriesInstanceUid: uid,
    seriesNumber: 1,
    seriesDescription: description,
    protocolName: description,
    manufacturer: "PHANTOM",
    manufacturerModelName: "TEST",
    modality: "MR",
    imageType: ["ORIGINAL", "PRIMARY"],
    scanningSequence: "GR",
    sequenceVariant: "SP",
    sequenceName: "",
    echoTime: 2,
    repetitionTime: 4,
    flipAngle: 10,
    inversionTime: null,
    contrastBolusAgent: "",
    acquisitionTime: "101010",
    seriesTime: "101010",
    diffusionBValue: null,
    ...extra,
  };
  return info;
}

/** A batch of `n` instances for study `study`, series `series` (both short numeric tags). */
export function batch(
  study: string,
  series: string,
  n: number,
  description = "ax t1",
): SeriesBatch {
  const studyUid = `1.2.826.0.1.3680043.10.1.${study}`;
  const seriesUid = `${studyUid}.${series}`;
  return {
    patient: { patientId: `PAT${study}`, patientName: `Phantom^${study}`, birthDate: "", sex: "O" },
    study: {
      studyInstanceUid: studyUid,
      studyDate: "20260101",
      studyTime: "101010",
      studyDescription: "LIVER",
      accessionNumber: "",
    },
    series: seriesInfo(seriesUid, description),
    sopClassUid: "1.2.840.10008.5.1.4.1.1.4",
    rows: 64,
    columns: 64,
    sliceThickness: 5,
    orientation: [1, 0, 0, 0, 1, 0],
    instances: Array.from({ length: n }, (_, k) => ({
      sopInstanceUid: `${seriesUid}.${k + 1}`,
      sopClassUid: "1.2.840.10008.5.1.4.1.1.4",
      transferSyntaxUid: "1.2.840.10008.1.2.1",
      instanceNumber: k + 1,
      frameCount: 1,
      rows: 64,
      columns: 64,
      bValues: [],
      storePath: `${studyUid}/${seriesUid}/${seriesUid}.${k + 1}.dcm`,
      fileSize: 8192,
    })),
  };
}
