// Writing and reading DICOM result objects with dcmjs in its "naturalized" form (keyword-keyed
// objects): build a data set, write it as Part 10 Explicit VR Little Endian (PS3.10 7.1), read it
// back. dcmjs ships no types, so the slice of it used here is declared narrowly below.
import crypto from "node:crypto";
import { IMPLEMENTATION_CLASS_UID } from "../../phantom/dicom-writer";
import { encodePart10 } from "./encode";

export const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
export const COMPREHENSIVE_SR = "1.2.840.10008.5.1.4.1.1.88.33";
export const GSPS = "1.2.840.10008.5.1.4.1.1.11.1";
export const MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4";

/** A naturalized data set: keywords to values; sequences are arrays of data sets. */
export type DataSet = Record<string, unknown>;

interface DcmjsDict {
  meta: Record<string, unknown>;
  dict: Record<string, unknown>;
  write(): ArrayBuffer;
}
interface Dcmjs {
  data: {
    DicomDict: new (meta: Record<string, unknown>) => DcmjsDict;
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: { ignoreErrors?: boolean; untilTag?: string; includeUntilTagValue?: boolean },
      ): DcmjsDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, unknown>): DataSet;
      denaturalizeDataset(dataset: DataSet): Record<string, unknown>;
    };
  };
  log: { setLevel(level: string): void };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require("dcmjs") as Dcmjs;
dcmjs.log.setLevel("error");

/**
 * A UID under the 2.25 root (PS3.5 B.2) derived from a name: the same name always gives the same
 * UID, so exporting the same registry state twice writes the same bytes.
 */
export function derivedUid(...parts: string[]): string {
  const hex = crypto.createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
  // 128 bits as a decimal integer without leading zeros (at most 39 digits + "2.25." = 44 <= 64).
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/** DS (PS3.5 6.2): at most 16 characters. */
export function ds(x: number): string {
  for (let digits = 10; digits >= 0; digits--) {
    const s = Number(x.toFixed(digits)).toString();
    if (s.length <= 16) return s;
  }
  return x.toExponential(6);
}

/** ISO timestamp -> DICOM DA and TM (UTC). */
export function dateTime(iso: string): { date: string; time: string } {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { date: "19700101", time: "000000" };
  const p = (n: number) => String(n).padStart(2, "0");
  return {
    date: `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`,
  };
}

/** Part 10 bytes of a naturalized data set (Explicit VR Little Endian, encode.ts). */
export function writePart10(dataset: DataSet): Uint8Array {
  return encodePart10(
    {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: dataset.SOPClassUID,
      MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
      TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: "LIVERCAD_010",
    },
    dataset,
  );
}

/**
 * Reads a Part 10 file's data set (naturalized) and its meta header; `headerOnly` stops before
 * Pixel Data (7FE0,0010), which is most of an image's bytes and parse time.
 */
export function readPart10(
  bytes: Uint8Array,
  headerOnly = false,
): { meta: DataSet; dataset: DataSet } {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dict = dcmjs.data.DicomMessage.readFile(buffer as ArrayBuffer, {
    ignoreErrors: true,
    ...(headerOnly ? { untilTag: "7FE00010", includeUntilTagValue: false } : {}),
  });
  return {
    meta: dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta),
    dataset: dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict),
  };
}

/** The raw (tag-keyed) form, for the de-identifier which must see every element. */
export function readRaw(bytes: Uint8Array): DcmjsDict {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return dcmjs.data.DicomMessage.readFile(buffer as ArrayBuffer, { ignoreErrors: true });
}

/** A naturalized sequence's items (dcmjs gives one item as an object, several as an array). */
export function items(v: unknown): DataSet[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as DataSet[];
}

/** A naturalized single value (dcmjs gives multiplicity-1 values unwrapped or in an array). */
export function single(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

export function str(v: unknown): string {
  const x = single(v);
  if (x === undefined || x === null) return "";
  if (typeof x === "object" && "Alphabetic" in (x as object)) {
    return String((x as { Alphabetic?: string }).Alphabetic ?? "");
  }
  return String(x);
}
