// Ground truth and reader files a coordinator fills: every bad case issue 16 §5 names (unknown
// study, bad label, missing columns, BOM, semicolons, duplicate rows) gives one message per row,
// and a file with any bad row yields no entries at all.
import { describe, expect, it } from "vitest";
import {
  parseCsv,
  validateReadersCsv,
  validateTruthCsv,
  validateTruthFile,
  validateTruthJson,
  type StudyLookup,
} from "../../electron/evaluation/index";

const STUDIES: Record<string, { accession: string; patient: string }> = {
  "1.2.3.1": { accession: "ACC1", patient: "P1" },
  "1.2.3.2": { accession: "ACC2", patient: "P2" },
  "1.2.3.3": { accession: "ACC3", patient: "P2" },
};
const lookup: StudyLookup = (kind, value) => {
  const hits = Object.entries(STUDIES)
    .filter(([uid, s]) =>
      kind === "study_uid"
        ? uid === value
        : kind === "accession"
          ? s.accession === value
          : s.patient === value,
    )
    .map(([uid]) => uid);
  if (hits.length === 1) return hits[0]!;
  return {
    error:
      hits.length === 0 ? `unknown study: ${kind} "${value}"` : `${kind} "${value}" is ambiguous`,
  };
};

describe("parseCsv", () => {
  it("reads quotes, doubled quotes, CRLF and a trailing empty line", () => {
    const t = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n');
    expect(t.header).toEqual(["a", "b"]);
    expect(t.rows).toEqual([{ line: 2, cells: ["x, y", 'say "hi"'] }]);
  });
  it("drops a UTF-8 BOM and sniffs semicolons", () => {
    const t = parseCsv("\uFEFFStudy_UID;Label\n1.2.3.1;HCC\n");
    expect(t.delimiter).toBe(";");
    expect(t.header).toEqual(["study_uid", "label"]);
    expect(t.rows[0]!.cells).toEqual(["1.2.3.1", "HCC"]);
  });
  it("counts lines inside a quoted cell so later rows keep their file line", () => {
    const t = parseCsv('a,b\n"two\nlines",1\nz,2\n');
    expect(t.rows.map((r) => r.line)).toEqual([2, 4]);
  });
});

