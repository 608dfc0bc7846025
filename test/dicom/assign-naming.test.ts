// One case per vendor naming style (STYLE.md 4): each series alone must be assigned to the right
// sequence by the named rule, or excluded by the named rule.
import { describe, expect, it } from "vitest";
import { assignSequences } from "../../electron/dicom/assign";
import type { SequenceId } from "../../electron/contract/domain";
import { POST, series, T1_GRE } from "./assign-fixtures";
import type { SeriesOpts } from "./assign-fixtures";

type Expect = { sequence: SequenceId; rule: string; b?: number } | { excluded: string };
type Case = [vendor: string, description: string, opts: SeriesOpts, expected: Expect];

const T2_TAGS: SeriesOpts = { scanningSequence: "SE", echoTime: 85, repetitionTime: 4000 };
const DWI_TAGS: SeriesOpts = { scanningSequence: "EP", echoTime: 60, repetitionTime: 5000 };
const ADC: SeriesOpts = { imageType: ["DERIVED", "PRIMARY", "ADC"] };

const cases: Case[] = [
  // GE
  ["GE", "Ax T2 FRFSE FS", T2_TAGS, { sequence: "T2", rule: "ge-t2-frfse" }],
  ["GE", "AX T2 FSE FS RESP TRIG", T2_TAGS, { sequence: "T2", rule: "t2-fse" }],
  ["GE", "Ax T2 PROPELLER FS", T2_TAGS, { sequence: "T2", rule: "ge-t2-propeller" }],
  ["GE", "Ax SSFSE T2", T2_TAGS, { sequence: "T2", rule: "ge-t2-ssfse" }],
  ["GE", "Ax LAVA-Flex pre", T1_GRE, { sequence: "T1_pre", rule: "phase-pre-name" }],
  ["GE", "Ax LAVA-Flex mask", T1_GRE, { sequence: "T1_pre", rule: "phase-pre-name" }],
  [
    "GE",
    "WATER: Ax LAVA-Flex arterial",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "phase-arterial-name" },
  ],
  [
    "GE",
    "AX LAVA FLEX ART",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "phase-arterial-name" },
  ],
  [
    "GE",
    "Ax LAVA portal venous",
    { ...T1_GRE, ...POST },
    { sequence: "T1_venous", rule: "phase-venous-name" },
  ],
  [
    "GE",
    "AX LAVA FLEX PV",
    { ...T1_GRE, ...POST },
    { sequence: "T1_venous", rule: "phase-venous-name" },
  ],
  [
    "GE",
    "Ax VIBRANT +C",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "t1-arterial-earliest-post" },
  ],
  [
    "GE",
    "Ax DWI b800",
    { ...DWI_TAGS, diffusionBValue: 800 },
    { sequence: "DWI", rule: "dwi-named", b: 800 },
  ],
  ["GE", "AX DWI B800 RESP TRIG", DWI_TAGS, { sequence: "DWI", rule: "dwi-named", b: 800 }],
  ["GE", "ADC (10^-6 mm2/s):Ax DWI b800", ADC, { excluded: "derived-diffusion-map" }],
  ["GE", "3-Plane Loc SSFSE", T2_TAGS, { excluded: "localizer-name" }],
  [
    "GE",
    "3 PLANE LOC",
    { imageType: ["ORIGINAL", "PRIMARY", "LOCALIZER"] },
    { excluded: "localizer-image-type" },
  ],
  ["GE", "ASSET Cal", {}, { excluded: "localizer-name" }],
  ["GE", "Ax 2D Dual Echo InPhase", T1_GRE, { excluded: "in-opposed-phase-name" }],
  ["GE", "Ax T1 FSPGR OutPhase", T1_GRE, { excluded: "in-opposed-phase-name" }],
  [
    "GE",
    "AX DUAL ECHO OP",
    { imageType: ["ORIGINAL", "PRIMARY", "OUT_PHASE"] },
    { excluded: "in-opposed-phase-image-type" },
  ],
  ["GE", "FAT: Ax LAVA-Flex", T1_GRE, { excluded: "dixon-fat-name" }],
  ["GE", "Ax LAVA-Flex delayed", { ...T1_GRE, ...POST }, { excluded: "delayed-or-hepatobiliary" }],
  ["GE", "AX LAVA FLEX 3MIN", { ...T1_GRE, ...POST }, { excluded: "delayed-or-hepatobiliary" }],
  ["GE", "Ax LAVA 20 min HBP", { ...T1_GRE, ...POST }, { excluded: "delayed-or-hepatobiliary" }],
  ["GE", "Ax LAVA-Flex sub", { ...T1_GRE, ...POST }, { excluded: "subtraction-name" }],
  // Siemens
  ["Siemens", "t2_haste_tra_mbh", T2_TAGS, { sequence: "T2", rule: "siemens-t2-haste" }],
  ["Siemens", "t2_blade_tra_fs", T2_TAGS, { sequence: "T2", rule: "siemens-t2-blade" }],
  ["Siemens", "t2_tse_tra_fs", T2_TAGS, { sequence: "T2", rule: "t2-tse" }],
  ["Siemens", "t1_vibe_fs_tra_pre", T1_GRE, { sequence: "T1_pre", rule: "phase-pre-name" }],
  [
    "Siemens",
    "t1_vibe_fs_tra_art",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "phase-arterial-name" },
  ],
  [
    "Siemens",
    "t1_vibe_fs_tra_pv",
    { ...T1_GRE, ...POST },
    { sequence: "T1_venous", rule: "phase-venous-name" },
  ],
  [
    "Siemens",
    "t1_vibe_dixon_tra_W",
    { ...T1_GRE, imageType: ["DERIVED", "PRIMARY", "DIXON", "WATER"] },
    { sequence: "T1_pre", rule: "t1-acquisition-order" },
  ],
  [
    "Siemens",
    "t1_vibe_dixon_tra_F",
    { ...T1_GRE, imageType: ["DERIVED", "PRIMARY", "DIXON", "FAT"] },
    { excluded: "dixon-fat-image-type" },
  ],
  ["Siemens", "t1_vibe_dixon_tra_F", T1_GRE, { excluded: "dixon-fat-name" }],
  ["Siemens", "t1_vibe_dixon_tra_in", T1_GRE, { excluded: "in-opposed-phase-name" }],
  ["Siemens", "t1_vibe_dixon_tra_opp", T1_GRE, { excluded: "in-opposed-phase-name" }],
  ["Siemens", "t1_fl2d_opp-in_tra", T1_GRE, { excluded: "in-opposed-phase-name" }],
  [
    "Siemens",
    "ep2d_diff_b50_400_800_tra_TRACEW",
    {
      ...DWI_TAGS,
      imageType: ["DERIVED", "PRIMARY", "DIFFUSION", "TRACEW"],
      bValues: [50, 400, 800],
    },
    { sequence: "DWI", rule: "siemens-dwi-ep2d-diff", b: 800 },
  ],
  [
    "Siemens",
    "ep2d_diff_b50_400_800_tra_ADC",
    { imageType: ["DERIVED", "PRIMARY", "DIFFUSION", "ADC"] },
    { excluded: "derived-diffusion-map" },
  ],
  ["Siemens", "ep2d_diff_b50_800_tra_ADC", {}, { excluded: "diffusion-map-name" }],
  ["Siemens", "localizer", {}, { excluded: "localizer-name" }],
  ["Siemens", "AAHead_Scout_32ch-head-coil", {}, { excluded: "localizer-name" }],
  [
    "Siemens",
    "t1_vibe_fs_tra_caipi",
    { ...T1_GRE, ...POST, imageType: ["DERIVED", "PRIMARY", "SUB", "ND"] },
    { excluded: "subtraction" },
  ],
  [
    "Siemens",
    "t1_vibe_fs_tra_20min",
    { ...T1_GRE, ...POST },
    { excluded: "delayed-or-hepatobiliary" },
  ],
  [
    "Siemens",
    "t1_vibe_fs_tra_MIP_COR",
    { ...T1_GRE, ...POST },
    { excluded: "projection-or-reformat-name" },
  ],
  // Philips
  ["Philips", "T2W_TSE_SPAIR", T2_TAGS, { sequence: "T2", rule: "t2-tse" }],
  ["Philips", "T2W_SPAIR", T2_TAGS, { sequence: "T2", rule: "t2-tse" }],
  ["Philips", "T2 MultiVane", T2_TAGS, { sequence: "T2", rule: "philips-t2-multivane" }],
  ["Philips", "sshTSE BH", T2_TAGS, { sequence: "T2", rule: "philips-t2-sshtse" }],
  ["Philips", "eTHRIVE pre", T1_GRE, { sequence: "T1_pre", rule: "phase-pre-name" }],
  [
    "Philips",
    "THRIVE arterial",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "phase-arterial-name" },
  ],
  [
    "Philips",
    "eTHRIVE portal",
    { ...T1_GRE, ...POST },
    { sequence: "T1_venous", rule: "phase-venous-name" },
  ],
  [
    "Philips",
    "mDIXON W dyn",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "t1-arterial-earliest-post" },
  ],
  ["Philips", "mDIXON F", T1_GRE, { excluded: "dixon-fat-name" }],
  ["Philips", "mDIXON IP", T1_GRE, { excluded: "in-opposed-phase-name" }],
  ["Philips", "T1 FFE in/out", T1_GRE, { excluded: "in-opposed-phase-name" }],
  [
    "Philips",
    "DWI_b0_b800",
    { ...DWI_TAGS, bValues: [0, 800] },
    { sequence: "DWI", rule: "dwi-named", b: 800 },
  ],
  ["Philips", "DWIBS b1000", DWI_TAGS, { sequence: "DWI", rule: "dwi-named", b: 1000 }],
  ["Philips", "dADC", {}, { excluded: "diffusion-map-name" }],
  ["Philips", "Survey", {}, { excluded: "localizer-name" }],
  // Canon / Toshiba
  ["Canon", "FASE T2 FS", T2_TAGS, { sequence: "T2", rule: "canon-t2-fase" }],
  ["Canon", "FSE T2 FatSat", T2_TAGS, { sequence: "T2", rule: "t2-fse" }],
  ["Canon", "Quick 3D pre", T1_GRE, { sequence: "T1_pre", rule: "phase-pre-name" }],
  [
    "Canon",
    "Quick3D ART",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "phase-arterial-name" },
  ],
  [
    "Canon",
    "Quick 3D PV",
    { ...T1_GRE, ...POST },
    { sequence: "T1_venous", rule: "phase-venous-name" },
  ],
  ["Canon", "DWI b1000", DWI_TAGS, { sequence: "DWI", rule: "dwi-named", b: 1000 }],
  ["Canon", "Locator", {}, { excluded: "localizer-name" }],
  ["Canon", "ADC map", {}, { excluded: "diffusion-map-name" }],
  // Tag-based fallbacks (unhelpful descriptions)
  [
    "any",
    "Series 5",
    { ...DWI_TAGS, diffusionBValue: 800 },
    { sequence: "DWI", rule: "tag-dwi-b-value", b: 800 },
  ],
  ["any", "Series 6", DWI_TAGS, { sequence: "DWI", rule: "tag-dwi-epi" }],
  ["any", "ABD 3", T2_TAGS, { sequence: "T2", rule: "tag-t2-long-te" }],
  ["any", "ABD 7", T1_GRE, { sequence: "T1_pre", rule: "t1-acquisition-order" }],
  [
    "any",
    "ABD 8",
    { ...T1_GRE, ...POST },
    { sequence: "T1_arterial", rule: "t1-arterial-earliest-post" },
  ],
  ["any", "", { ...T2_TAGS, protocolName: "Ax T2 FRFSE" }, { sequence: "T2", rule: "ge-t2-frfse" }],
  ["any", "ABD 9", {}, { excluded: "no-weighting-rule" }],
  ["any", "Ax T2 FRFSE FS", { imageType: ["DERIVED", "SECONDARY"] }, { excluded: "derived-other" }],
  [
    "any",
    "Ax T2 FRFSE FS",
    { sopClassUid: "1.2.840.10008.5.1.4.1.1.7" },
    { excluded: "not-mr-image" },
  ],
  ["any", "Ax T2 FRFSE FS", { frames: 3 }, { excluded: "too-few-images" }],
  [
    "any",
    "Ax T2 FRFSE FS",
    { sopClassUid: "1.2.840.10008.5.1.4.1.1.4.1", frames: 30 },
    { sequence: "T2", rule: "ge-t2-frfse" },
  ],
];

describe("sequence rules: one case per naming style", () => {
  it.each(cases)("%s: %j", (_vendor, description, opts, expected) => {
    const s = series(description, opts);
    const r = assignSequences([s]);
    if ("excluded" in expected) {
      expect(r.assignments).toEqual([]);
      expect(r.excluded).toEqual([
        expect.objectContaining({
          seriesInstanceUid: s.info.seriesInstanceUid,
          rule: expected.excluded,
        }),
      ]);
    } else {
      expect(r.excluded).toEqual([]);
      expect(r.assignments).toHaveLength(1);
      const a = r.assignments[0]!;
      expect({ sequence: a.sequence, rule: a.rule }).toEqual({
        sequence: expected.sequence,
        rule: expected.rule,
      });
      expect(a.seriesInstanceUid).toBe(s.info.seriesInstanceUid);
      if (expected.b !== undefined) expect(a.bValue).toBe(expected.b);
      expect(r.missing).not.toContain(expected.sequence);
      expect(r.missing).toHaveLength(4);
    }
  });
});
