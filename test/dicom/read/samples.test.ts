// Every row of ../shared/dicom-samples/manifest.tsv (files nobody on this project wrote):
// `import` rows read as MR instances whose decoded pixels match an independent reference,
// `skip` rows skipped with a reason, `reject` rows rejected with a specific reason.
// Pixel references: NEMA's `_UNC` image for the NEMA variants; fixtures/reference-pixels.tsv
// (dcmtk + pydicom, see make-reference.py) for the rest; dcmtk's dcmdjpeg for 12-bit lossy JPEG.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../../electron/contract/errors";
import { openImagePixels, readDicomFile } from "../../../electron/dicom/read/index";

const REPO = path.resolve(__dirname, "../../..");
const SAMPLES = path.resolve(REPO, "../shared/dicom-samples");

interface Row {
  path: string;
  modality: string;
  sopClass: string;
  transferSyntax: string;
  frames: string;
  size: string;
  expected: string;
}

function readTsv(file: string): string[][] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split("\t"));
}

const rows: Row[] = readTsv(path.join(SAMPLES, "manifest.tsv")).map((c) => ({
  path: c[0]!,
  modality: c[1]!,
  sopClass: c[2]!,
  transferSyntax: c[3]!,
  frames: c[4]!,
  size: c[5]!,
  expected: c[6]!,
}));

const references = new Map(
  readTsv(path.join(__dirname, "fixtures/reference-pixels.tsv")).map((c) => [c[0]!, c]),
);

/** The reasons a file may be rejected with, as documented in README "DICOM support". */
const REJECTION_REASONS = [
  /^empty file \(0 bytes\)$/,
  /^not a DICOM file: the file is plain text$/,
  /^not a DICOM (Part 10 )?file: no .*preamble.*\(PS3\.10 7\.1\)/,
  /^file meta information (has no Transfer Syntax UID|is not encoded in explicit VR)/,
  /^file truncated in the header: .+ at byte \d+ of \d+$/,
  /^pixel data truncated: (expected \d+ bytes, found \d+|.*\d+.*)$/,
  /^inconsistent header: .+/,
  /^invalid (Number of Frames|element|value representation|sequence|encapsulated pixel data|deflated data set|Transfer Syntax UID)\b.+/,
  /^cannot parse the data set: element \([0-9A-F]{4},[0-9A-F]{4}\) .+/,
  /^no decoder for transfer syntax [\d.]+ \(.+\)$/,
  /^Float Pixel Data .* is not supported$/,
];

type Pixels = Int32Array | Float32Array;

async function allFrames(decode: (i: number) => Promise<Pixels>, n: number) {
  const frames: Pixels[] = [];
  for (let i = 0; i < n; i++) frames.push(await decode(i));
  return frames;
}

function sha256(frames: Pixels[]): string {
  const h = createHash("sha256");
  for (const f of frames) {
    const le = new Uint8Array(f.length * 4);
    const view = new DataView(le.buffer);
    f.forEach((v, i) => view.setInt32(4 * i, v, true));
    h.update(le);
  }
  return h.digest("hex");
}

/** Max and mean absolute error, and PSNR over the reference's value range. */
function compare(a: Pixels, ref: Pixels): { max: number; mean: number; psnr: number } {
  expect(a.length).toBe(ref.length);
  let max = 0;
  let sum = 0;
  let sq = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(a[i]! - ref[i]!);
    max = Math.max(max, d);
    sum += d;
    sq += d * d;
    lo = Math.min(lo, ref[i]!);
    hi = Math.max(hi, ref[i]!);
  }
  const rmse = Math.sqrt(sq / ref.length);
  return {
    max,
    mean: sum / ref.length,
    psnr: rmse === 0 ? Infinity : 20 * Math.log10((hi - lo) / rmse),
  };
}

async function decodeUnc(rowPath: string): Promise<Pixels> {
  const unc = path.join(SAMPLES, rowPath.replace(/_[A-Z0-9]+$/, "_UNC"));
  const out = await readDicomFile(unc);
  if (out.kind !== "instance") throw new Error(`${unc} is not an instance`);
  return out.instance.decodeFrame(0);
}