describe("ground truth CSV", () => {
  it("accepts study_uid, accession or patient_id; labels in any case; decimal commas", () => {
    const v = validateTruthCsv(
      "\uFEFFstudy_uid;accession;label;largest_lesion_mm\n1.2.3.1;;hcc;18,5\n;ACC2;Metastasis;\n",
      lookup,
    );
    expect(v.errors).toEqual([]);
    expect(v.entries).toEqual([
      { studyInstanceUid: "1.2.3.1", label: "HCC", largestLesionMm: 18.5, lesions: null },
      { studyInstanceUid: "1.2.3.2", label: "metastasis", largestLesionMm: null, lesions: null },
    ]);
  });

  it("names every bad row and keeps nothing from the file", () => {
    const v = validateTruthCsv(
      [
        "study_uid,label,largest_lesion_mm",
        "1.2.3.1,HCC,12", // fine
        "9.9.9,HCC,", // unknown study
        "1.2.3.2,benign,", // unknown label
        "1.2.3.1,ICC,", // duplicate of line 2
        "1.2.3.3,ICC,-4", // bad diameter
        ",ICC,", // no study
      ].join("\n"),
      lookup,
    );
    expect(v.entries).toEqual([]);
    expect(v.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(v.errors[0]!.message).toContain('unknown study: study_uid "9.9.9"');
    expect(v.errors[1]!.message).toContain(
      'unknown label "benign" (expected HCC / ICC / metastasis)',
    );
    expect(v.errors[2]!.message).toContain("duplicate: study 1.2.3.1 already given on line 2");
    expect(v.errors[3]!.message).toContain('largest_lesion_mm "-4"');
    expect(v.errors[4]!.message).toContain("no study given");
  });

  it("reports missing columns once, on the header line", () => {
    const v = validateTruthCsv("study_uid,diagnosis\n1.2.3.1,HCC\n", lookup);
    expect(v.errors).toEqual([
      { line: 1, message: "missing column(s) label (header: study_uid, diagnosis)" },
    ]);
    const w = validateTruthCsv("uid,label\n1.2.3.1,HCC\n", lookup);
    expect(w.errors[0]!.message).toBe(
      "no study column: add one of study_uid, accession, patient_id",
    );
    expect(validateTruthCsv("", lookup).errors[0]!.message).toBe("the ground truth file is empty");
  });

  it("an ambiguous patient_id (two studies) is an error, not a guess", () => {
    const v = validateTruthCsv("patient_id,label\nP2,HCC\n", lookup);
    expect(v.errors[0]).toEqual({ line: 2, message: 'patient_id "P2" is ambiguous' });
  });
});

describe("reader CSV", () => {
  it("reads reader, study, diagnosis, confidence 1-5", () => {
    const v = validateReadersCsv(
      "reader;patient_id;diagnosis;confidence\nR1;P1;ICC;5\nR2;P1;HCC;1\n",
      lookup,
    );
    expect(v.entries).toEqual([
      { reader: "R1", studyInstanceUid: "1.2.3.1", diagnosis: "ICC", confidence: 5 },
      { reader: "R2", studyInstanceUid: "1.2.3.1", diagnosis: "HCC", confidence: 1 },
    ]);
  });
  it("rejects bad levels, unknown diagnoses, a missing reader and duplicate reads", () => {
    const v = validateReadersCsv(
      [
        "reader,study_uid,diagnosis,confidence",
        "R1,1.2.3.1,HCC,3",
        "R1,1.2.3.2,HCC,6",
        "R1,1.2.3.3,cyst,2",
        ",1.2.3.3,ICC,2",
        "R1,1.2.3.1,ICC,4",
      ].join("\n"),
      lookup,
    );
    expect(v.entries).toEqual([]);
    expect(v.errors.map((e) => [e.line, e.message])).toEqual([
      [3, 'confidence "6" is not a level 1-5'],
      [4, 'unknown diagnosis "cyst" (expected HCC / ICC / metastasis)'],
      [5, "no reader named"],
      [6, "duplicate: reader R1 already read study 1.2.3.1 on line 2"],
    ]);
  });
  it("a file without the confidence column is refused on its header", () => {
    const v = validateReadersCsv("reader,study_uid,diagnosis\nR1,1.2.3.1,HCC\n", lookup);
    expect(v.errors).toEqual([
      { line: 1, message: "missing column(s) confidence (header: reader, study_uid, diagnosis)" },
    ]);
  });
});

describe("truth.json", () => {
  it("a label-only file (no lesions) is valid: the crash of `evaluate` on it is gone", () => {
    const v = validateTruthJson({ studies: [{ studyInstanceUid: "1.2.3.1", label: "ICC" }] });
    expect(v.entries).toEqual([
      { studyInstanceUid: "1.2.3.1", label: "ICC", largestLesionMm: null, lesions: null },
    ]);
  });
  it("the phantom's lesions give the largest diameter", () => {
    const v = validateTruthJson({
      studies: [
        {
          studyInstanceUid: "1.2.3.1",
          label: "HCC",
          lesions: [
            { center_mm: [0, 0, 0], diameter_mm: 14 },
            { center_mm: [5, 5, 5], diameter_mm: 31 },
          ],
        },
      ],
    });
    expect(v.entries[0]!.largestLesionMm).toBe(31);
  });
  it("bad items are named by their position; no studies array is a file error", () => {
    const v = validateTruthJson({
      studies: [{ studyInstanceUid: "1.2.3.1", label: "HCC" }, { label: "XYZ" }],
    });
    expect(v.entries).toEqual([]);
    expect(v.errors).toEqual([
      {
        line: 2,
        message: 'no studyInstanceUid; unknown label "XYZ" (expected HCC / ICC / metastasis)',
      },
    ]);
    expect(validateTruthJson([]).errors[0]!.message).toBe('no "studies" array at the top level');
  });
  it("by file name: a CSV given a .json name is reported as not JSON", () => {
    const v = validateTruthFile("truth.json", "study_uid,label\n1.2.3.1,HCC\n", lookup);
    expect(v.errors[0]!.message).toMatch(/^not valid JSON .*a CSV file must end in \.csv$/);
    expect(
      validateTruthFile("t.CSV", "study_uid,label\n1.2.3.1,HCC\n", lookup).entries,
    ).toHaveLength(1);
  });
});
