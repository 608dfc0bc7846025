// The series reads the registry owns (issue 12 §5): the number and description that name a series
// in the quality gate's and the override check's messages, from rows written as import writes them.
import Database from "better-sqlite3";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../db/index";
import {
  configure,
  ImportWriter,
  migrate,
  seriesHeading,
  seriesOptions,
  studyRefOf,
  type Db,
} from "../../electron/registry";
import { batch, seriesInfo, tempDir } from "./helpers";

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

function registry(): Db {
  const db = new Database(path.join(tempDir(), "registry.sqlite"));
  configure(db);
  open.push(db);
  migrate(db, MIGRATIONS);
  return db;
}

describe("series reads", () => {
  it("names a stored series by number and description, null for an unknown UID", () => {
    const db = registry();
    const writer = new ImportWriter(db);
    writer.commitSeries(batch("3", "1", 2, "ax t2 fs"));
    const unnumbered = batch("3", "2", 1, "");
    unnumbered.series = seriesInfo(unnumbered.series.seriesInstanceUid, "", { seriesNumber: null });
    writer.commitSeries(unnumbered);

    const study = "1.2.826.0.1.3680043.10.1.3";
    expect(seriesHeading(db, `${study}.1`)).toEqual({ seriesNumber: 1, description: "ax t2 fs" });
    expect(seriesHeading(db, `${study}.2`)).toEqual({ seriesNumber: null, description: "" });
    expect(seriesHeading(db, `${study}.9`)).toBeNull();

    const options = seriesOptions(db, studyRefOf(db, study));
    expect(options.map((o) => [o.seriesInstanceUid, o.instanceCount])).toEqual([
      [`${study}.2`, 1],
      [`${study}.1`, 2],
    ]);
  });
});
