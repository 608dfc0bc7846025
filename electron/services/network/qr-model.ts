// What our Query/Retrieve SCP (qr-scp.ts) answers from the registry (PS3.4 Annex C): the SOP
// classes and levels it serves, the keys it matches and returns, the entities a C-FIND matches and
// the stored files a C-MOVE or C-GET sends.
// - Matching: qr-match.ts (C.2.2.2). Keys above the query level are matched as well and returned
//   (lenient, as most archives are; a strictly hierarchical search, PS3.4 C.4.1.3, uses only their
//   unique keys); keys we do not hold (StudyID, ReferringPhysicianName, ...) match universally and
//   come back empty.
import dcmjs from "dcmjs";
import fs from "node:fs";
import path from "node:path";
import {
  qrStudyFolderIndex,
  qrInstances,
  qrSeries,
  qrStudies,
  type QrStudyRow,
  type QrUidFilter,
  type Registry,
} from "../../registry";
import { readPart10 } from "../export/dcm";
import { storeRelativePath, uidSegment } from "../import/store";
import { splitPart10 } from "./part10";
import { matchesKey, uidList, type KeyVr } from "./qr-match";
import { RESULT_SOP_CLASSES } from "./sop-classes";

/** PS3.4 Table B.5-1 / C.6: the Q/R SOP classes we serve. */
export const QR_SOP_CLASSES: Record<string, { model: QrModel; op: "FIND" | "MOVE" | "GET" }> = {
  "1.2.840.10008.5.1.4.1.2.1.1": { model: "PATIENT", op: "FIND" },
  "1.2.840.10008.5.1.4.1.2.1.2": { model: "PATIENT", op: "MOVE" },
  "1.2.840.10008.5.1.4.1.2.1.3": { model: "PATIENT", op: "GET" },
  "1.2.840.10008.5.1.4.1.2.2.1": { model: "STUDY", op: "FIND" },
  "1.2.840.10008.5.1.4.1.2.2.2": { model: "STUDY", op: "MOVE" },
  "1.2.840.10008.5.1.4.1.2.2.3": { model: "STUDY", op: "GET" },
};

export type QrModel = "PATIENT" | "STUDY";
export type QrLevel = "PATIENT" | "STUDY" | "SERIES" | "IMAGE";

const LEVELS: Record<QrModel, QrLevel[]> = {
  PATIENT: ["PATIENT", "STUDY", "SERIES", "IMAGE"],
  STUDY: ["STUDY", "SERIES", "IMAGE"],
};

/** C-FIND / C-MOVE / C-GET status codes (PS3.4 C.4.1.1.4, C.4.2.1.5, C.4.3.1.4). */
export const QR_STATUS = {
  success: 0x0000,
  pending: 0xff00,
  cancel: 0xfe00,
  subOperationsFailed: 0xb000,
  moveDestinationUnknown: 0xa801,
  identifierDoesNotMatch: 0xa900,
  unableToProcess: 0xc000,
  sopClassNotSupported: 0x0122,
} as const;

interface KeyDef {
  vr: KeyVr;
  level: QrLevel;
  /** Return key only (counts): never used for matching. */
  returnOnly?: boolean;
  /** Not held by the registry: universal match, returned empty. */
  notHeld?: boolean;
}

