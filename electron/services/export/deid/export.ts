// `livercad export --format deid`: the selected studies' stored DICOM files de-identified
// (deidentify.ts), the LiverCAD SR and GSPS rebuilt from the mapped UIDs beside them (so their
// references point at the de-identified images), a pseudonymous case sheet, and the key
// (pseudonym -> identity) only when asked. Layout: <out>/<pseudonym>/<new study UID>/
// <new series UID>/<new SOP UID>.dcm, LIVERCAD_SR.dcm and LIVERCAD_PR.dcm in the study folder.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { stringify } from "csv-stringify/sync";
import { ExportError } from "../../../contract/errors";
import { studyInstances, type Registry } from "../../../registry";
import type { StudyResult } from "../../analysis/types";
import { ManagedStore } from "../../import/store";
import { APP_VERSION } from "../../../contract/version";
import type { SeriesSource, StudyExport } from "../context";
import { EXPLICIT_VR_LITTLE_ENDIAN, readRaw, writePart10, type DataSet } from "../dcm";
import { buildGsps } from "../gsps";
import { buildSr, type RoiImage } from "../sr-build";
import type { DeidKeys } from "./deidentify";
import { deidentify, cleanText, type PatientContext, type RawDataSet } from "./deidentify";
import { encapsulatedFile, headerOnly, planFor, swapWords } from "./syntax";
import { IMPLEMENTATION_CLASS_UID } from "../../../phantom/dicom-writer";

/**
 * The export secret: random, created once per data directory and kept beside the registry, so
 * the same patient always gets the same pseudonym, UIDs and date offset from this workstation,
 * and nobody without the file can recompute them from a known identity.
 */
export function deidSecret(reg: Registry): string {
  const file = path.join(path.dirname(reg.paths.database), "deid-secret");
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
  }
  return fs.readFileSync(file, "utf8").trim();
}

export interface DeidStudy {
  study: StudyExport;
  ctx: PatientContext;
  newStudyUid: string;
  folder: string;
}

export function patientContext(keys: DeidKeys, s: StudyExport): PatientContext {
  const patientKey = [s.result.patientId, s.patientName, s.birthDate].join("\u0000");
  return {
    pseudonym: keys.pseudonym(patientKey),
    dayOffset: keys.dayOffset(patientKey),
    identifying: [
      ...s.patientName.split(/[\^= ]+/),
      s.result.patientId,
      s.birthDate,
      s.accessionNumber,
    ].filter((x) => x.length > 0),
  };
}

function shiftIso(iso: string, days: number): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t - days * 86_400_000).toISOString() : "";
}

/** The study's export record with identities replaced: what the pseudonymous case sheet shows. */
export function deidStudyExport(keys: DeidKeys, s: StudyExport, ctx: PatientContext): StudyExport {
  const r = s.result;
  const map = (u: string | null) => (u ? keys.uid(u) : u);
  const result: StudyResult = {
    ...r,
    studyInstanceUid: keys.uid(r.studyInstanceUid),
    patientId: ctx.pseudonym,
    sequences: Object.fromEntries(
      Object.entries(r.sequences).map(([q, u]) => [q, map(u)]),
    ) as StudyResult["sequences"],
    rois: r.rois.map((roi) => ({ ...roi, seriesInstanceUid: keys.uid(roi.seriesInstanceUid) })),
    analyzedAt: shiftIso(r.analyzedAt, ctx.dayOffset),
  };
  const shiftDa = (da: string) => {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da);
    if (!m) return "";
    return shiftIso(`${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`, ctx.dayOffset)
      .slice(0, 10)
      .replace(/-/g, "");
  };
  return {
    ...s,
    result,
    patientName: "",
    birthDate: "",
    sex: "",
    accessionNumber: "",
    studyDate: shiftDa(s.studyDate),
    description: cleanText(s.description, ctx),
    review: s.review
      ? {
          ...s.review,
          actor: "",
          comment: cleanText(s.review.comment, ctx),
          at: shiftIso(s.review.at, ctx.dayOffset),
        }
      : null,
  };
}

function fileOf(bytes: Uint8Array): { meta: RawDataSet; dict: RawDataSet; write(): ArrayBuffer } {
  return readRaw(bytes) as unknown as { meta: RawDataSet; dict: RawDataSet; write(): ArrayBuffer };
}

const first = (el: { Value?: unknown[] } | undefined): string => String(el?.Value?.[0] ?? "");

export interface DeidFileResult {
  file: string;
  error: string | null;
}

/**
 * One stored file de-identified (deidentify.ts) and written back per its transfer syntax
 * (syntax.ts): the new file's bytes and its new SOP / series UIDs. `label` names the file in errors.
 */
