// Case sheets (issue 15 §2): CSV and XLSX read back (BOM, formula injection escaped, one row per
// study with the listed columns), PDF per study + batch checked with pdftotext / pdftoppm, names
// in non-Latin scripts, and the same registry state giving the same bytes.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry";
import { studyResults } from "../../electron/registry";
import { COLUMNS } from "../../electron/services/export/sheets";
import { exportStudies, type ExportFormat } from "../../electron/services/export/service";
import { dataPaths } from "../../electron/services/paths";
import { copyFixture, exportFixture, PYTHON, tempOut } from "./fixture";

const NAME = "Иванов^Иван=山田^太郎";
const COMMENT = '=HYPERLINK("http://example.invalid","click")';

describe("case sheets", () => {
  let dbFile = "";
  let first = "";
  beforeAll(() => {
    dbFile = copyFixture(exportFixture());
    const reg = Registry.open(dataPaths(dbFile));
    try {
      const studies = studyResults(reg.db);
      first = studies[0]!.studyInstanceUid;
      reg.db
        .prepare("UPDATE patients SET patient_name = ? WHERE patient_id = ?")
        .run(NAME, studies[0]!.patientId);
      const ref = reg.db
        .prepare<[string], { id: number }>("SELECT id FROM studies WHERE study_instance_uid = ?")
        .get(first)!.id;
      reg.db
        .prepare(
          "INSERT INTO reviews (study_ref, reviewed, urgent, comment, actor, at) VALUES (?, 1, 1, ?, 'dr.b', '2026-12-04T12:00:00.000Z')",
        )
        .run(ref, COMMENT);
    } finally {
      reg.close();
    }
  });

  async function run(format: ExportFormat, out = tempOut()): Promise<string> {
    const reg = Registry.open(dataPaths(dbFile));
    try {
      const r = await exportStudies(reg, { format, out });
      expect(r.files.filter((f) => f.outcome === "error")).toEqual([]);
      return out;
    } finally {
      reg.close();
    }
  }

  it("CSV: UTF-8 with BOM, one row per study, formulas escaped, names intact; read back by Python's csv", async () => {
    const out = await run("csv");
    const bytes = fs.readFileSync(path.join(out, "case-sheet.csv"));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const script =
      "import csv,sys,json; r=list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline=''))); print(json.dumps(r))";
    const p = spawnSync(PYTHON, ["-c", script, path.join(out, "case-sheet.csv")], {
      encoding: "utf8",
    });
    const rows = JSON.parse(p.stdout) as Record<string, string>[];
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0]!)).toEqual(COLUMNS.map((c) => c.key));
    const row = rows.find((r) => r.study_instance_uid === first)!;
    expect(row.patient_name).toBe(NAME);
    expect(row.comment).toBe(`'${COMMENT}`);
    expect(row).toMatchObject({
      reviewed: "true",
      urgent: "true",
      reviewer: "dr.b",
      status: "analyzed",
    });
    expect(["HCC", "ICC", "metastasis"]).toContain(row.prediction);
    expect(Number(row.roi_count)).toBeGreaterThan(0);
    expect(row.largest_roi_mm).toMatch(/^\d+\.\d x \d+\.\d$/);
    expect(Number(row.p_hcc) + Number(row.p_icc) + Number(row.p_metastasis)).toBeCloseTo(1, 3);
    expect(row.models).toMatch(/classifier-densenet@1\.0\.0/);
  });

  it("XLSX: the same rows as typed cells (no formula), a column sheet, byte-identical on re-export", async () => {
    const out = await run("xlsx");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(
      fs.readFileSync(path.join(out, "case-sheet.xlsx")) as unknown as ArrayBuffer,
    );
    const ws = wb.getWorksheet("Case sheet")!;
    expect(ws.rowCount).toBe(3);
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(COLUMNS.map((c) => c.key));
    const col = (k: string) => header.indexOf(k) + 1;
    const row = [2, 3]
      .map((i) => ws.getRow(i))
      .find((r) => r.getCell(col("study_instance_uid")).value === first)!;
    expect(row.getCell(col("comment")).value).toBe(COMMENT); // a string cell, never a formula
    expect(row.getCell(col("comment")).type).toBe(ExcelJS.ValueType.String);
    expect(row.getCell(col("patient_name")).value).toBe(NAME);
    expect(typeof row.getCell(col("p_hcc")).value).toBe("number");
    expect(wb.getWorksheet("Columns")!.rowCount).toBe(COLUMNS.length + 1);
    const again = await run("xlsx");
    expect(fs.readFileSync(path.join(again, "case-sheet.xlsx"))).toEqual(
      fs.readFileSync(path.join(out, "case-sheet.xlsx")),
    );
  });

  it("PDF: a sheet per study + a batch; pdftotext finds name, prediction, disclaimer; pdftoppm renders; same bytes twice", async () => {
    const out = await run("pdf");
    const reg = Registry.open(dataPaths(dbFile));
    const results = studyResults(reg.db);
    reg.close();
    const files = fs.readdirSync(out).sort();
    expect(files).toEqual(
      [...results.map((r) => `${r.studyInstanceUid}.pdf`), "case-sheets.pdf"].sort(),
    );
    const r0 = results.find((r) => r.studyInstanceUid === first)!;
    const text = spawnSync("pdftotext", [path.join(out, `${first}.pdf`), "-"], {
      encoding: "utf8",
    }).stdout;
    expect(text).toContain(`Prediction: ${r0.prediction}`);
    expect(text).toContain("Research and demonstration software, not for clinical use.");
    expect(text).toContain("Иванов Иван=山田 太郎");
    expect(text).toContain(`Comment: ${COMMENT}`);
    const batch = spawnSync("pdftotext", [path.join(out, "case-sheets.pdf"), "-"], {
      encoding: "utf8",
    }).stdout;
    expect(batch.split("LiverCAD case sheet").length - 1).toBe(results.length);
    const png = path.join(tempOut(), "page");
    const r = spawnSync("pdftoppm", [
      "-r",
      "50",
      "-png",
      "-f",
      "1",
      "-l",
      "1",
      path.join(out, `${first}.pdf`),
      png,
    ]);
    expect(r.status).toBe(0);
    const rendered = fs.readdirSync(path.dirname(png)).filter((f) => f.endsWith(".png"));
    expect(rendered).toHaveLength(1);
    expect(fs.statSync(path.join(path.dirname(png), rendered[0]!)).size).toBeGreaterThan(10_000);
    const again = await run("pdf");
    for (const f of files) {
      expect(fs.readFileSync(path.join(again, f)).equals(fs.readFileSync(path.join(out, f)))).toBe(
        true,
      );
    }
  });
});