/** The keys of PS3.4 C.6.1.1.2-5 / C.6.2.1.2-4 we answer; the keyword is dcmjs's. */
const KEYS: Record<string, KeyDef> = {
  PatientName: { vr: "PN", level: "PATIENT" },
  PatientID: { vr: "LO", level: "PATIENT" },
  PatientBirthDate: { vr: "DA", level: "PATIENT" },
  PatientSex: { vr: "CS", level: "PATIENT" },
  NumberOfPatientRelatedStudies: { vr: "IS", level: "PATIENT", returnOnly: true },
  NumberOfPatientRelatedSeries: { vr: "IS", level: "PATIENT", returnOnly: true },
  NumberOfPatientRelatedInstances: { vr: "IS", level: "PATIENT", returnOnly: true },
  StudyInstanceUID: { vr: "UI", level: "STUDY" },
  StudyDate: { vr: "DA", level: "STUDY" },
  StudyTime: { vr: "TM", level: "STUDY" },
  AccessionNumber: { vr: "SH", level: "STUDY" },
  StudyDescription: { vr: "LO", level: "STUDY" },
  ModalitiesInStudy: { vr: "CS", level: "STUDY" },
  StudyID: { vr: "SH", level: "STUDY", notHeld: true },
  ReferringPhysicianName: { vr: "PN", level: "STUDY", notHeld: true },
  NumberOfStudyRelatedSeries: { vr: "IS", level: "STUDY", returnOnly: true },
  NumberOfStudyRelatedInstances: { vr: "IS", level: "STUDY", returnOnly: true },
  SeriesInstanceUID: { vr: "UI", level: "SERIES" },
  Modality: { vr: "CS", level: "SERIES" },
  SeriesNumber: { vr: "IS", level: "SERIES" },
  SeriesDescription: { vr: "LO", level: "SERIES" },
  NumberOfSeriesRelatedInstances: { vr: "IS", level: "SERIES", returnOnly: true },
  SOPInstanceUID: { vr: "UI", level: "IMAGE" },
  SOPClassUID: { vr: "UI", level: "IMAGE" },
  InstanceNumber: { vr: "IS", level: "IMAGE" },
};

/** dcmjs's data dictionary by keyword (not in its typings): the VR of a key we do not hold. */
const DICTIONARY = (
  dcmjs as unknown as {
    data: { DicomMetaDictionary: { nameMap: Record<string, { vr: string } | undefined> } };
  }
).data.DicomMetaDictionary.nameMap;

/** VRs a zero-length "not held" value can be returned in; other keys (SQ, private) are dropped. */
const TEXT_VRS = new Set([
  "AE",
  "AS",
  "CS",
  "DA",
  "DS",
  "DT",
  "IS",
  "LO",
  "LT",
  "PN",
  "SH",
  "ST",
  "TM",
  "UC",
  "UI",
  "UR",
  "UT",
]);

/** Keys that are not matched or returned as attributes of an entity. */
const CONTROL_KEYS = new Set(["QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"]);

/** One matchable entity: keyword -> value as DICOM text ("" when empty). */
export type QrEntity = Record<string, string>;

/** A naturalized dcmjs value as DICOM text: PN objects by their alphabetic group, lists by "\". */
export function dicomText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.map(dicomText).join("\\");
  if (typeof v === "object") {
    const alpha = (v as { Alphabetic?: unknown }).Alphabetic;
    return alpha === undefined ? "" : String(alpha);
  }
  return String(v).replace(/[ \0]+$/g, "");
}

function count(n: number): string {
  return String(n);
}

function studyEntity(r: QrStudyRow): QrEntity {
  return {
    PatientName: r.patientName,
    PatientID: r.patientId,
    PatientBirthDate: r.birthDate,
    PatientSex: r.sex,
    StudyInstanceUID: r.studyInstanceUid,
    StudyDate: r.studyDate,
    StudyTime: r.studyTime,
    AccessionNumber: r.accessionNumber,
    StudyDescription: r.description,
    ModalitiesInStudy: r.modalities,
    NumberOfStudyRelatedSeries: count(r.seriesCount),
    NumberOfStudyRelatedInstances: count(r.instanceCount),
  };
}

export interface QrRequestKeys {
  level: QrLevel;
  /** keyword -> request value as DICOM text, control keys left out. */
  keys: Record<string, string>;
  /** The request carried Specific Character Set (0008,0005). */
  characterSet: boolean;
}

