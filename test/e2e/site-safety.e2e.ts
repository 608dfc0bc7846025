// Issue 13 end to end, in Debian's Chromium over the loopback bridge, on the phantom fixture
// (seed 20260611, 4 studies, labelled fixture analyses: this file tests the screens, the pipeline
// has its own tests): the full patient identity and a search by the name as shown (§1); an
// override that needs a reason and refuses a localizer, then the stale banner (§2); the quality
// flag in the worklist and the study view (§3); the research notice and About with the models'
// intended use and an audited site setting (§7). LIVERCAD_DOCS_SCREENSHOTS=DIR saves the screens.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPersonName } from "../../electron/contract/identity";
import type { QualityFlag } from "../../electron/contract/quality";
import { RESEARCH_NOTICE } from "../../electron/contract/site";
import { auditForStudy, getStudy } from "../../electron/registry/index";
import { saveQuality } from "../../electron/registry/quality";
import { buildFixture, type Fixture } from "./fixture";
import { ACTOR, startHarness, waitForPanes, type Harness } from "./harness";

let fx: Fixture;
let h: Harness;
const shots = process.env.LIVERCAD_DOCS_SCREENSHOTS;

async function shot(name: string): Promise<void> {
  if (shots) await h.page.screenshot({ path: path.join(shots, name) });
}

beforeAll(async () => {
  // Fixture analyses (no models): this file is about the screens.
  process.env.LIVERCAD_E2E_FIXTURE_ANALYSES = "1";
  fx = await buildFixture();
  h = await startHarness(fx.dbFile);
});