const work = mkdtempSync(path.join(tmpdir(), "livercad-read-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** dcmtk's decode of a JPEG file (an independent implementation: libijg12 for 12-bit). */
async function dcmtkDecode(rowPath: string): Promise<Pixels> {
  const out = path.join(work, path.basename(rowPath) + ".dcm");
  execFileSync("dcmdjpeg", [path.join(SAMPLES, rowPath), out]);
  const read = await readDicomFile(out);
  if (read.kind !== "instance") throw new Error("dcmdjpeg output is not an instance");
  return read.instance.decodeFrame(0);
}

describe("dicom-samples manifest", () => {
  it("lists the 111 files, all present", () => {
    expect(rows).toHaveLength(111);
    for (const r of rows) expect(existsSync(path.join(SAMPLES, r.path))).toBe(true);
  });

  for (const row of rows.filter((r) => r.expected.startsWith("reject"))) {
    it(`rejects ${row.path} with a specific reason`, async () => {
      const err = await readDicomFile(path.join(SAMPLES, row.path)).then(
        (o) => new Error(`read as ${o.kind}`),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      const message = (err as AppError).message;
      expect(
        REJECTION_REASONS.some((re) => re.test(message)),
        message,
      ).toBe(true);
    });
  }

  for (const row of rows.filter((r) => r.expected.startsWith("skip"))) {
    it(`skips ${row.path} with a reason`, async () => {
      const out = await readDicomFile(path.join(SAMPLES, row.path));
      expect(out.kind).toBe("skipped");
      if (out.kind !== "skipped") return;
      expect(out.reason).toMatch(/^not an MR image \(Modality .+, SOP class .+\)$/);
      if (row.modality !== "-") expect(out.reason).toContain(`Modality ${row.modality},`);
      // Encapsulated skip rows are the corpus' multi-frame files without offset table and its
      // colour JPEG: their frames must still split and decode as dcmtk's do.
      const ref = references.get(row.path);
      if (ref) {
        const px = openImagePixels(new Uint8Array(readFileSync(path.join(SAMPLES, row.path))));
        expect(sha256(await allFrames(px.decodeFrame, px.layout.frames))).toBe(ref[5]);
      }
    });
  }

  const imports = rows.filter((r) => r.expected === "import");

  // The manifest marks two non-MR files `import` (XA, and an RGB secondary capture); no header
  // attribute separates them from the non-MR files it marks `skip`, so the reader skips every
  // non-MR SOP class and these rows check the same pixel path through openImagePixels instead.
  for (const row of imports.filter((r) => r.modality !== "MR")) {
    it(`${row.path}: non-MR row marked import is skipped, its pixels still decode exactly`, async () => {
      const file = path.join(SAMPLES, row.path);
      const out = await readDicomFile(file);
      expect(out.kind).toBe("skipped");
      if (out.kind === "skipped") expect(out.reason).toContain(`Modality ${row.modality},`);
      const px = openImagePixels(new Uint8Array(readFileSync(file)));
      const ref = references.get(row.path)!;
      expect(ref, "reference fixture").toBeDefined();
      expect([px.layout.frames, px.layout.rows, px.layout.columns]).toEqual(
        ref.slice(1, 4).map(Number),
      );
      expect(sha256(await allFrames(px.decodeFrame, px.layout.frames))).toBe(ref[5]);
    });
  }

  for (const row of imports.filter((r) => r.modality === "MR")) {
    it(`imports ${row.path} with exact or in-tolerance pixels`, async () => {
      const out = await readDicomFile(path.join(SAMPLES, row.path));
      expect(out.kind).toBe("instance");
      if (out.kind !== "instance") return;
      const inst = out.instance;
      const [rowsS, colsS, bitsS] = row.size.split("x");
      expect(inst.frames).toHaveLength(Number(row.frames));
      expect(inst.frames[0]!.rows).toBe(Number(rowsS));
      expect(inst.frames[0]!.columns).toBe(Number(colsS));
      expect(inst.bitsAllocated).toBe(Number(bitsS));
      expect(inst.sopInstanceUid).not.toBe("");
      expect(inst.series.seriesInstanceUid).not.toBe("");
      const frames = await allFrames(inst.decodeFrame, inst.frames.length);
      const ref = references.get(row.path);
      if (ref) expect(sha256(frames)).toBe(ref[5]);
      const nema = /^mr-nema\/MR\d_([A-Z0-9]+)$/.exec(row.path)?.[1];
      if (nema === undefined) {
        expect(ref, "every non-NEMA import row has a reference").toBeDefined();
        return;
      }
      const unc = await decodeUnc(row.path);
      const err = compare(frames[0]!, unc);
      if (["UNC", "RLE", "JPLL", "JLSL", "J2KR"].includes(nema)) {
        expect(err.max).toBe(0);
      } else if (nema === "JLSN") {
        // Near-lossless: |error| <= NEAR, which NEMA's files set to 4 (JPEG-LS SOS parameter).
        expect(err.max).toBeLessThanOrEqual(4);
      } else if (nema === "JPLY") {
        // 12-bit lossy JPEG: at least 40 dB PSNR over the image's range (dcmtk's decode: 46-54).
        expect(err.psnr).toBeGreaterThan(40);
      } else {
        // JPEG 2000 irreversible at NEMA's 51:1 to 194:1 (LossyImageCompressionRatio): 30 dB.
        expect(err.psnr).toBeGreaterThan(30);
      }
      if (process.env.READ_SAMPLES_VERBOSE) console.log(row.path, err);
      if (nema === "JPLY") {
        // Against dcmtk's decode: integer vs double-precision IDCT rounding, at most one level.
        const dcmtk = compare(frames[0]!, await dcmtkDecode(row.path));
        expect(dcmtk.max).toBeLessThanOrEqual(1);
        expect(dcmtk.mean).toBeLessThan(0.05);
      }
    });
  }
});