/** The request identifier's level and keys; a reason when it cannot be served (-> 0xA900). */
export function parseIdentifier(
  model: QrModel,
  elements: Record<string, unknown>,
): QrRequestKeys | { problem: string } {
  const level = dicomText(elements.QueryRetrieveLevel).trim().toUpperCase() as QrLevel;
  if (!LEVELS[model].includes(level)) {
    return {
      problem: `Query/Retrieve Level "${level}" is not one of ${LEVELS[model].join(", ")} (${model} ROOT)`,
    };
  }
  const keys: Record<string, string> = {};
  for (const [k, v] of Object.entries(elements)) {
    if (k.startsWith("_") || CONTROL_KEYS.has(k)) continue;
    keys[k] = dicomText(v).trim();
  }
  return { level, keys, characterSet: elements.SpecificCharacterSet !== undefined };
}

function levelIndex(level: QrLevel): number {
  return ["PATIENT", "STUDY", "SERIES", "IMAGE"].indexOf(level);
}

/** UID lists of the request pushed into SQL; the full matching is done afterwards. */
function uidFilter(req: QrRequestKeys): QrUidFilter {
  const below = (key: string): boolean => levelIndex(KEYS[key]!.level) > levelIndex(req.level);
  const f: QrUidFilter = {};
  const studies = below("StudyInstanceUID") ? undefined : uidList(req.keys.StudyInstanceUID);
  const series = below("SeriesInstanceUID") ? undefined : uidList(req.keys.SeriesInstanceUID);
  const sops = below("SOPInstanceUID") ? undefined : uidList(req.keys.SOPInstanceUID);
  if (studies) f.studyUids = studies;
  if (series) f.seriesUids = series;
  if (sops) f.sopUids = sops;
  return f;
}

/** A result object (SR, presentation state, SEG, KOS) filed beside a study in the store. */
interface StoredObject {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  transferSyntaxUid: string;
  modality: string;
  seriesNumber: string;
  seriesDescription: string;
  instanceNumber: string;
  path: string;
}

/**
 * The result objects beside each study in the store (node.ts files received SR/PR/SEG/KOS there;
 * the export writes our SR and GSPS there): every file in a series folder the registry does not
 * hold images of, read up to its header. Superseded result objects are left out. A file that
 * cannot be read is left out too (it is not ours to answer for).
 */
function storedObjects(registry: Registry, studyUids: string[]): StoredObject[] {
  const out: StoredObject[] = [];
  for (const study of studyUids) {
    const folder = path.join(registry.paths.store, uidSegment(study));
    let seriesDirs: string[];
    try {
      seriesDirs = fs.readdirSync(folder);
    } catch {
      continue;
    }
    const index = qrStudyFolderIndex(registry.db, study);
    const imageDirs = new Set([...index.imageSeries].map(uidSegment));
    for (const dir of seriesDirs.sort()) {
      if (imageDirs.has(dir)) continue;
      let files: string[];
      try {
        files = fs.readdirSync(path.join(folder, dir)).filter((f) => f.endsWith(".dcm"));
      } catch {
        continue;
      }
      for (const f of files.sort()) {
        const file = path.join(folder, dir, f);
        try {
          const bytes = new Uint8Array(fs.readFileSync(file));
          const meta = splitPart10(bytes);
          if (RESULT_SOP_CLASSES[meta.sopClassUid] === undefined) continue;
          const ds = readPart10(bytes, true).dataset;
          const seriesUid = dicomText(ds.SeriesInstanceUID);
          const rel = storeRelativePath(study, seriesUid, meta.sopInstanceUid);
          if (index.superseded.has(rel) || dicomText(ds.StudyInstanceUID) !== study) continue;
          out.push({
            studyInstanceUid: study,
            seriesInstanceUid: seriesUid,
            sopInstanceUid: meta.sopInstanceUid,
            sopClassUid: meta.sopClassUid,
            transferSyntaxUid: meta.transferSyntaxUid,
            modality: dicomText(ds.Modality),
            seriesNumber: dicomText(ds.SeriesNumber),
            seriesDescription: dicomText(ds.SeriesDescription),
            instanceNumber: dicomText(ds.InstanceNumber),
            path: file,
          });
        } catch {
          // Not a readable DICOM file: not offered.
        }
      }
    }
  }
  return out;
}

