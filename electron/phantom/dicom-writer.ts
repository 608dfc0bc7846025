// Writes one phantom image as a DICOM Part 10 file (PS3.10) with dcmjs: MR Image Storage
// (1.2.840.10008.5.1.4.1.1.4, PS3.3 A.4), Explicit VR Little Endian only. The data set is built
// directly in dcmjs's tag-keyed ("denaturalized") form, which also carries GE's private b-value.
import type { SeriesPlan, SlicePlan } from "./geometry";
import type { StudyPlan } from "./plan";
import { CONTRAST_AGENT, INJECTION_MINUTE } from "./protocol";
import { sopInstanceUid } from "./truth";
import { VENDORS } from "./vendors";

export const MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4";
export const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
export const IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
/** Implementation Class UID of this writer (PS3.7 D.3.3.2), itself a 2.25 UID. */
export const IMPLEMENTATION_CLASS_UID = "2.25.302385146953213465432103157729470317512";
export const MANUFACTURER = "GE MEDICAL SYSTEMS";

interface Element {
  vr: string;
  Value: unknown[];
}
type DataSet = Record<string, Element>;

interface DcmjsDict {
  dict: DataSet;
  write(): ArrayBuffer;
}
interface Dcmjs {
  data: { DicomDict: new (meta: DataSet) => DcmjsDict };
}

// dcmjs ships no type declarations; loading it through require with this narrow interface keeps
// the untyped surface to the two members used here (and works in the esbuild CJS bundle and vitest).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require("dcmjs") as Dcmjs;

/** DS values (PS3.5 6.2): at most 16 characters. */
function ds(x: number): string {
  for (let digits = 6; digits >= 0; digits--) {
    const s = Number(x.toFixed(digits)).toString();
    if (s.length <= 16) return s;
  }
  return x.toExponential(8);
}

/**
 * Fixed-width DS for per-image positions: sign or "0", four integer digits, three decimals (9
 * characters; DS permits leading zeros, PS3.5 6.2). Constant width lets SeriesWriter patch them.
 */
function fixedDs(x: number): string {
  const body = Math.abs(x).toFixed(3).padStart(8, "0");
  if (body.length !== 8) throw new RangeError(`position ${x} mm outside +-9999.999`);
  return `${x < 0 ? "-" : "0"}${body}`;
}

export function tm(seconds: number): string {
  const s = ((Math.round(seconds) % 86400) + 86400) % 86400;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return `${String(hh).padStart(2, "0")}${String(mm).padStart(2, "0")}${String(ss).padStart(2, "0")}`;
}

const str = (vr: string, v: string): Element => ({ vr, Value: v === "" ? [] : [v] });
const num = (vr: string, ...v: number[]): Element => ({ vr, Value: v });
const dsv = (...v: number[]): Element => ({ vr: "DS", Value: v.map(ds) });

