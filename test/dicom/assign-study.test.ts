// Whole studies: distractors, T1 phases by contrast agent and acquisition time, the DWI b-value
// window, non-axial series, ambiguous candidates, missing sequences and custom rules.
import { describe, expect, it } from "vitest";
import {
  assignSequences,
  DEFAULT_SEQUENCE_RULES,
  loadSequenceRules,
  SequenceRulesError,
} from "../../electron/dicom/assign";
import type { AssignmentResult, SeriesCandidate } from "../../electron/dicom/assign";
import { AXIAL, CORONAL, POST, series, T1_GRE } from "./assign-fixtures";

/** Every series ends up exactly once: assigned or excluded with a rule. */
function checkAccounted(input: SeriesCandidate[], r: AssignmentResult): void {
  const seen = [
    ...r.assignments.map((a) => a.seriesInstanceUid),
    ...r.excluded.map((e) => e.seriesInstanceUid),
  ].sort();
  expect(seen).toEqual(input.map((s) => s.info.seriesInstanceUid).sort());
  for (const e of r.excluded) expect(e.rule).toMatch(/^[a-z0-9-]+$/);
}

function bySequence(r: AssignmentResult): Record<string, { uid: string; rule: string }> {
  return Object.fromEntries(
    r.assignments.map((a) => [a.sequence, { uid: a.seriesInstanceUid, rule: a.rule }]),
  );
}

function excludedRule(r: AssignmentResult, s: SeriesCandidate): string | undefined {
  return r.excluded.find((e) => e.seriesInstanceUid === s.info.seriesInstanceUid)?.rule;
}

