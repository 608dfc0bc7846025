// Source paths out of the event stream (issue 12 §4): an import of a folder named after a patient
// sends job events without the folder (label, error, per-file errors), while jobs:list, the panel's
// source, keeps them; LIVERCAD_VERBOSE_PATHS=1 puts them back in the events. Leaked *.tmp store
// copies of a dead import are removed when the workstation starts.
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { JobView, ServiceEvent } from "../../../electron/contract/ipc";
import { ManagedStore } from "../../../electron/services/import/store";
import { dataPaths } from "../../../electron/services/paths";
import {
  HIDDEN_PATH,
  VERBOSE_PATHS_ENV,
  withoutPaths,
} from "../../../electron/services/site/path-privacy";
import { openWorkstation } from "../../../electron/services/workstation/index";
import { tempDir } from "../../registry/helpers";

afterEach(() => {
  delete process.env[VERBOSE_PATHS_ENV];
});

async function importThrough(dbFile: string, input: string) {
  const ws = openWorkstation({ dbFile, transport: "bridge", actor: "nurse1" });
  const events: ServiceEvent[] = [];
  ws.service.onEvent((e) => events.push(e));
  try {
    const started = await ws.service.handlers["import:start"]({ paths: [input] });
    const deadline = Date.now() + 30_000;
    let listed: JobView | undefined;
    while (Date.now() < deadline) {
      listed = (await ws.service.handlers["jobs:list"]({})).find((j) => j.id === started.id);
      if (listed && ["done", "failed", "cancelled"].includes(listed.state)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { started, listed: listed!, events };
  } finally {
    await ws.close();
  }
}

describe("source paths in the event stream", () => {
  it("job events carry no source path; jobs:list does", async () => {
    const dir = tempDir("livercad-paths-");
    const patientFolder = path.join(dir, "SMITH_JOHN_19450101");
    fs.mkdirSync(patientFolder);
    fs.writeFileSync(path.join(patientFolder, "readme.txt"), "not an image\n");
    const dbFile = path.join(dir, "data", "registry.sqlite");
    const { started, listed, events } = await importThrough(dbFile, patientFolder);

    expect(started.label).toBe(patientFolder); // the answer to the nurse's own request
    expect(listed.state).toBe("failed");
    expect(listed.label).toBe(patientFolder);
    expect(listed.error).toContain(patientFolder);
    expect(listed.fileErrors[0]!.path).toBe(path.join(patientFolder, "readme.txt"));

    const jobEvents = events.flatMap((e) => (e.type === "job" ? [e.job] : []));
    expect(jobEvents.length).toBeGreaterThan(1);
    expect(JSON.stringify(events)).not.toContain("SMITH_JOHN");
    const last = jobEvents.at(-1)!;
    expect(last).toMatchObject({ state: "failed", pathsHidden: true, fileErrors: [] });
    expect(last.error).toContain(HIDDEN_PATH);
  });

  it("LIVERCAD_VERBOSE_PATHS=1 keeps them in the events", async () => {
    process.env[VERBOSE_PATHS_ENV] = "1";
    const dir = tempDir("livercad-paths-");
    const missing = path.join(dir, "DOE_JANE");
    const { events } = await importThrough(path.join(dir, "data", "registry.sqlite"), missing);
    expect(JSON.stringify(events)).toContain("DOE_JANE");
  });

  it("hides nested paths whole and leaves analysis jobs alone", () => {
    const job: JobView = {
      id: 3,
      kind: "import",
      state: "failed",
      stage: null,
      progress: 1,
      studyInstanceUid: null,
      label: "/cd/DOE",
      error: "Nothing imported from /cd/DOE: 1 file(s) rejected (first: /cd/DOE/IM1: bad)",
      fileErrors: [{ path: "/cd/DOE/IM1", reason: "bad" }],
    };
    expect(withoutPaths(job, ["/cd/DOE"])).toMatchObject({
      label: "1 folder or file",
      error: "Nothing imported from [path]: 1 file(s) rejected (first: [path]: bad)",
      fileErrors: [],
      pathsHidden: true,
    });
    const analysis: JobView = { ...job, kind: "analyze", label: "Analysis", error: null };
    expect(withoutPaths(analysis, ["/cd/DOE"])).toBe(analysis);
  });
});

describe("leaked store copies", () => {
  it("are removed when the workstation starts", async () => {
    const dir = tempDir("livercad-paths-");
    const dbFile = path.join(dir, "data", "registry.sqlite");
    const store = new ManagedStore(dataPaths(dbFile).store);
    store.write("1.2/1.2.3/a.dcm", new Uint8Array([1]));
    const folder = path.join(store.root, "1.2", "1.2.3");
    const leaked = path.join(folder, "b.dcm.999999999.0.tmp"); // a pid that is not running
    fs.writeFileSync(leaked, "half an image");
    const ws = openWorkstation({ dbFile, transport: "bridge", actor: "it" });
    await ws.close();
    expect(fs.readdirSync(folder)).toEqual(["a.dcm"]);
  });
});