/** The full data set of slice `k` of `series` (without pixel data). */
export function instanceDataSet(
  study: StudyPlan,
  series: SeriesPlan,
  k: number,
  slice: SlicePlan,
): DataSet {
  const p = series.protocol;
  const n = series.matrix;
  const injection = study.studyStartSeconds + INJECTION_MINUTE * 60;
  const sop = sopInstanceUid(study, series, k);
  const window =
    series.kind === "ADC"
      ? [1500, 3000]
      : [Math.round(600 / series.rescaleSlope), Math.round(1200 / series.rescaleSlope)];
  const set: DataSet = {
    "00080005": str("CS", "ISO_IR 100"),
    "00080008": { vr: "CS", Value: [...p.imageType] },
    "00080012": str("DA", study.studyDate),
    "00080013": str("TM", tm(series.acquisitionSeconds + 30)),
    "00080016": str("UI", MR_IMAGE_STORAGE),
    "00080018": str("UI", sop),
    "00080020": str("DA", study.studyDate),
    "00080021": str("DA", study.studyDate),
    "00080022": str("DA", study.studyDate),
    "00080023": str("DA", study.studyDate),
    "00080030": str("TM", tm(study.studyStartSeconds)),
    "00080031": str("TM", tm(series.acquisitionSeconds)),
    "00080032": str("TM", tm(series.acquisitionSeconds)),
    "00080033": str("TM", tm(series.acquisitionSeconds + 30)),
    "00080050": str("SH", study.accessionNumber),
    "00080060": str("CS", "MR"),
    "00080070": str(
      "LO",
      series.vendor === "GE" ? MANUFACTURER : VENDORS[series.vendor].manufacturer,
    ),
    "00080080": str("LO", "LiverCAD Phantom Hospital"),
    "00080090": { vr: "PN", Value: [] },
    "00081010": str("SH", "PHANTOMMR1"),
    "00081030": str("LO", "MR LIVER W/WO CONTRAST"),
    "0008103E": str("LO", series.description),
    "00081090": str("LO", series.variation ? VENDORS[series.vendor].model : "DISCOVERY MR750"),
    "00100010": { vr: "PN", Value: [{ Alphabetic: study.patientName }] },
    "00100020": str("LO", study.patientId),
    "00100030": str("DA", study.patientBirthDate),
    "00100040": str("CS", study.patientSex),
    "00101010": str("AS", `${String(study.patientAge).padStart(3, "0")}Y`),
    "00101030": dsv(study.patientWeight),
    "00180015": str("CS", "LIVER"),
    "00180020": { vr: "CS", Value: p.scanningSequence.split("\\") },
    "00180021": { vr: "CS", Value: p.sequenceVariant.split("\\") },
    "00180022": { vr: "CS", Value: p.scanOptions.split("\\") },
    "00180023": str("CS", p.mrAcquisitionType),
    "00180024": str("SH", p.sequenceName),
    "00180025": str("CS", "N"),
    "00180050": dsv(series.thickness),
    "00180080": dsv(series.repetitionTime),
    "00180081": dsv(series.echoTime),
    "00180083": dsv(1),
    "00180084": dsv(127.7),
    "00180085": str("SH", "1H"),
    "00180086": { vr: "IS", Value: ["1"] },
    "00180087": dsv(3),
    "00180088": dsv(series.spacingBetweenSlices),
    "00180091": { vr: "IS", Value: [String(p.echoTrainLength)] },
    "00180095": dsv(p.kind === "DWI" || p.kind === "ADC" ? 1953 : 488),
    "00181020": str("LO", "DV26.0_R03"),
    "00181030": str("LO", p.protocolName),
    "00181250": str("SH", "32Ch Torso"),
    "00181310": num("US", 0, n, series.rows, 0),
    "00181312": str("CS", "ROW"),
    "00181314": dsv(p.flipAngle),
    "00185100": str("CS", "HFS"),
    "0020000D": str("UI", study.studyInstanceUid),
    "0020000E": str("UI", series.seriesInstanceUid),
    "00200010": str("SH", String(study.index + 1)),
    "00200011": { vr: "IS", Value: [String(series.seriesNumber)] },
    "00200012": { vr: "IS", Value: ["1"] },
    "00200013": { vr: "IS", Value: [String(k + 1).padStart(4, "0")] },
    "00200032": { vr: "DS", Value: slice.position.map(fixedDs) },
    "00200037": dsv(...slice.orientation),
    "00200052": str("UI", study.frameOfReferenceUid),
    "00201040": { vr: "LO", Value: [] },
    "00201041": { vr: "DS", Value: [fixedDs(slice.location)] },
    "00280002": num("US", 1),
    "00280004": str("CS", "MONOCHROME2"),
    "00280010": num("US", series.rows),
    "00280011": num("US", n),
    "00280030": dsv(series.rowSpacing, series.pixelSpacing),
    "00280100": num("US", 16),
    "00280101": num("US", 16),
    "00280102": num("US", 15),
    "00280103": num("US", 0),
    "00281050": dsv(window[0] ?? 0),
    "00281051": dsv(window[1] ?? 1),
    "00281052": dsv(0),
    "00281053": dsv(series.rescaleSlope),
  };
  if (series.postContrast) {
    set["00180010"] = str("LO", CONTRAST_AGENT);
    set["00181040"] = str("LO", "IV");
    set["00181041"] = dsv(7.5);
    set["00181042"] = str("TM", tm(injection));
  }
  if (series.kind === "DWI") {
    const b = p.diffusionBValue ?? 800;
    const bValue = series.description.includes("1000") ? 1000 : b;
    set["00189087"] = num("FD", bValue);
    if (series.vendor === "GE") {
      // GE keeps the b-value in (0043,1039) "Slop_int_6..9" of the GEMS_PARM_01 private block.
      set["00430010"] = str("LO", "GEMS_PARM_01");
      set["00431039"] = { vr: "IS", Value: [String(bValue), "0", "0", "0"] };
    }
  }
  if (series.kind === "ADC") {
    set["00082111"] = str("ST", "ADC map computed from b0 and high-b diffusion images");
  }
  return set;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Appends Pixel Data to a header; see encodeInstance. */
function withPixels(header: Uint8Array, pixels: Uint16Array, implicitVr = false): Uint8Array {
  if (implicitVr) {
    // Implicit VR Little Endian (PS3.5 7.1.3): tag and a 32-bit length, no VR.
    const byteLength = pixels.length * 2;
    const out = new Uint8Array(header.length + 8 + byteLength);
    out.set(header, 0);
    const view = new DataView(out.buffer, header.length, 8);
    view.setUint16(0, 0x7fe0, true);
    view.setUint16(2, 0x0010, true);
    view.setUint32(4, byteLength, true);
    const px = new DataView(out.buffer, header.length + 8, byteLength);
    for (let i = 0; i < pixels.length; i++) px.setUint16(i * 2, pixels[i] as number, true);
    return out;
  }
  // Pixel Data (7FE0,0010) is the data set's last element, so it is appended here rather than
  // passed through dcmjs, whose writer copies large values byte by byte (measured: 7 ms of the
  // 8 ms per 130x130 image). Explicit VR LE encoding of OW: tag, "OW", 2 reserved bytes, 32-bit
  // length (PS3.5 7.1.2), then the little-endian 16-bit values.
  const byteLength = pixels.length * 2;
  const out = new Uint8Array(header.length + 12 + byteLength);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length, 12);
  view.setUint16(0, 0x7fe0, true);
  view.setUint16(2, 0x0010, true);
  view.setUint8(4, 0x4f);
  view.setUint8(5, 0x57);
  view.setUint16(6, 0, true);
  view.setUint32(8, byteLength, true);
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(pixels.buffer, pixels.byteOffset, byteLength), header.length + 12);
  } else {
    const px = new DataView(out.buffer, header.length + 12, byteLength);
    for (let i = 0; i < pixels.length; i++) px.setUint16(i * 2, pixels[i] as number, true);
  }
  return out;
}