describe("assignSequences on whole studies", () => {
  it("assigns a GE protocol with all its distractors", () => {
    const loc = series("3-Plane Loc SSFSE", { imageType: ["ORIGINAL", "PRIMARY", "LOCALIZER"] });
    const t2 = series("Ax T2 FRFSE FS", {
      scanningSequence: "SE",
      echoTime: 70,
      repetitionTime: 3000,
    });
    const ip = series("Ax 2D Dual Echo InPhase", {
      ...T1_GRE,
      imageType: ["ORIGINAL", "PRIMARY", "IN_PHASE"],
    });
    const op = series("Ax 2D Dual Echo OutPhase", T1_GRE);
    const dwi = series("Ax DWI b800", { scanningSequence: "EP", bValues: [0, 800] });
    const adc = series("ADC (10^-6 mm2/s):Ax DWI b800", {
      imageType: ["DERIVED", "PRIMARY", "ADC"],
    });
    const pre = series("Ax LAVA-Flex pre", { ...T1_GRE, acquisitionTime: "101500" });
    const art = series("Ax LAVA-Flex +C 20s", { ...T1_GRE, ...POST, acquisitionTime: "101720.5" });
    const pv = series("Ax LAVA-Flex +C 60s", { ...T1_GRE, ...POST, acquisitionTime: "101800" });
    const del = series("Ax LAVA-Flex +C 3min", { ...T1_GRE, ...POST, acquisitionTime: "102000" });
    const input = [loc, t2, ip, op, dwi, adc, del, pv, art, pre];
    const r = assignSequences(input);
    checkAccounted(input, r);
    expect(r.missing).toEqual([]);
    expect(bySequence(r)).toEqual({
      T1_pre: { uid: pre.info.seriesInstanceUid, rule: "phase-pre-name" },
      T2: { uid: t2.info.seriesInstanceUid, rule: "ge-t2-frfse" },
      T1_arterial: { uid: art.info.seriesInstanceUid, rule: "t1-arterial-earliest-post" },
      T1_venous: { uid: pv.info.seriesInstanceUid, rule: "t1-venous-next-post" },
      DWI: { uid: dwi.info.seriesInstanceUid, rule: "dwi-named" },
    });
    expect(r.assignments.find((a) => a.sequence === "DWI")?.bValue).toBe(800);
    expect(excludedRule(r, loc)).toBe("localizer-image-type");
    expect(excludedRule(r, ip)).toBe("in-opposed-phase-image-type");
    expect(excludedRule(r, op)).toBe("in-opposed-phase-name");
    expect(excludedRule(r, adc)).toBe("derived-diffusion-map");
    expect(excludedRule(r, del)).toBe("delayed-or-hepatobiliary");
    // The order in the result follows SEQUENCES, whatever the input order.
    expect(r.assignments.map((a) => a.sequence)).toEqual([
      "T1_pre",
      "T2",
      "T1_arterial",
      "T1_venous",
      "DWI",
    ]);
    expect(r.assignments.find((a) => a.sequence === "T1_arterial")?.detail).toMatch(
      /AcquisitionTime/,
    );
  });

  it("orders unnamed T1 phases by ContrastBolusAgent and AcquisitionTime; later ones are excluded", () => {
    const mk = (t: string, post: boolean) =>
      series("t1_vibe_fs_tra_bh", { ...T1_GRE, ...(post ? POST : {}), acquisitionTime: t });
    const equilibrium = mk("093500", true);
    const venous = mk("093210", true);
    const arterial = mk("093125", true);
    const pre = mk("093000", false);
    const input = [equilibrium, venous, arterial, pre];
    const r = assignSequences(input);
    checkAccounted(input, r);
    expect(bySequence(r)).toMatchObject({
      T1_pre: { uid: pre.info.seriesInstanceUid, rule: "t1-no-contrast-agent" },
      T1_arterial: { uid: arterial.info.seriesInstanceUid, rule: "t1-arterial-earliest-post" },
      T1_venous: { uid: venous.info.seriesInstanceUid, rule: "t1-venous-next-post" },
    });
    expect(excludedRule(r, equilibrium)).toBe("t1-later-phase");
    expect(r.missing).toEqual(["T2", "DWI"]);
  });

  it("falls back to acquisition order when neither names nor contrast tags tell the phases", () => {
    const a = series("Ax LAVA-Flex", { ...T1_GRE, seriesNumber: 12 });
    const b = series("Ax LAVA-Flex", { ...T1_GRE, seriesNumber: 10 });
    const c = series("Ax LAVA-Flex", { ...T1_GRE, seriesNumber: 11 });
    const r = assignSequences([a, b, c]);
    expect(bySequence(r)).toMatchObject({
      T1_pre: { uid: b.info.seriesInstanceUid, rule: "t1-acquisition-order" },
      T1_arterial: { uid: c.info.seriesInstanceUid, rule: "t1-arterial-earliest-post" },
      T1_venous: { uid: a.info.seriesInstanceUid, rule: "t1-venous-next-post" },
    });
    expect(r.assignments[0]!.detail).toMatch(/SeriesNumber/);
  });

  it("orders by SeriesNumber when every phase carries the same time stamp", () => {
    const mk = (n: number, post: boolean) =>
      series("Ax LAVA", {
        ...T1_GRE,
        ...(post ? POST : {}),
        seriesNumber: n,
        acquisitionTime: "120000",
      });
    const pv = mk(9, true);
    const art = mk(8, true);
    const pre = mk(7, false);
    const r = assignSequences([pv, art, pre]);
    expect(bySequence(r)).toMatchObject({
      T1_pre: { uid: pre.info.seriesInstanceUid },
      T1_arterial: { uid: art.info.seriesInstanceUid },
      T1_venous: { uid: pv.info.seriesInstanceUid },
    });
    expect(r.assignments[1]!.detail).toMatch(/ordered by SeriesNumber/);
    // Two phases stamped alike after a distinct pre: series number still separates them.
    const pre2 = series("Ax LAVA", { ...T1_GRE, seriesNumber: 20, acquisitionTime: "110000" });
    const a2 = mk(21, true);
    const v2 = mk(22, true);
    expect(bySequence(assignSequences([v2, a2, pre2]))).toMatchObject({
      T1_pre: { uid: pre2.info.seriesInstanceUid },
      T1_arterial: { uid: a2.info.seriesInstanceUid },
      T1_venous: { uid: v2.info.seriesInstanceUid },
    });
    const bare = [mk(5, false), mk(4, false), mk(6, false)];
    const r2 = assignSequences(bare);
    expect(bySequence(r2)).toMatchObject({
      T1_pre: { uid: bare[1]!.info.seriesInstanceUid, rule: "t1-acquisition-order" },
      T1_arterial: { uid: bare[0]!.info.seriesInstanceUid },
      T1_venous: { uid: bare[2]!.info.seriesInstanceUid },
    });
  });

  it("places unnamed T1 series around a named arterial phase", () => {
    const pre = series("Ax LAVA", { ...T1_GRE, acquisitionTime: "100000" });
    const art = series("Ax LAVA arterial", { ...T1_GRE, acquisitionTime: "100300" });
    const pv = series("Ax LAVA", { ...T1_GRE, acquisitionTime: "100400" });
    const r = assignSequences([pv, art, pre]);
    expect(bySequence(r)).toMatchObject({
      T1_pre: { uid: pre.info.seriesInstanceUid, rule: "t1-order-relative-to-post" },
      T1_arterial: { uid: art.info.seriesInstanceUid, rule: "phase-arterial-name" },
      T1_venous: { uid: pv.info.seriesInstanceUid, rule: "t1-venous-next-post" },
    });
  });

  it("takes the pre-contrast T1 closest before the injection and prefers Dixon water", () => {
    const earlyPre = series("WATER: Ax LAVA-Flex pre", { ...T1_GRE, acquisitionTime: "080000" });
    const fat = series("FAT: Ax LAVA-Flex pre", { ...T1_GRE, acquisitionTime: "081000" });
    const inPh = series("InPhase: Ax LAVA-Flex", { ...T1_GRE, acquisitionTime: "081000" });
    const mask = series("WATER: Ax LAVA-Flex mask", { ...T1_GRE, acquisitionTime: "081000" });
    const art = series("WATER: Ax LAVA-Flex arterial", {
      ...T1_GRE,
      ...POST,
      acquisitionTime: "081100",
    });
    const input = [earlyPre, fat, inPh, mask, art];
    const r = assignSequences(input);
    checkAccounted(input, r);
    expect(bySequence(r).T1_pre?.uid).toBe(mask.info.seriesInstanceUid);
    expect(excludedRule(r, earlyPre)).toBe("t1-extra-pre");
    expect(excludedRule(r, fat)).toBe("dixon-fat-name");
    expect(excludedRule(r, inPh)).toBe("in-opposed-phase-name");
  });

  it("chooses the highest b in 800-1000, else the highest b, and says so", () => {
    const b50 = series("Ax DWI", { diffusionBValue: 50 });
    const b1000 = series("Ax DWI", { bValues: [0, 1000] });
    const b1500 = series("Ax DWI", { bValues: [0, 1500] });
    const b800 = series("Ax DWI", { bValues: [0, 800] });
    let r = assignSequences([b50, b1500, b1000, b800]);
    const dwi = r.assignments.find((a) => a.sequence === "DWI")!;
    expect(dwi.seriesInstanceUid).toBe(b1000.info.seriesInstanceUid);
    expect(dwi.bValue).toBe(1000);
    expect(dwi.detail).toMatch(/highest b in 800-1000/);
    expect(excludedRule(r, b1500)).toBe("lower-ranked-candidate");

    r = assignSequences([b50, series("Ax DWI b0 b600", {})]);
    const fallback = r.assignments.find((a) => a.sequence === "DWI")!;
    expect(fallback.bValue).toBe(600);
    expect(fallback.detail).toMatch(
      /no b-value in 800-1000; fallback to the highest available b=600 \(description\)/,
    );

    // Only the first instance's b=0 known: the description's b800 decides.
    r = assignSequences([series("Ax DWI b800", { diffusionBValue: 0 })]);
    expect(r.assignments[0]!.bValue).toBe(800);
    expect(r.assignments[0]!.detail).toMatch(/b=800 \(description\)/);

    r = assignSequences([series("Ax DWI", {})]);
    expect(r.assignments[0]!.bValue).toBeNull();
    expect(r.assignments[0]!.detail).toMatch(/b-value unknown/);
  });

  it("de-prioritises non-axial series by orientation or name", () => {
    const corT2 = series("Cor T2 FRFSE", { iop: CORONAL });
    const axSsfse = series("Ax SSFSE T2", { iop: AXIAL });
    const pre = series("Ax LAVA pre", { ...T1_GRE, acquisitionTime: "100000" });
    const art = series("Ax LAVA +C", { ...T1_GRE, ...POST, acquisitionTime: "100100" });
    const cor = series("Cor LAVA +C", { ...T1_GRE, ...POST, acquisitionTime: "100130" });
    const pv = series("Ax LAVA +C", { ...T1_GRE, ...POST, acquisitionTime: "100200" });
    const input = [corT2, axSsfse, pre, art, cor, pv];
    const r = assignSequences(input);
    checkAccounted(input, r);
    expect(bySequence(r)).toMatchObject({
      T2: { uid: axSsfse.info.seriesInstanceUid, rule: "ge-t2-ssfse" },
      T1_arterial: { uid: art.info.seriesInstanceUid },
      T1_venous: { uid: pv.info.seriesInstanceUid },
    });
    expect(excludedRule(r, corT2)).toBe("non-axial-deprioritised");
    expect(excludedRule(r, cor)).toBe("non-axial-deprioritised");
    // With only a coronal T2 it is still used, and the detail says so.
    const only = assignSequences([corT2]);
    expect(only.assignments[0]!.detail).toMatch(/non-axial \(no axial candidate\)/);
  });

  it("prefers fat-suppressed and then the repeated (later) series among equal candidates", () => {
    const plain = series("t2_tse_tra", { seriesNumber: 3 });
    const fs = series("t2_tse_tra_fs", { seriesNumber: 4 });
    const fsRepeat = series("t2_tse_tra_fs", { seriesNumber: 9 });
    const r = assignSequences([fs, fsRepeat, plain]);
    expect(bySequence(r).T2?.uid).toBe(fsRepeat.info.seriesInstanceUid);
    expect(r.assignments[0]!.detail).toMatch(/fat-suppressed; preferred over 2 other candidate/);
    expect(excludedRule(r, plain)).toBe("lower-ranked-candidate");
  });

  it("reports every sequence missing for an empty or all-distractor study", () => {
    expect(assignSequences([]).missing).toEqual([
      "T1_pre",
      "T2",
      "T1_arterial",
      "T1_venous",
      "DWI",
    ]);
    const input = [series("Survey"), series("dADC")];
    const r = assignSequences(input);
    checkAccounted(input, r);
    expect(r.assignments).toEqual([]);
    expect(r.missing).toHaveLength(5);
  });
});

