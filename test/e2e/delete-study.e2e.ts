// Issue 13 §7 end to end, in Debian's Chromium over the loopback bridge, on the phantom fixture
// (seed 20260611, 4 studies, labelled fixture analyses), with sign-in required: a nurse's study
// view has no Delete button (and the service refuses her anyway); the admin's has one, whose
// dialog needs a reason; while an analysis runs on the study the service's refusal is shown and
// nothing changes; then the study is deleted, the app is back on the worklist without it, its
// files are gone, and the audit log names the UID, the admin and the reason. About sets the
// retention limit (audited).
// LIVERCAD_DOCS_SCREENSHOTS=DIR saves delete-study.png and retention-in-app.png.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Registry } from "../../electron/registry/index";
import { writeSiteSetting } from "../../electron/registry/site-settings";
import { dataPaths } from "../../electron/services/paths";
import { addUser } from "../../electron/services/users/accounts";
import { buildFixture, type Fixture } from "./fixture";
import { startHarness, waitForPanes, type Harness } from "./harness";

let fx: Fixture;
let h: Harness;
const shots = process.env.LIVERCAD_DOCS_SCREENSHOTS;
const ADMIN_PW = "site admin password";
const NURSE_PW = "nurse password 1";

beforeAll(async () => {
  process.env.LIVERCAD_E2E_FIXTURE_ANALYSES = "1";
  fx = await buildFixture();
  const registry = Registry.open(dataPaths(fx.dbFile));
  try {
    addUser(
      registry.db,
      { username: "admin", displayName: "Site IT", role: "admin", password: ADMIN_PW },
      "siteit",
    );
    addUser(
      registry.db,
      { username: "nina", displayName: "Nina Nurse", role: "nurse", password: NURSE_PW },
      "siteit",
    );
    writeSiteSetting(registry.db, "requireSignIn", true, "siteit");
  } finally {
    registry.close();
  }
  h = await startHarness(fx.dbFile);
});