export function deidFile(
  source: Uint8Array,
  keys: DeidKeys,
  ctx: PatientContext,
  label: string,
): { bytes: Uint8Array; sop: string; series: string } {
  const f = fileOf(source);
  const ts = first(f.meta["00020010"]);
  const plan = planFor(ts);
  if (plan.kind === "refused") {
    throw new ExportError(`${label}: ${plan.reason}; not exported`);
  }
  // PS3.15 E.3.1: without the Clean Pixel Data option an image whose pixels carry burned-in
  // text may still identify the patient: it is not released.
  if (first(f.dict["00280301"]).toUpperCase() === "YES") {
    throw new ExportError(
      `${label}: Burned In Annotation is YES and the Clean Pixel Data option is not implemented; not exported`,
    );
  }
  const { dataset } = deidentify(plan.kind === "swap" ? swapWords(f.dict) : f.dict, keys, ctx);
  const sop = first(dataset["00080018"]);
  const series = first(dataset["0020000E"]);
  f.meta["00020003"] = { vr: "UI", Value: [sop] };
  f.meta["00020010"] = {
    vr: "UI",
    Value: [plan.kind === "encapsulated" ? EXPLICIT_VR_LITTLE_ENDIAN : plan.outputSyntax],
  };
  let bytes: Uint8Array;
  if (plan.kind === "encapsulated") {
    f.dict = headerOnly(dataset);
    bytes = encapsulatedFile(
      source,
      {
        sopClassUid: first(dataset["00080016"]),
        sopInstanceUid: sop,
        transferSyntax: plan.outputSyntax,
        implementation: IMPLEMENTATION_CLASS_UID,
      },
      new Uint8Array(f.write()),
    );
  } else {
    f.dict = dataset;
    bytes = new Uint8Array(f.write());
  }
  return { bytes, sop, series };
}

/**
 * De-identifies every stored file of one study; answers each file's outcome. Yields to the event
 * loop between files so a cancel (dialog, SIGINT) is heard, and stops at the next file once
 * `signal` is aborted.
 */
export async function deidStudyFiles(
  reg: Registry,
  keys: DeidKeys,
  d: DeidStudy,
  out: string,
  signal?: AbortSignal,
): Promise<DeidFileResult[]> {
  const store = new ManagedStore(reg.paths.store);
  const rows = studyInstances(reg.db, d.study.result.studyInstanceUid);
  const results: DeidFileResult[] = [];
  for (const row of rows) {
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) break;
    let rel = "";
    try {
      const source = new Uint8Array(fs.readFileSync(store.absolute(row.storePath)));
      const { bytes, sop, series } = deidFile(
        source,
        keys,
        d.ctx,
        `instance ${row.sopInstanceUid}`,
      );
      rel = path.join(d.folder, series, `${sop}.dcm`);
      fs.mkdirSync(path.join(out, d.folder, series), { recursive: true });
      fs.writeFileSync(path.join(out, rel), bytes);
      results.push({ file: rel, error: null });
    } catch (e) {
      results.push({ file: rel, error: (e as Error).message });
    }
  }
  return results;
}

/** The SR and GSPS of the study, rebuilt on the de-identified UIDs and header. */
export async function deidResultObjects(
  src: SeriesSource,
  keys: DeidKeys,
  d: DeidStudy,
): Promise<{ sr: Uint8Array; gsps: Uint8Array | null }> {
  const s = d.study;
  const mapped = deidStudyExport(keys, s, d.ctx);
  const images: RoiImage[] = (await src.roiImages(s)).map((img) => ({
    ...img,
    sopInstanceUid: keys.uid(img.sopInstanceUid),
  }));
  const header: DataSet = {
    PatientName: d.ctx.pseudonym,
    PatientID: d.ctx.pseudonym,
    PatientBirthDate: "",
    PatientSex: "",
    StudyInstanceUID: mapped.result.studyInstanceUid,
    StudyDate: mapped.studyDate,
    StudyTime: s.studyTime,
    ReferringPhysicianName: "",
    StudyID: "",
    AccessionNumber: "",
    StudyDescription: mapped.description,
  };
  const identity = {
    PatientIdentityRemoved: "YES",
    DeidentificationMethod: "PS3.15 E Basic Profile, Modified Dates, Clean Descriptors",
  };
  const sr = writePart10({
    ...buildSr({
      result: mapped.result,
      assessment: s.assessment,
      header,
      roiImages: images,
      analysisId: s.analysisId,
      appVersion: APP_VERSION,
    }),
    ...identity,
  });
  let gsps: Uint8Array | null = null;
  if (s.result.rois.length > 0) {
    const sizes = new Map<string, { rows: number; columns: number }>();
    for (const roi of s.result.rois) {
      const g = (await src.load(roi.seriesInstanceUid, src.bValueOf(s, roi.sequence))).volume
        .geometry;
      sizes.set(keys.uid(roi.seriesInstanceUid), { rows: g.rows, columns: g.columns });
    }
    gsps = writePart10({
      ...buildGsps({
        result: mapped.result,
        header,
        roiImages: images,
        imageSizes: sizes,
        analysisId: s.analysisId,
        appVersion: APP_VERSION,
      }),
      ...identity,
    });
  }
  return { sr, gsps };
}

export function keyCsv(rows: DeidStudy[]): Uint8Array {
  const text = stringify(
    [
      [
        "pseudonym",
        "patient_id",
        "patient_name",
        "birth_date",
        "day_offset",
        "study_instance_uid",
        "deid_study_instance_uid",
      ],
      ...rows.map((d) => [
        d.ctx.pseudonym,
        d.study.result.patientId,
        d.study.patientName,
        d.study.birthDate,
        String(d.ctx.dayOffset),
        d.study.result.studyInstanceUid,
        d.newStudyUid,
      ]),
    ],
    { bom: true, escape_formulas: true, record_delimiter: "windows" },
  );
  return new Uint8Array(Buffer.from(text, "utf8"));
}
