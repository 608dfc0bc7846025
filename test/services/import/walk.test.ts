import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collectFiles, dicomdirReferences } from "../../../electron/services/import";
import { tempDir } from "../../registry/helpers";
import { writeDicomdir } from "./fixtures";

function touch(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "x");
  return file;
}

describe("collecting files to import", () => {
  it("walks folders recursively, each folder's files together, hidden entries left out", () => {
    const d = tempDir("walk-");
    const files = [
      touch(path.join(d, "b", "2.dcm")),
      touch(path.join(d, "a", "1.dcm")),
      touch(path.join(d, "top.dcm")),
      touch(path.join(d, "a", "sub", "3.dcm")),
      touch(path.join(d, "a", "0.dcm")),
    ];
    touch(path.join(d, ".DS_Store"));
    touch(path.join(d, ".hidden", "x.dcm"));
    fs.symlinkSync(d, path.join(d, "a", "loop"));
    const r = collectFiles([d, files[2]!, path.join(d, "missing")]);
    expect(r.files.map((f) => path.relative(d, f))).toEqual([
      "top.dcm",
      "a/0.dcm",
      "a/1.dcm",
      "a/sub/3.dcm",
      "b/2.dcm",
    ]);
    expect(r.problems).toEqual([
      { path: path.join(d, "missing"), reason: "no such file or folder" },
    ]);
  });

  it("follows a DICOMDIR instead of walking its folder, matching ISO 9660 names without case", () => {
    const d = tempDir("dicomdir-");
    touch(path.join(d, "dicom", "st000001", "im000001"));
    touch(path.join(d, "dicom", "st000001", "IM000002"));
    touch(path.join(d, "viewer", "viewer.exe"));
    touch(path.join(d, "dicom", "NOTLISTED"));
    writeDicomdir(d, [
      ["DICOM", "ST000001", "IM000001"],
      ["DICOM", "ST000001", "IM000002;1"],
      ["DICOM", "ST000001", "IM000003"],
      ["..", "ESCAPE"],
    ]);
    const viaFolder = collectFiles([d]);
    const viaFile = collectFiles([path.join(d, "DICOMDIR")]);
    expect(viaFile).toEqual(viaFolder);
    expect(viaFolder.files.map((f) => path.relative(d, f))).toEqual([
      path.join("dicom", "st000001", "im000001"),
      path.join("dicom", "st000001", "IM000002"),
    ]);
    expect(viaFolder.problems.map((p) => p.reason)).toEqual([
      "referenced by the DICOMDIR but missing from the media",
      "DICOMDIR references a file outside its folder; not followed",
    ]);
  });

  it("falls back to walking the folder when the DICOMDIR is unreadable", () => {
    const d = tempDir("baddir-");
    fs.writeFileSync(path.join(d, "DICOMDIR"), "not dicom");
    touch(path.join(d, "IMG1"));
    const r = collectFiles([d]);
    expect(r.files).toEqual([path.join(d, "IMG1")]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.reason).toMatch(/^unreadable DICOMDIR/);
  });

  it("reads a DICOMDIR written by another toolkit (pydicom's test media)", () => {
    const src = "/usr/lib/python3/dist-packages/pydicom/data/test_files/dicomdirtests/DICOMDIR";
    const r = dicomdirReferences(src);
    expect(r.problems).toEqual([]);
    expect(r.files.length).toBe(31);
    expect(r.files).toContain(path.join(path.dirname(src), "98892003", "MR700", "4648"));
  });
});