/** The registry's entities at the request's level, with the attributes of every level above. */
function entities(registry: Registry, req: QrRequestKeys): QrEntity[] {
  const db = registry.db;
  const filter = uidFilter(req);
  const studies = qrStudies(db, filter.studyUids ? { studyUids: filter.studyUids } : {});
  switch (req.level) {
    case "PATIENT": {
      const byPatient = new Map<number, QrStudyRow[]>();
      for (const s of studies)
        byPatient.set(s.patientRef, [...(byPatient.get(s.patientRef) ?? []), s]);
      return [...byPatient.values()].map((list) => {
        const p = list[0]!;
        return {
          PatientName: p.patientName,
          PatientID: p.patientId,
          PatientBirthDate: p.birthDate,
          PatientSex: p.sex,
          NumberOfPatientRelatedStudies: count(list.length),
          NumberOfPatientRelatedSeries: count(list.reduce((n, s) => n + s.seriesCount, 0)),
          NumberOfPatientRelatedInstances: count(list.reduce((n, s) => n + s.instanceCount, 0)),
          // Not a key (parseIdentifier drops "_" names): the studies whose objects add to the counts.
          [PATIENT_STUDIES]: list.map((s) => s.studyInstanceUid).join("\\"),
        };
      });
    }
    case "STUDY":
      return studies.map(studyEntity);
    case "SERIES": {
      const byUid = new Map(studies.map((s) => [s.studyInstanceUid, studyEntity(s)]));
      const objectSeries = new Map<string, StoredObject[]>();
      for (const o of storedObjects(registry, [...byUid.keys()])) {
        if (filter.seriesUids && !filter.seriesUids.includes(o.seriesInstanceUid)) continue;
        objectSeries.set(o.seriesInstanceUid, [
          ...(objectSeries.get(o.seriesInstanceUid) ?? []),
          o,
        ]);
      }
      const objects: QrEntity[] = [...objectSeries.values()].map((list) => ({
        ...byUid.get(list[0]!.studyInstanceUid)!,
        SeriesInstanceUID: list[0]!.seriesInstanceUid,
        Modality: list[0]!.modality,
        SeriesNumber: list[0]!.seriesNumber,
        SeriesDescription: list[0]!.seriesDescription,
        NumberOfSeriesRelatedInstances: count(list.length),
      }));
      const images = qrSeries(db, filter).flatMap((se) => {
        const study = byUid.get(se.studyInstanceUid);
        if (!study) return [];
        return [
          {
            ...study,
            SeriesInstanceUID: se.seriesInstanceUid,
            Modality: se.modality,
            SeriesNumber: se.seriesNumber === null ? "" : String(se.seriesNumber),
            SeriesDescription: se.description,
            NumberOfSeriesRelatedInstances: count(se.instanceCount),
          },
        ];
      });
      return [...images, ...objects];
    }
    case "IMAGE": {
      const byUid = new Map(studies.map((s) => [s.studyInstanceUid, studyEntity(s)]));
      const series = new Map(qrSeries(db, filter).map((se) => [se.seriesInstanceUid, se]));
      const objects = storedObjects(registry, [...byUid.keys()]).filter(
        (o) =>
          (!filter.seriesUids || filter.seriesUids.includes(o.seriesInstanceUid)) &&
          (!filter.sopUids || filter.sopUids.includes(o.sopInstanceUid)),
      );
      const perSeries = new Map<string, number>();
      for (const o of objects) {
        perSeries.set(o.seriesInstanceUid, (perSeries.get(o.seriesInstanceUid) ?? 0) + 1);
      }
      const objectEntities: QrEntity[] = objects.map((o) => ({
        ...byUid.get(o.studyInstanceUid)!,
        SeriesInstanceUID: o.seriesInstanceUid,
        Modality: o.modality,
        SeriesNumber: o.seriesNumber,
        SeriesDescription: o.seriesDescription,
        NumberOfSeriesRelatedInstances: count(perSeries.get(o.seriesInstanceUid) ?? 0),
        SOPInstanceUID: o.sopInstanceUid,
        SOPClassUID: o.sopClassUid,
        InstanceNumber: o.instanceNumber,
      }));
      const images = qrInstances(db, filter).flatMap((i) => {
        const study = byUid.get(i.studyInstanceUid);
        const se = series.get(i.seriesInstanceUid);
        if (!study || !se) return [];
        return [
          {
            ...study,
            SeriesInstanceUID: se.seriesInstanceUid,
            Modality: se.modality,
            SeriesNumber: se.seriesNumber === null ? "" : String(se.seriesNumber),
            SeriesDescription: se.description,
            NumberOfSeriesRelatedInstances: count(se.instanceCount),
            SOPInstanceUID: i.sopInstanceUid,
            SOPClassUID: i.sopClassUid,
            InstanceNumber: i.instanceNumber === null ? "" : String(i.instanceNumber),
          },
        ];
      });
      return [...images, ...objectEntities];
    }
  }
}

