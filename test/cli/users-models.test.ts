// `livercad users` and `livercad models` through the built CLI (issue 13 §6, issue 12 §4): a
// password only from standard input, never argv; the CLI acting as the OS user's account once the
// site requires a sign-in; a non-admin refused `models add` (audited); a good add and a flipped
// byte; `models list` with the shipped pins and the added model.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry";
import { PINNED_FILES } from "../../electron/inference/pins";
import { dataPaths } from "../../electron/services/paths";
import { addUser, setUserRole } from "../../electron/services/users/accounts";
import { modelFolder } from "../fixtures/models/tiny-models";
import { CLI } from "../helpers/cli";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "livercad-users-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const dbFile = path.join(dir, "db", "registry.sqlite");
const OS_USER = os.userInfo().username;
const PW = "site it password 1";

function cli(
  args: string[],
  input = "",
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, "--db", dbFile], {
    encoding: "utf8",
    input,
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The registry as the tests see it (another connection, like the app beside the CLI). */
function withDb<T>(fn: (registry: Registry) => T): T {
  const registry = Registry.open(dataPaths(dbFile));
  try {
    return fn(registry);
  } finally {
    registry.close();
  }
}

const auditRows = () =>
  withDb((r) =>
    r.db
      .prepare<[], { actor: string; action: string; details_json: string }>(
        "SELECT actor, action, details_json FROM audit_log ORDER BY id",
      )
      .all(),
  );

describe("livercad users", () => {
  it("adds an admin with the password from stdin, never from argv", () => {
    const r = cli(["users", "add", "siteit", "--role", "admin", "--name", "Site IT"], `${PW}\n`);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("added user=siteit role=admin");
    const none = cli(["users", "add", "bob", "--role", "nurse"], "");
    expect(none.status).toBe(1);
    expect(none.stderr).toContain(
      "No password on standard input for bob: pipe it in (first line) or run at a terminal to be asked.",
    );
    const argv = cli(["users", "add", "bob", "--role", "nurse", "--password", "secret123"]);
    expect(argv.status).not.toBe(0);
    expect(argv.stderr).toContain("--password");
    const short = cli(["users", "add", "bob", "--role", "nurse"], "short\n");
    expect(short.stderr).toContain("The password is too short: use at least 8 characters.");
    const list = cli(["users", "list"]);
    expect(list.stdout.trim()).toMatch(
      /^user=siteit role=admin enabled=true locked_until= last_sign_in= name="Site IT"$/,
    );
    // The audit names who added whom, never the password.
    const rows = auditRows();
    expect(rows.map((a) => `${a.actor} ${a.action}`)).toEqual([`${OS_USER} user.add`]);
    expect(JSON.stringify(rows)).not.toContain(PW);
  });

  it("once sign-in is required, acts as the OS user's account or refuses", () => {
    expect(cli(["settings", "requireSignIn=true"]).stdout).toContain("requireSignIn=true");
    const refused = cli(["users", "list"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `[SIGN_IN]: This workstation requires a sign-in, and the command line acts as the OS user "${OS_USER}", who has no enabled account of that name.`,
    );
    withDb((r) =>
      addUser(
        r.db,
        { username: OS_USER, displayName: "Shell", role: "nurse", password: PW },
        "siteit",
      ),
    );
    const nurse = cli(["users", "list"]);
    expect(nurse.status).toBe(1);
    expect(nurse.stderr).toContain(
      `[FORBIDDEN]: Managing user accounts needs the admin role; ${OS_USER} is signed in as nurse.`,
    );
  });
});

describe("livercad models", () => {
  const site = path.join(dir, "site-models");
  const model = path.join(site, modelFolder(site, "detector"));

  it("refuses a non-admin when sign-in is required, and audits the refusal", () => {
    const r = cli(["models", "add", model]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `[FORBIDDEN]: Adding site models needs the admin role; ${OS_USER} is signed in as nurse.`,
    );
    const last = auditRows().at(-1)!;
    expect([last.actor, last.action, JSON.parse(last.details_json)]).toEqual([
      OS_USER,
      "access.refused",
      { permission: "manage-models", role: "nurse", request: "models add" },
    ]);
  });

  it("an admin adds a good model (audited) and is refused a flipped byte; list shows both kinds", () => {
    withDb((r) => setUserRole(r.db, OS_USER, "admin", "siteit"));
    const good = cli(["models", "add", model]);
    expect(good.stderr).toBe("");
    expect(good.stdout.trim()).toMatch(
      /^added id=tiny-detector version=0\.0\.1 task=detector files=detector\.onnx:[0-9a-f]{64}$/,
    );
    const copy = path.join(dir, "flipped", "tiny-detector");
    fs.cpSync(model, copy, { recursive: true });
    const onnx = path.join(copy, "detector.onnx");
    const bytes = fs.readFileSync(onnx);
    bytes[100] = bytes[100]! ^ 0x01;
    fs.writeFileSync(onnx, bytes);
    const flipped = cli(["models", "add", copy]);
    expect(flipped.status).toBe(1);
    expect(flipped.stderr).toMatch(
      /\[MODEL_INTEGRITY\]: Model "tiny-detector": detector\.onnx has sha256 [0-9a-f]{64} but its manifest says [0-9a-f]{64}\./,
    );
    const list = cli(["models", "list"]).stdout.trim().split("\n");
    const shippedIds = new Set(Object.keys(PINNED_FILES).map((k) => k.split("/")[0]));
    expect(list.filter((l) => l.startsWith("source=shipped"))).toHaveLength(shippedIds.size);
    expect(list.at(-1)).toMatch(
      new RegExp(
        `^source=added id=tiny-detector version=0\\.0\\.1 task=detector added_by=${OS_USER} added_at=\\S+ folder=${model} files=detector\\.onnx:[0-9a-f]{64}$`,
      ),
    );
    const actions = auditRows().map((a) => `${a.actor} ${a.action}`);
    expect(actions.slice(-2)).toEqual([`${OS_USER} model.add`, `${OS_USER} model.add-refused`]);
  });
});
