// db/schema.sql is the schema the migrations produce, kept in the repository so a reviewer sees
// the whole schema in one file. This test fails when a migration changes and the snapshot did not.
import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { dumpSchema, openDatabase } from "../../electron/registry";
import { tempDir } from "./helpers";

const SNAPSHOT = path.resolve(__dirname, "../../db/schema.sql");

it("db/schema.sql matches the migrated schema", () => {
  const db = openDatabase(path.join(tempDir(), "r.sqlite"));
  const schema = dumpSchema(db);
  db.close();
  if (process.env.UPDATE_SCHEMA_SNAPSHOT === "1") fs.writeFileSync(SNAPSHOT, schema);
  expect(schema).toBe(fs.readFileSync(SNAPSHOT, "utf8"));
});