function matchesEntity(req: QrRequestKeys, entity: QrEntity, skip?: string): boolean {
  for (const [key, query] of Object.entries(req.keys)) {
    if (key === skip) continue;
    const def = KEYS[key];
    if (!def || def.returnOnly || def.notHeld) continue;
    // A key below the query level is not a matching key (C.4.1.2.1): it is ignored.
    if (levelIndex(def.level) > levelIndex(req.level)) continue;
    if (!matchesKey(def.vr, query, entity[key] ?? "")) return false;
  }
  return true;
}

/** The entities matching a C-FIND request, each as the identifier to return. */
export function findMatches(
  registry: Registry,
  req: QrRequestKeys,
  retrieveAeTitle: string,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const entity of entities(registry, req)) {
    if (req.level === "STUDY") {
      // The study's result objects count in its series, instances and modalities: its folder is
      // read only once every other key has matched.
      if (!matchesEntity(req, entity, "ModalitiesInStudy")) continue;
      withObjects(registry, entity);
      if (!matchesEntity(req, entity)) continue;
    } else if (!matchesEntity(req, entity)) continue;
    if (req.level === "PATIENT") withPatientObjects(registry, entity);
    const identifier: Record<string, unknown> = { QueryRetrieveLevel: req.level };
    for (const key of Object.keys(req.keys)) {
      const def = KEYS[key];
      // A key we do not hold comes back empty (C.4.1.2.3), where dcmjs can write it empty.
      if (!def && !TEXT_VRS.has(DICTIONARY[key]?.vr ?? "")) continue;
      const below = def !== undefined && levelIndex(def.level) > levelIndex(req.level);
      const value = def && !below ? (entity[key] ?? "") : "";
      identifier[key] = def?.vr === "IS" && value !== "" ? Number(value) : value;
    }
    // C.4.1.1.3.2: where the matched entity can be retrieved from.
    identifier.RetrieveAETitle = retrieveAeTitle;
    // dcmjs decodes the request's character set and writes every string as UTF-8, so the answer
    // says ISO_IR 192 (PS3.3 C.12.1.1.2) where the request named a set or a value is not ASCII;
    // for ASCII values those are the bytes of any single-byte set the requester used.
    const nonAscii = Object.values(identifier).some(
      (v) => typeof v === "string" && /[^\x00-\x7f]/.test(v),
    );
    if (req.characterSet || nonAscii) identifier.SpecificCharacterSet = "ISO_IR 192";
    out.push(identifier);
  }
  return out;
}