/** Part 10 header (preamble, meta group, data set without pixels) of one image, by dcmjs. */
function encodeHeader(study: StudyPlan, series: SeriesPlan, k: number): Uint8Array {
  const slice = series.slices[k];
  if (!slice) throw new RangeError(`slice ${k} outside series ${series.kind}`);
  const sop = sopInstanceUid(study, series, k);
  const meta: DataSet = {
    "00020001": { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] },
    "00020002": str("UI", MR_IMAGE_STORAGE),
    "00020003": str("UI", sop),
    "00020010": str(
      "UI",
      series.implicitVr ? IMPLICIT_VR_LITTLE_ENDIAN : EXPLICIT_VR_LITTLE_ENDIAN,
    ),
    "00020012": str("UI", IMPLEMENTATION_CLASS_UID),
    "00020013": str("SH", "LIVERCAD_PH_1"),
  };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = instanceDataSet(study, series, k, slice);
  return new Uint8Array(dict.write());
}

/** The Part 10 bytes of one image: file meta group + data set + pixel data (OW). */
export function encodeInstance(
  study: StudyPlan,
  series: SeriesPlan,
  k: number,
  pixels: Uint16Array,
): Uint8Array {
  return withPixels(encodeHeader(study, series, k), pixels, series.implicitVr);
}

