// Series naming per vendor for the randomized presets: descriptions as written by each vendor's
// console (the same vocabulary the sequence rules are tested on, test/dicom/assign-naming.test.ts),
// Manufacturer (0008,0070) and model (0008,1090). The randomized family draws GE, Philips and
// Canon; Siemens is kept for the shift test only, so that its naming is never seen in training.
import type { SeriesKind } from "./protocol";
import type { Vendor } from "./variation";

export interface VendorNaming {
  manufacturer: string;
  model: string;
  descriptions: Record<SeriesKind, readonly string[]>;
}

export const VENDORS: Record<Vendor, VendorNaming> = {
  GE: {
    manufacturer: "GE MEDICAL SYSTEMS",
    model: "SIGNA Architect",
    descriptions: {
      localizer: ["3-Plane Loc SSFSE", "3 PLANE LOC"],
      T2: ["Ax T2 FRFSE FS", "Ax T2 PROPELLER FS", "Ax SSFSE T2"],
      in_phase: ["Ax 2D Dual Echo InPhase", "Ax T1 FSPGR InPhase"],
      opposed_phase: ["Ax 2D Dual Echo OutPhase", "Ax T1 FSPGR OutPhase"],
      DWI: ["Ax DWI b800", "AX DWI B800 RESP TRIG"],
      ADC: ["Apparent Diffusion Coefficient (mm2/s)"],
      T1_pre: ["Ax LAVA-Flex pre", "Ax LAVA-Flex mask"],
      T1_arterial: ["AX LAVA FLEX ART", "Ax LAVA-Flex arterial"],
      T1_venous: ["AX LAVA FLEX PV", "Ax LAVA portal venous"],
      T1_delayed: ["Ax LAVA-Flex delayed", "AX LAVA FLEX 3MIN"],
    },
  },
  Siemens: {
    manufacturer: "SIEMENS",
    model: "MAGNETOM Vida",
    descriptions: {
      localizer: ["localizer", "AAHead_Scout_32ch-head-coil"],
      T2: ["t2_haste_tra_mbh", "t2_blade_tra_fs", "t2_tse_tra_fs"],
      in_phase: ["t1_vibe_dixon_tra_in"],
      opposed_phase: ["t1_vibe_dixon_tra_opp"],
      DWI: ["ep2d_diff_b50_800_tra_TRACEW"],
      ADC: ["ep2d_diff_b50_800_tra_ADC"],
      T1_pre: ["t1_vibe_fs_tra_pre"],
      T1_arterial: ["t1_vibe_fs_tra_art"],
      T1_venous: ["t1_vibe_fs_tra_pv"],
      T1_delayed: ["t1_vibe_fs_tra_3min"],
    },
  },
  Philips: {
    manufacturer: "Philips Medical Systems",
    model: "Ingenia",
    descriptions: {
      localizer: ["Survey"],
      T2: ["T2W_TSE_SPAIR", "T2W_SPAIR", "T2 MultiVane", "sshTSE BH"],
      in_phase: ["mDIXON IP"],
      opposed_phase: ["T1 FFE in/out"],
      DWI: ["DWI_b0_b800", "DWIBS b800"],
      ADC: ["dADC"],
      T1_pre: ["eTHRIVE pre"],
      T1_arterial: ["THRIVE arterial", "eTHRIVE arterial"],
      T1_venous: ["eTHRIVE portal"],
      T1_delayed: ["eTHRIVE delayed"],
    },
  },
  Canon: {
    manufacturer: "CANON_MEC",
    model: "Vantage Orian",
    descriptions: {
      localizer: ["Locator"],
      T2: ["FASE T2 FS", "FSE T2 FatSat"],
      in_phase: ["FE2D in phase"],
      opposed_phase: ["FE2D out of phase"],
      DWI: ["DWI b800"],
      ADC: ["ADC map"],
      T1_pre: ["Quick 3D pre"],
      T1_arterial: ["Quick3D ART"],
      T1_venous: ["Quick 3D PV"],
      T1_delayed: ["Quick 3D delayed"],
    },
  },
};