const PATIENT_STUDIES = "_studyInstanceUids";

/** A PATIENT level entity with its studies' stored result objects added to its counts. */
function withPatientObjects(registry: Registry, entity: QrEntity): void {
  const objects = storedObjects(registry, (entity[PATIENT_STUDIES] ?? "").split("\\"));
  const series = new Set(objects.map((o) => o.seriesInstanceUid));
  entity.NumberOfPatientRelatedSeries = count(
    Number(entity.NumberOfPatientRelatedSeries) + series.size,
  );
  entity.NumberOfPatientRelatedInstances = count(
    Number(entity.NumberOfPatientRelatedInstances) + objects.length,
  );
}

/** A STUDY level entity with its stored result objects added to its counts and modalities. */
function withObjects(registry: Registry, entity: QrEntity): void {
  const objects = storedObjects(registry, [entity.StudyInstanceUID ?? ""]);
  if (objects.length === 0) return;
  const series = new Set(objects.map((o) => o.seriesInstanceUid));
  const modalities = new Set((entity.ModalitiesInStudy ?? "").split("\\").filter((m) => m !== ""));
  for (const o of objects) if (o.modality !== "") modalities.add(o.modality);
  entity.NumberOfStudyRelatedSeries = count(
    Number(entity.NumberOfStudyRelatedSeries) + series.size,
  );
  entity.NumberOfStudyRelatedInstances = count(
    Number(entity.NumberOfStudyRelatedInstances) + objects.length,
  );
  entity.ModalitiesInStudy = [...modalities].sort().join("\\");
}

export interface StoredFile {
  path: string;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/**
 * The stored files a C-MOVE / C-GET identifier names (PS3.4 C.4.2.2.1: the unique keys of the
 * level and of the levels above, UID lists allowed); a reason when it names none.
 */
export function retrieveFiles(
  registry: Registry,
  req: QrRequestKeys,
): StoredFile[] | { problem: string } {
  const uniqueKey: Record<QrLevel, string> = {
    PATIENT: "PatientID",
    STUDY: "StudyInstanceUID",
    SERIES: "SeriesInstanceUID",
    IMAGE: "SOPInstanceUID",
  };
  const key = uniqueKey[req.level];
  const value = req.keys[key] ?? "";
  if (value === "" || /[*?]/.test(value)) {
    return { problem: `${key} is required for a ${req.level} level retrieve (no universal match)` };
  }
  const filter: QrUidFilter = {};
  const list = (k: string): string[] | undefined => uidList(req.keys[k]);
  if (req.level === "PATIENT") filter.patientIds = value.split("\\").map((v) => v.trim());
  const studies = list("StudyInstanceUID");
  if (studies && levelIndex(req.level) >= 1) filter.studyUids = studies;
  const series = list("SeriesInstanceUID");
  if (series && levelIndex(req.level) >= 2) filter.seriesUids = series;
  const sops = list("SOPInstanceUID");
  if (sops && levelIndex(req.level) >= 3) filter.sopUids = sops;
  const images = qrInstances(registry.db, filter);
  const files: StoredFile[] = images.map((i) => ({
    path: path.join(registry.paths.store, ...i.storePath.split("/")),
    sopClassUid: i.sopClassUid,
    sopInstanceUid: i.sopInstanceUid,
    transferSyntaxUid: i.transferSyntaxUid,
  }));
  // The result objects beside the studies retrieved, the series or the instances named.
  const studyUids = new Set(images.map((i) => i.studyInstanceUid));
  for (const uid of filter.studyUids ?? []) studyUids.add(uid);
  for (const o of storedObjects(registry, [...studyUids])) {
    if (filter.seriesUids && !filter.seriesUids.includes(o.seriesInstanceUid)) continue;
    if (filter.sopUids && !filter.sopUids.includes(o.sopInstanceUid)) continue;
    files.push(o);
  }
  return files;
}