describe("sequence rules as data", () => {
  it("adds a site's naming rule without code changes", () => {
    const custom = structuredClone(DEFAULT_SEQUENCE_RULES);
    const s = series("LIVER SPECIAL W3", { scanningSequence: "SE" });
    expect(assignSequences([s], custom).excluded[0]?.rule).toBe("no-weighting-rule");
    custom.weightings.unshift({
      id: "site-t2-special",
      vendor: "site",
      weighting: "T2",
      match: { description: "\\bliver special\\b" },
    });
    const r = assignSequences([s], loadSequenceRules(custom));
    expect(r.assignments[0]).toMatchObject({ sequence: "T2", rule: "site-t2-special" });
  });

  it("rejects malformed rules with the offending place", () => {
    const bad = (mutate: (r: typeof DEFAULT_SEQUENCE_RULES) => void) => {
      const r = structuredClone(DEFAULT_SEQUENCE_RULES);
      mutate(r);
      return () => loadSequenceRules(r);
    };
    expect(bad((r) => (r.exclusions[0]!.match = { description: "(" }))).toThrow(
      /Rule not-mr-image: pattern \/\(\/ does not compile/,
    );
    expect(bad((r) => (r.weightings[1]!.id = r.weightings[0]!.id))).toThrow(/used twice/);
    expect(bad((r) => Object.assign(r.phases[0]!.match, { descripton: "x" }))).toThrow(
      SequenceRulesError,
    );
    expect(bad((r) => (r.phases[0]!.match = {}))).toThrow(/at least one condition/);
    expect(() => assignSequences([], { version: 2 } as never)).toThrow(/invalid at "version"/);
  });
});
