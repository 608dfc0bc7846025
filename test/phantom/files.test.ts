// Rendered phantom studies on disk: determinism, validity under independent DICOM tools (dcmtk's
// dcmdump, dicom3tools' dciodvfy), geometry of the truth boxes, and the distractor series.
// Studies are named by seed (STYLE.md 11): "files-1" (2 studies) and "files-2", small preset.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEQUENCES } from "../../electron/contract/domain";
import { generateCohort, seriesFolder } from "../../electron/phantom/cohort";
import { planCohort } from "../../electron/phantom/plan";
import { SEQUENCE_OF_KIND } from "../../electron/phantom/protocol";
import { SeriesWriter } from "../../electron/phantom/dicom-writer";
import { renderSignal, renderSlice } from "../../electron/phantom/render";
import { buildScene } from "../../electron/phantom/scene";
import type { Truth } from "../../electron/phantom/truth";
import { runCli } from "../helpers/cli";

const SEED = "files-1";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "phantom-test-"));
const dirA = path.join(tmp, "a");
const dirB = path.join(tmp, "b");

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Tag values of a file as dcmdump prints them: "(gggg,eeee) VR [value]". */
function dump(files: string[]): Map<string, Map<string, string>> {
  const r = spawnSync("dcmdump", ["-q", "+F", ...files], { encoding: "utf8", maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  const out = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  let i = 0;
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("# Dicom-File-Format")) {
      current = new Map();
      out.set(files[i++] as string, current);
    }
    const m = /^\((\w{4},\w{4})\) \w\w (?:\[([^\]]*)\]|(\S+))/.exec(line);
    if (m) current.set(m[1]!.toUpperCase(), m[2] ?? m[3] ?? "");
  }
  return out;
}

let truth: Truth;