afterAll(async () => {
  await h?.close();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

async function signIn(username: string, password: string): Promise<void> {
  await h.page.getByTestId("sign-in-screen").waitFor();
  const form = h.page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("User name").fill(username);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await h.page.locator("[data-testid=queue-all]").click();
}

async function openStudy(uid: string): Promise<void> {
  await h.page.locator(`.vrow[data-uid="${uid}"]`).dblclick();
  await waitForPanes(h.page);
}

const storeFolder = (uid: string): string => path.join(dataPaths(fx.dbFile).store, uid);

describe("issue 13 §7: deleting a study from the study view", () => {
  it("a nurse sees no Delete button", async () => {
    await signIn("nina", NURSE_PW);
    await openStudy(fx.studies[0]!.studyInstanceUid);
    // The button appears after the session is read: wait for the view's own Export button first.
    await h.page.getByTestId("study-export").waitFor();
    await h.page.waitForTimeout(300);
    expect(await h.page.getByTestId("study-delete").count()).toBe(0);
    await h.page.getByRole("button", { name: "Back to worklist (Escape)" }).click();
    await h.page.getByTestId("user-menu").click();
    await h.page.getByRole("menuitem", { name: "Sign out" }).click();
  });

  it("the admin's dialog needs a reason; a running analysis is refused; then it is deleted", async () => {
    const uid = fx.studies[0]!.studyInstanceUid;
    expect(fs.existsSync(storeFolder(uid))).toBe(true);
    await signIn("admin", ADMIN_PW);
    await openStudy(uid);
    await h.page.getByTestId("study-delete").click();
    const dialog = h.page.getByRole("dialog", { name: "Delete this study?" });
    await dialog.waitFor();
    expect(await dialog.getByTestId("delete-scope").textContent()).toMatch(
      /\d+ series, \d+ images, its CAD results, reviews and comments are removed/,
    );
    const confirm = dialog.getByTestId("delete-confirm");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Reason for the deletion").fill("   ");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("Reason for the deletion").fill("sent to the wrong workstation");
    if (shots) await h.page.screenshot({ path: path.join(shots, "delete-study.png") });

    // An analysis at work on the study (another process's live lease): refused, nothing changes.
    const job = Number(
      h.registry.db
        .prepare(
          `INSERT INTO jobs (kind, study_ref, state, created_at, updated_at, owner,
             lease_expires_at)
           SELECT 'analyze', id, 'running', 'x', 'x', 'other@host#1', ? FROM studies
            WHERE study_instance_uid = ?`,
        )
        .run(new Date(Date.now() + 60_000).toISOString(), uid).lastInsertRowid,
    );
    await confirm.click();
    await expect
      .poll(() => dialog.getByTestId("delete-error").textContent())
      .toContain("the study is being analyzed; cancel the analysis first");
    expect(fs.existsSync(storeFolder(uid))).toBe(true);
    h.registry.db.prepare("DELETE FROM jobs WHERE id = ?").run(job);

    await confirm.click();
    // Back on the worklist, without the study.
    await h.page.locator("[data-testid=queue-all]").waitFor();
    expect(await h.page.getByRole("region", { name: "Study view" }).count()).toBe(0);
    await expect.poll(() => h.page.locator(`.vrow[data-uid="${uid}"]`).count()).toBe(0);
    expect(await h.page.locator(".vrow").count()).toBe(fx.studies.length - 1);
    expect(fs.existsSync(storeFolder(uid))).toBe(false);
    const entry = h.registry.db
      .prepare<[], { actor: string; study_ref: number | null; d: string }>(
        "SELECT actor, study_ref, details_json AS d FROM audit_log WHERE action = 'study.delete'",
      )
      .all();
    expect(entry).toHaveLength(1);
    expect(entry[0]!.actor).toBe("admin");
    expect(JSON.parse(entry[0]!.d)).toMatchObject({
      studyInstanceUid: uid,
      reason: "sent to the wrong workstation",
      via: "app",
    });
  });

  it("the admin sets the retention limit in About; a bad value is refused, nothing changed", async () => {
    await h.page.getByRole("button", { name: "About" }).click();
    const days = h.page.getByTestId("retention-days");
    await days.waitFor();
    expect(await days.inputValue()).toBe("0");
    await days.fill("2.5");
    await h.page.getByTestId("retention-save").click();
    await expect
      .poll(() => h.page.getByTestId("about").getByRole("alert").first().textContent())
      .toBe('Retention "2.5" is not a whole number of days.');
    await days.fill("365");
    await h.page.getByTestId("retention-save").click();
    await expect.poll(() => h.page.getByTestId("retention-save").isDisabled()).toBe(true);
    expect(await days.inputValue()).toBe("365");
    const row = h.registry.db
      .prepare<[], { actor: string; d: string }>(
        "SELECT actor, details_json AS d FROM audit_log WHERE action = 'site-setting' ORDER BY id DESC LIMIT 1",
      )
      .get()!;
    expect(row.actor).toBe("admin");
    expect(JSON.parse(row.d)).toEqual({ key: "retentionDays", from: 0, to: 365 });

    // The running workstation may apply it once a day: off until the box is ticked, audited.
    const inApp = h.page.getByTestId("retention-in-app");
    expect(await inApp.isChecked()).toBe(false);
    await inApp.check();
    await expect.poll(() => inApp.isChecked()).toBe(true);
    await expect
      .poll(() => {
        const last = h.registry.db
          .prepare<[], { d: string }>(
            "SELECT details_json AS d FROM audit_log WHERE action = 'site-setting' ORDER BY id DESC LIMIT 1",
          )
          .get()!;
        return JSON.parse(last.d) as unknown;
      })
      .toEqual({ key: "retentionInApp", from: false, to: true });
    if (shots) {
      await inApp.scrollIntoViewIfNeeded();
      await h.page.screenshot({ path: path.join(shots, "retention-in-app.png") });
    }
  });
});
