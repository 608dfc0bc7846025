// Specific Character Set decoding (PS3.3 C.12.1.1.2, PS3.5 6.1): single-byte sets, UTF-8,
// GB18030, and ISO 2022 code extensions whose escape sequences must never reach a name.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeText } from "../../../electron/dicom/read/charset";
import { TextReader } from "../../../electron/dicom/read/header";
import { readDicomFile } from "../../../electron/dicom/read/index";
import { scanPart10 } from "../../../electron/dicom/read/scan";

const SAMPLES = path.resolve(__dirname, "../../../../shared/dicom-samples");
const bytes = (...b: Array<number | string>): Uint8Array =>
  Uint8Array.from(
    b.flatMap((x) => (typeof x === "string" ? [...x].map((c) => c.charCodeAt(0)) : [x])),
  );
const ESC = 0x1b;

describe("decodeText", () => {
  it("decodes single-byte sets without code extensions", () => {
    expect(decodeText(bytes("Buc^J", 0xe9, "r", 0xf4, "me"), ["ISO_IR 100"], true)).toBe(
      "Buc^Jérôme",
    );
    expect(decodeText(bytes(0xbb, 0xee, 0xda), ["ISO_IR 144"])).toBe("Люк");
    expect(decodeText(bytes(0xc4, 0xe9), ["ISO_IR 126"])).toBe("Δι");
    expect(decodeText(bytes(0xf9, 0xf8), ["ISO_IR 138"])).toBe("שר");
    expect(decodeText(bytes(0xe2, 0xc8), ["ISO_IR 127"])).toBe("قب");
  });

  it("decodes multi-byte sets without code extensions", () => {
    const utf8 = new TextEncoder().encode("Wang^XiaoDong=王^小東");
    expect(decodeText(utf8, ["ISO_IR 192"], true)).toBe("Wang^XiaoDong=王^小東");
    // GB18030: 王 = CD F5, 小 = D0 A1, 东 = B6 AB
    expect(
      decodeText(bytes("W=", 0xcd, 0xf5, "^", 0xd0, 0xa1, 0xb6, 0xab), ["GB18030"], true),
    ).toBe("W=王^小东");
  });

  it("decodes ISO 2022 JIS X 0208 (IR 87) and half-width katakana (IR 13)", () => {
    // ESC $ B switches G0 to JIS X 0208, ESC ( B back to ASCII (PS3.3 Table C.12-4).
    const jis = bytes("Yamada=", ESC, "$B;3ED", ESC, "(B^", ESC, "$BB@O:", ESC, "(B");
    expect(decodeText(jis, ["", "ISO 2022 IR 87"], true)).toBe("Yamada=山田^太郎");
    const kana = bytes(0xd4, 0xcf, 0xc0, 0xde, "^", 0xc0, 0xdb, 0xb3);
    expect(decodeText(kana, ["ISO 2022 IR 13", "ISO 2022 IR 87"], true)).toBe("ﾔﾏﾀﾞ^ﾀﾛｳ");
  });

  it("decodes ISO 2022 KS X 1001 (IR 149) in G1", () => {
    const korean = bytes("Hong=", ESC, "$)C", 0xc8, 0xab, "^", ESC, "$)C", 0xb1, 0xe6, 0xb5, 0xbf);
    expect(decodeText(korean, ["", "ISO 2022 IR 149"], true)).toBe("Hong=홍^길동");
  });

  it("never lets an escape or control byte through, even an unknown escape", () => {
    const junk = bytes("A", ESC, "%G", "B", 0x07, "C");
    const out = decodeText(junk, ["", "ISO 2022 IR 87"]);
    expect(out).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    expect(out).toContain("A");
    expect(out).toContain("C");
  });
});

describe("patient names of the charset samples (values as pydicom 2.3 decodes them)", () => {
  const expected: Record<string, string> = {
    "chrArab.dcm": "قباني^لنزار",
    "chrFren.dcm": "Buc^Jérôme",
    "chrFrenMulti.dcm": "Buc^Jérôme",
    "chrGerm.dcm": "Äneas^Rüdiger",
    "chrGreek.dcm": "Διονυσιος",
    "chrH31.dcm": "Yamada^Tarou=山田^太郎=やまだ^たろう",
    "chrH32.dcm": "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう",
    "chrHbrw.dcm": "שרון^דבורה",
    "chrI2.dcm": "Hong^Gildong=洪^吉洞=홍^길동",
    "chrJapMulti.dcm": "やまだ^たろう",
    "chrJapMultiExplicitIR6.dcm": "やまだ^たろう",
    "chrKoreanMulti.dcm": "김희중",
    "chrRuss.dcm": "Люкceмбypг",
    "chrX1.dcm": "Wang^XiaoDong=王^小東",
    "chrX2.dcm": "Wang^XiaoDong=王^小东",
  };
  for (const [file, name] of Object.entries(expected)) {
    it(file, () => {
      const scan = scanPart10(new Uint8Array(readFileSync(path.join(SAMPLES, "charset", file))));
      const decoded = new TextReader(scan).text(0x00100010, true);
      expect(decoded).toBe(name);
      expect(decoded).not.toContain("\x1b");
    });
  }
});

describe("ISO 2022 in a deflated data set", () => {
  it("reads chrH31 deflated by dcmconv: no dcmjs refusal, the same name", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "livercad-charset-"));
    try {
      const deflated = path.join(dir, "chrH31-deflated.dcm");
      execFileSync("dcmconv", ["+td", path.join(SAMPLES, "charset", "chrH31.dcm"), deflated]);
      const out = await readDicomFile(deflated);
      expect(out.kind).toBe("skipped");
      const scan = scanPart10(new Uint8Array(readFileSync(deflated)));
      expect(scan.syntax.deflated).toBe(true);
      expect(new TextReader(scan).text(0x00100010, true)).toBe(
        "Yamada^Tarou=山田^太郎=やまだ^たろう",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