beforeAll(() => {
  generateCohort({ outDir: dirA, studies: 2, seed: SEED, preset: "small" });
  const r = runCli(["phantom", "--out", dirB, "--studies", "2", "--seed", SEED, "--jobs", "2"]);
  expect(r.status, r.stderr).toBe(0);
  truth = JSON.parse(fs.readFileSync(path.join(dirA, "truth.json"), "utf8")) as Truth;
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("phantom cohort on disk (seed files-1, small preset)", () => {
  it("writes the same bytes for the same seed, in-process and through the CLI with --jobs 2", () => {
    const files = listFiles(dirA);
    expect(files.length).toBeGreaterThan(300);
    expect(listFiles(dirB)).toEqual(files);
    for (const f of files) {
      expect(
        fs.readFileSync(path.join(dirB, f)).equals(fs.readFileSync(path.join(dirA, f))),
        f,
      ).toBe(true);
    }
  });

  it("writes different studies for a different seed", () => {
    // Seed files-2 is rendered for one image only: enough to show the bytes change.
    const other = planCohort({ seed: "files-2", studies: 2, preset: "small" })[0]!;
    expect(other.studyInstanceUid).not.toBe(truth.studies[0]?.studyInstanceUid);
    const series = other.series.find((x) => x.kind === "T2")!;
    const bytes = new SeriesWriter(other, series).write(
      4,
      renderSlice(buildScene(other), series, 4),
    );
    const mine = listFiles(dirA).find((x) => x.includes("_T2") && x.endsWith("IM0005.dcm"))!;
    expect(Buffer.from(bytes).equals(fs.readFileSync(path.join(dirA, mine)))).toBe(false);
  });

  it("passes dciodvfy (no errors) and dcmdump on every file", () => {
    const files = listFiles(dirA).filter((f) => f.endsWith(".dcm"));
    for (const f of files) {
      const r = spawnSync("dciodvfy", [path.join(dirA, f)], { encoding: "utf8" });
      const errors = `${r.stdout}${r.stderr}`.split("\n").filter((l) => /^Error/.test(l));
      expect(errors, f).toEqual([]);
    }
    const tags = dump(files.map((f) => path.join(dirA, f)));
    expect(tags.size).toBe(files.length);
    for (const t of tags.values()) {
      expect(t.get("0008,0016")).toBe("=MRImageStorage");
      expect(t.get("0008,0070")).toBe("GE MEDICAL SYSTEMS");
    }
  });

  it("maps every lesion centre into its boxes on all five sequences, where pixels differ from liver", () => {
    const plans = planCohort({ seed: SEED, studies: 2, preset: "small" });
    for (const [s, study] of truth.studies.entries()) {
      const plan = plans[s]!;
      const withLesions = buildScene(plan);
      const without = buildScene(plan, false);
      for (const lesion of study.lesions) {
        let differing = 0;
        for (const id of SEQUENCES) {
          const series = plan.series.find((x) => SEQUENCE_OF_KIND[x.kind] === id)!;
          expect(series.seriesInstanceUid).toBe(study.series[id]);
          const dir = path.join(dirA, study.patientId, seriesFolder(series));
          const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
          const tags = [...dump(files).values()];
          const [cx, cy, cz] = lesion.center_mm;
          // The slice whose slab contains the centre: nearest SliceLocation.
          const z = tags.map((t) => Number(t.get("0020,0032")!.split("\\")[2]));
          const k = z.reduce((b, v, i) => (Math.abs(v - cz) < Math.abs(z[b]! - cz) ? i : b), 0);
          const t = tags[k]!;
          expect(t.get("0020,0037")).toBe("1\\0\\0\\0\\1\\0");
          const [ox, oy] = t.get("0020,0032")!.split("\\").map(Number) as [number, number];
          const [rowSp, colSp] = t.get("0028,0030")!.split("\\").map(Number) as [number, number];
          const i = (cx - ox) / colSp;
          const j = (cy - oy) / rowSp;
          const boxes = study.boxes.filter((b) => b.sopInstanceUid === t.get("0008,0018"));
          const inside = boxes.some(
            (b) => b.box_px[0] <= i && i <= b.box_px[2] && b.box_px[1] <= j && j <= b.box_px[3],
          );
          expect(inside, `${study.patientId} ${id} lesion at ${lesion.center_mm.join(",")}`).toBe(
            true,
          );
          const a = renderSignal(withLesions, series, k);
          const b = renderSignal(without, series, k);
          const idx = Math.round(j) * series.matrix + Math.round(i);
          if (Math.abs(a[idx]! - b[idx]!) > 0.05 * b[idx]!) differing++;
        }
        expect(
          differing,
          `${study.patientId} lesion ${lesion.center_mm.join(",")}`,
        ).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it("includes the distractor series with their tags", () => {
    const study = truth.studies[0]!;
    const first = (folder: string): Map<string, string> => {
      const dir = path.join(dirA, study.patientId, folder);
      return [...dump([path.join(dir, "IM0001.dcm")]).values()][0]!;
    };
    const folders = fs.readdirSync(path.join(dirA, study.patientId));
    const get = (kind: string): Map<string, string> =>
      first(folders.find((f) => f.endsWith(`_${kind}`))!);
    const loc = folders.find((f) => f.endsWith("_localizer"))!;
    const orientations = new Set(
      fs.readdirSync(path.join(dirA, study.patientId, loc)).map((f) => {
        const t = [...dump([path.join(dirA, study.patientId, loc, f)]).values()][0]!;
        return t.get("0020,0037");
      }),
    );
    expect(orientations.size).toBe(3);
    expect(get("localizer").get("0008,0008")).toBe("ORIGINAL\\PRIMARY\\LOCALIZER");
    expect(get("ADC").get("0008,0008")).toBe("DERIVED\\PRIMARY\\ADC");
    expect(Number(get("in_phase").get("0018,0081"))).toBeGreaterThan(
      Number(get("opposed_phase").get("0018,0081")),
    );
    const dwi = get("DWI");
    expect(["800", "1000"]).toContain(dwi.get("0018,9087"));
    expect(dwi.get("0043,1039")?.split("\\")[0]).toBe(dwi.get("0018,9087"));
    expect(get("T1_pre").has("0018,0010")).toBe(false);
    const times = ["T1_pre", "T1_arterial", "T1_venous", "T1_delayed"].map((k) => {
      const t = get(k);
      if (k !== "T1_pre") expect(t.get("0018,0010")).toBe("Gadobutrol");
      return Number(t.get("0008,0032"));
    });
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