afterAll(async () => {
  await h?.close();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

async function backToList(): Promise<void> {
  if (await h.page.locator(".study").isVisible()) {
    await h.page.getByRole("button", { name: /Back to worklist/ }).click();
  }
  await h.page.locator("[data-testid=queue-all]").click();
}

async function openStudy(uid: string): Promise<void> {
  await backToList();
  await h.page.locator(`.vrow[data-uid="${uid}"]`).dblclick();
  await waitForPanes(h.page);
}

describe("issue 13 screens", () => {
  it("shows the research notice in the title and footer", async () => {
    await expect.poll(() => h.page.title()).toContain(RESEARCH_NOTICE);
    expect(await h.page.getByTestId("research-notice").textContent()).toBe(`${RESEARCH_NOTICE}.`);
  });

  it("shows every name component, birth/age/sex and accession; search finds the name as shown", async () => {
    await backToList();
    const uid = fx.studies[0]!.studyInstanceUid;
    const raw = h.registry.db
      .prepare<[string], { patient_name: string; accession_number: string }>(
        `SELECT p.patient_name, s.accession_number FROM studies s
           JOIN patients p ON p.id = s.patient_ref WHERE s.study_instance_uid = ?`,
      )
      .get(uid)!;
    const shown = formatPersonName(raw.patient_name);
    const row = h.page.locator(`.vrow[data-uid="${uid}"]`);
    expect(await row.locator(".name").textContent()).toBe(shown);
    // Every ^-component of the stored name appears in the cell (the walk lost the third).
    for (const c of raw.patient_name.split(/[\^=]/).filter(Boolean)) {
      expect(shown).toContain(c);
    }
    expect(await row.getByTestId("birth-age-sex").textContent()).not.toBe("");
    await h.page.getByRole("searchbox").fill(shown);
    await expect.poll(() => h.page.locator(".vrow[data-uid]").count()).toBe(1);
    expect(await h.page.locator(".vrow[data-uid]").getAttribute("data-uid")).toBe(uid);
    await h.page.getByRole("searchbox").fill("");
    await openStudy(uid);
    const banner = await h.page.getByTestId("patient-banner").textContent();
    expect(banner).toContain(shown);
    if (raw.accession_number !== "") expect(banner).toContain(raw.accession_number);
  });

  it("changes a sequence only with a reason, refuses a localizer, then marks the result stale", async () => {
    const study = fx.studies[1]!;
    const uid = study.studyInstanceUid;
    await openStudy(uid);
    const detail = h.service.studyDetail(uid);
    const localizer = detail.series.find((s) => s.unusableReason);
    expect(localizer, "the phantom has a localizer series").toBeDefined();
    const option = h.page.locator(
      `tr[data-sequence="T1_arterial"] option[value="${localizer!.seriesInstanceUid}"]`,
    );
    expect(await option.isDisabled()).toBe(true);
    expect(await option.textContent()).toContain("cannot be used");

    const before = getStudy(h.registry.db, uid)!.sequences.T1_arterial!.seriesInstanceUid;
    const other = detail.series.find(
      (s) =>
        !s.unusableReason &&
        !detail.assignments.some((a) => a.seriesInstanceUid === s.seriesInstanceUid),
    )!;
    // The walk's accident: one ArrowDown on the focused list. Now it only proposes a change.
    const select = h.page.getByLabel("Series for T1 arterial");
    await select.selectOption(other.seriesInstanceUid);
    expect(getStudy(h.registry.db, uid)!.sequences.T1_arterial!.seriesInstanceUid).toBe(before);
    const confirm = h.page.getByRole("button", { name: "Confirm change" });
    expect(await confirm.isDisabled()).toBe(true);
    await h.page.getByLabel("Reason for changing T1 arterial").fill("ok");
    expect(await confirm.isDisabled()).toBe(true);
    await h.page.getByLabel("Reason for changing T1 arterial").fill("bolus timing: late arterial");
    await shot("screenshot-override-confirm.png");
    await confirm.click();
    await expect
      .poll(() => getStudy(h.registry.db, uid)!.sequences.T1_arterial!.seriesInstanceUid)
      .toBe(other.seriesInstanceUid);
    const override = auditForStudy(h.registry.db, uid).find(
      (e) => e.action === "assignment.override",
    )!;
    expect(override.actor).toBe(ACTOR);
    expect(JSON.stringify(override.details)).toContain("bolus timing: late arterial");
    // The stored analysis read the old series: the banner says so and offers Re-analyze.
    await expect.poll(() => h.page.getByTestId("stale-banner").isVisible()).toBe(true);
    expect(await h.page.getByTestId("stale-banner").textContent()).toContain(
      "T1 arterial was reassigned after this analysis",
    );
    await shot("screenshot-stale-banner.png");
    // The pane rebuilds from the new series (the walk saw the old image under the new label).
    await expect
      .poll(
        () => h.page.locator('.pane[data-sequence="T1_arterial"]').getAttribute("data-series"),
        { timeout: 30_000 },
      )
      .toBe(other.seriesInstanceUid);
    await waitForPanes(h.page);
  });

  it("shows the quality flag in the worklist and the study view", async () => {
    const uid = fx.studies[2]!.studyInstanceUid;
    const analysis = h.registry.db
      .prepare<[string], { id: number }>(
        `SELECT MAX(a.id) AS id FROM analyses a JOIN studies s ON s.id = a.study_ref
          WHERE s.study_instance_uid = ?`,
      )
      .get(uid)!.id;
    const flag: QualityFlag = {
      status: "incomplete",
      policy: "warn",
      findings: [
        {
          sequence: "T1_venous",
          seriesInstanceUid: getStudy(h.registry.db, uid)!.sequences.T1_venous!.seriesInstanceUid,
          severity: "incomplete",
          code: "position-gap",
          message:
            "T1 portal-venous (series 10 'AX LAVA FLEX PV'): 2 slice(s) missing in the stack (2 after 3.1 mm). Import the missing images (re-send the series), or analyze with the quality flag if the site allows it.",
        },
      ],
    };
    saveQuality(h.registry.db, analysis, flag);
    h.service.invalidate([uid]);
    await h.page.reload();
    await backToList();
    const badge = h.page.locator(`.vrow[data-uid="${uid}"] [data-testid=quality-badge]`);
    await expect.poll(() => badge.textContent()).toBe("Q");
    expect(await badge.getAttribute("title")).toContain("2 slice(s) missing");
    await shot("screenshot-worklist-identity.png");
    await openStudy(uid);
    const banner = h.page.getByTestId("quality-banner");
    expect(await banner.getAttribute("data-status")).toBe("incomplete");
    expect(await banner.textContent()).toContain("Analyzed with a quality flag");
    await shot("screenshot-quality-banner.png");
    // Orientation markers (issue 13 §4): the phantom is axial in the standard orientation.
    const venous = h.page.locator('.pane[data-sequence="T1_venous"]');
    expect(
      await Promise.all(
        ["left", "right", "top", "bottom"].map((e) =>
          venous.getByTestId(`orient-${e}`).textContent(),
        ),
      ),
    ).toEqual(["R", "L", "A", "P"]);
    // PgDn past the last study says so instead of doing nothing.
    let said = false;
    for (let n = 0; n < fx.studies.length + 1 && !said; n++) {
      await h.page.keyboard.press("PageDown");
      await h.page.waitForTimeout(500);
      said = await h.page.getByTestId("end-of-list").isVisible();
    }
    expect(said).toBe(true);
    expect(await h.page.getByTestId("end-of-list").textContent()).toBe(
      "This is the last study in the list.",
    );
  });

  it("About shows the data directory and each model's intended use; a site setting change is audited", async () => {
    await backToList();
    await h.page.getByRole("button", { name: "About" }).click();
    expect(await h.page.getByTestId("about-notice").textContent()).toContain(RESEARCH_NOTICE);
    expect(await h.page.getByTestId("about-data-dir").textContent()).toContain(
      path.dirname(fx.dbFile),
    );
    const use = h.page.getByTestId("model-use-classifier-densenet");
    expect(await use.textContent()).toContain("not for clinical use");
    await h.page.getByLabel("Incomplete series").selectOption("warn");
    await expect
      .poll(
        () =>
          h.registry.db
            .prepare("SELECT actor, details_json FROM audit_log WHERE action = 'site-setting'")
            .all() as { actor: string; details_json: string }[],
      )
      .toEqual([
        {
          actor: ACTOR,
          details_json: JSON.stringify({ key: "incompleteSeries", from: "block", to: "warn" }),
        },
      ]);
    await shot("screenshot-about.png");
    await h.page.getByRole("button", { name: "← Back" }).click();
  });
});
