// De-identification of compressed, deflated and big-endian source files (issue 15 §3), one test
// per transfer syntax on files nobody on this project wrote (/work/shared/dicom-samples, copied
// into test/fixtures/dicom-syntax/ so the test runs anywhere), plus a deflated file made by
// dcmtk's dcmconv. Each output is read by dcmdump and pydicom: the header is de-identified (the
// pseudonym, new UIDs, no private tag, no original identity or UID in the bytes) and the pixels
// are untouched (encapsulated: the Pixel Data bytes identical; big endian / deflated: the decoded
// pixel values identical).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DeidKeys, type PatientContext } from "../../electron/services/export/deid/deidentify";
import { deidFile } from "../../electron/services/export/deid/export";
import { pixelDataRange, planFor, dataSetOffset } from "../../electron/services/export/deid/syntax";
import { PYTHON } from "./fixture";

const FIXTURES = path.join(__dirname, "../fixtures/dicom-syntax");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-deid-syntax-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** file -> [transfer syntax of the source, transfer syntax of the output] */
const CASES: [string, string, string][] = [
  ["MR_small_RLE.dcm", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.5"],
  ["emri_small_RLE.dcm", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.5"],
  ["MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.90"],
  ["MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.80"],
  ["jpeg_lossless_sel1.dcm", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.57"],
  ["MR1_JPLY", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.51"],
  ["SC_rgb_jpeg_dcmtk.dcm", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.50"],
  ["MR_small_bigendian.dcm", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1"],
  ["emri_small_big_endian.dcm", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1"],
  ["MR_small_deflated.dcm", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.1"],
];
const ENCAPSULATED = new Set(CASES.filter(([, i, o]) => i === o).map(([f]) => f));

const keys = new DeidKeys("test-secret");
const ctx = (name: string, id: string): PatientContext => ({
  pseudonym: keys.pseudonym(id),
  dayOffset: keys.dayOffset(id),
  identifying: [...name.split(/[\^ ]+/), id].filter((x) => x.length > 0),
});

function source(file: string): string {
  if (file === "MR_small_deflated.dcm") {
    const out = path.join(tmp, file);
    if (!fs.existsSync(out)) {
      const r = spawnSync("dcmconv", ["+td", path.join(FIXTURES, "MR_small.dcm"), out]);
      expect(r.status).toBe(0);
    }
    return out;
  }
  return path.join(FIXTURES, file);
}

/** pydicom's view of a file: syntax, identity, UIDs, private tags, pixel bytes / values digest. */
function py(
  file: string,
  decode: boolean,
): {
  ts: string;
  name: string;
  id: string;
  uids: string[];
  privateTags: number;
  pixelBytes: string;
  pixelValues: string | null;
} {
  const script = [
    "import pydicom, sys, json, hashlib",
    "d = pydicom.dcmread(sys.argv[1])",
    "uids = [str(d.get(k, '')) for k in ('StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'FrameOfReferenceUID')]",
    "priv = sum(1 for e in d.iterall() if e.tag.is_private)",
    "pb = hashlib.sha256(d.PixelData).hexdigest()",
    "pv = None",
    "if sys.argv[2] == '1':",
    "  a = d.pixel_array",
    "  pv = hashlib.sha256(a.astype(a.dtype.newbyteorder('<')).tobytes()).hexdigest() + str(a.shape)",
    "print(json.dumps({'ts': str(d.file_meta.TransferSyntaxUID), 'name': str(d.get('PatientName', '')), 'id': str(d.get('PatientID', '')), 'uids': uids, 'privateTags': priv, 'pixelBytes': pb, 'pixelValues': pv}))",
  ].join("\n");
  const r = spawnSync(PYTHON, ["-c", script, file, decode ? "1" : "0"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pydicom on ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReturnType<typeof py>;
}

describe("de-identification per transfer syntax (PS3.15 E, PS3.5 A.3-A.5)", () => {
  for (const [file, inTs, outTs] of CASES) {
    it(`${file} (${inTs}) -> ${outTs}: header de-identified, pixels untouched`, () => {
      const src = source(file);
      const original = py(src, !ENCAPSULATED.has(file));
      expect(original.ts).toBe(inTs);
      const c = ctx(original.name, original.id || "NOID");
      const { bytes, sop } = deidFile(new Uint8Array(fs.readFileSync(src)), keys, c, file);
      const out = path.join(tmp, `${file}.deid.dcm`);
      fs.writeFileSync(out, bytes);

      const dump = spawnSync("dcmdump", ["-dc", out], { encoding: "utf8" });
      expect(dump.status, dump.stderr).toBe(0);
      expect(dump.stderr).not.toMatch(/^E:/m);
      expect(dump.stdout).toContain("PatientIdentityRemoved");

      const after = py(out, !ENCAPSULATED.has(file));
      expect(after.ts).toBe(outTs);
      expect(after.name).toBe(c.pseudonym);
      expect(after.id).toBe(c.pseudonym);
      expect(after.privateTags).toBe(0);
      expect(after.uids[2]).toBe(sop);
      original.uids.forEach((u, k) => {
        if (u !== "") expect(after.uids[k]).toBe(keys.uid(u));
      });
      if (ENCAPSULATED.has(file)) {
        // The encapsulated Pixel Data element is the source's, byte for byte.
        expect(after.pixelBytes).toBe(original.pixelBytes);
        const a = new Uint8Array(fs.readFileSync(src));
        const ra = pixelDataRange(a, dataSetOffset(a));
        const rb = pixelDataRange(bytes, dataSetOffset(bytes));
        expect(Buffer.from(bytes.subarray(rb.from, rb.to))).toEqual(
          Buffer.from(a.subarray(ra.from, ra.to)),
        );
      } else {
        expect(after.pixelValues).not.toBeNull();
        expect(after.pixelValues).toBe(original.pixelValues);
      }
      // No original identity or UID survives anywhere in the bytes.
      const text = Buffer.from(bytes).toString("latin1");
      for (const u of original.uids.filter((x) => x.length > 0)) expect(text).not.toContain(u);
      if (original.id.length >= 3) expect(text).not.toContain(original.id);
      for (const part of original.name.split(/[\^ ]+/).filter((x) => x.length >= 3)) {
        expect(text).not.toContain(part);
      }
    });
  }

  it("an image with Burned In Annotation YES is refused with the reason (no Clean Pixel Data option)", () => {
    const out = path.join(tmp, "burned.dcm");
    fs.copyFileSync(path.join(FIXTURES, "MR_small.dcm"), out);
    fs.chmodSync(out, 0o644);
    const r = spawnSync("dcmodify", ["-nb", "-i", "(0028,0301)=YES", out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(() =>
      deidFile(new Uint8Array(fs.readFileSync(out)), keys, ctx("A^B", "ID1"), "burned.dcm"),
    ).toThrow(/burned\.dcm: Burned In Annotation is YES .*not exported/);
  });

  it("syntaxes without pixel data this reader decodes are refused by name", () => {
    expect(planFor("1.2.840.10008.1.2.4.94")).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/JPIP Referenced/),
    });
    expect(planFor("1.2.3.4.5")).toMatchObject({
      kind: "refused",
      reason: "unknown transfer syntax 1.2.3.4.5",
    });
    expect(planFor("1.2.840.10008.1.2")).toEqual({
      kind: "same",
      outputSyntax: "1.2.840.10008.1.2",
    });
  });
});
