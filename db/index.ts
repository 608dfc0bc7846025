// Every migration in order. Append a new numbered file and one line here; never edit a migration
// that has shipped (a database at that version would not re-run it). db/schema.sql is the
// resulting schema, checked by test/registry/schema.test.ts.
import type { Migration } from "./migration";
import { migration001 } from "./001-core";
import { migration002 } from "./002-assignments-audit";
import { migration003 } from "./003-analyses-jobs";
import { migration004 } from "./004-reviews-status";
import { migration005 } from "./005-job-leases";
import { migration006 } from "./006-confidence-assessment";
import { migration007 } from "./007-site-safety";
import { migration009 } from "./009-ground-truth-readers";
import { migration010 } from "./010-result-objects";
import { migration011 } from "./011-import-job-results";
import { migration012 } from "./012-users-site-models";

export type { Migration } from "./migration";

export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration009,
  migration010,
  migration011,
  migration012,
];