const LONG_VRS = new Set([
  "OB",
  "OW",
  "OF",
  "OD",
  "OL",
  "OV",
  "SQ",
  "UN",
  "UT",
  "UC",
  "UR",
  "SV",
  "UV",
]);

/** Value offsets and lengths of the given tags in an explicit VR little endian Part 10 header. */
function locate(header: Uint8Array, tags: readonly number[]): Map<number, [number, number]> {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const found = new Map<number, [number, number]>();
  let p = 132;
  while (p + 8 <= header.length) {
    const tag = ((view.getUint16(p, true) << 16) | view.getUint16(p + 2, true)) >>> 0;
    const vr = String.fromCharCode(header[p + 4] as number, header[p + 5] as number);
    const long = LONG_VRS.has(vr);
    const len = long ? view.getUint32(p + 8, true) : view.getUint16(p + 6, true);
    const value = p + (long ? 12 : 8);
    if (tags.includes(tag)) found.set(tag, [value, len]);
    p = value + len;
  }
  return found;
}

const PATCHED = [0x00020003, 0x00080018, 0x00200013, 0x00200032, 0x00201041] as const;

/**
 * Writes the images of one series. dcmjs encodes the header of the first image; every further
 * image copies it and overwrites the five per-image values (SOP Instance UID twice, Instance
 * Number, Image Position, Slice Location), which are fixed-width by construction. dcmjs builds a
 * stream object per element and took ~3 ms per header, half the cost of a small-preset study.
 * Series whose orientation changes per image (the 3-plane localizer) are encoded in full.
 */
export class SeriesWriter {
  private template: Uint8Array | null = null;
  private offsets = new Map<number, [number, number]>();

  constructor(
    private readonly study: StudyPlan,
    private readonly series: SeriesPlan,
  ) {}

  write(k: number, pixels: Uint16Array): Uint8Array {
    const s = this.series;
    const sameOrientation = s.slices.every(
      (x) => x.orientation.join() === s.slices[0]?.orientation.join(),
    );
    // Implicit VR headers are encoded in full: the template patcher walks explicit VR only.
    if (!sameOrientation || s.implicitVr) return encodeInstance(this.study, s, k, pixels);
    if (!this.template) {
      this.template = encodeHeader(this.study, s, 0);
      this.offsets = locate(this.template, PATCHED);
      if (this.offsets.size !== PATCHED.length)
        throw new Error("header template lacks a patched tag");
    }
    const header = this.template.slice();
    const slice = s.slices[k];
    if (!slice) throw new RangeError(`slice ${k} outside series ${s.kind}`);
    const sop = sopInstanceUid(this.study, s, k);
    const values: Record<number, string> = {
      [0x00020003]: sop,
      [0x00080018]: sop,
      [0x00200013]: String(k + 1).padStart(4, "0"),
      [0x00200032]: slice.position.map(fixedDs).join("\\"),
      [0x00201041]: fixedDs(slice.location),
    };
    for (const tag of PATCHED) {
      const [at, len] = this.offsets.get(tag) as [number, number];
      const text = values[tag] as string;
      if (text.length > len || text.length < len - 1)
        throw new Error(`patched value length changed for ${tag.toString(16)}`);
      for (let i = 0; i < len; i++)
        header[at + i] =
          i < text.length
            ? text.charCodeAt(i)
            : tag === 0x00020003 || tag === 0x00080018
              ? 0
              : 0x20;
    }
    return withPixels(header, pixels);
  }
}
