// The analytic body model of one phantom patient, in DICOM patient coordinates (LPS, mm; x toward
// the patient's left, y posterior, z superior; origin at the body axis at mid-liver height).
// Organs are ellipsoids, elliptic cylinders and capsules (vessels) whose approximate signed
// distance functions (negative inside, in mm) the planner uses to keep lesions inside the liver
// and the renderer uses to paint anti-aliased edges.
import type { Vec3 } from "../contract/domain";
import type { Rng } from "./random";

export interface Ellipsoid {
  center: Vec3;
  axes: Vec3;
}

/** A vessel or duct segment: a swept sphere from `from` to `to`. */
export interface Capsule {
  from: Vec3;
  to: Vec3;
  radius: number;
}

export interface AnatomyPlan {
  /** Outer body outline: elliptic cylinder semi-axes (LR, AP). */
  body: [number, number];
  subcutaneousFat: number;
  muscleWall: number;
  /** Peritoneal cavity semi-axes (body minus fat and muscle). */
  cavity: [number, number];
  rightLobe: Ellipsoid;
  leftLobe: Ellipsoid;
  caudate: Ellipsoid;
  /** Inferior cut plane of the liver: a point on it and its outward normal. */
  liverCut: { point: Vec3; normal: Vec3 };
  /** Superior and inferior liver extent (z), used to choose each series' coverage. */
  liverTop: number;
  liverBottom: number;
  cirrhosis: boolean;
  /** Amplitude in mm of the surface lobulation (cirrhosis: nodular liver surface). */
  surfaceNodularity: number;
  /** 0..1: weight of the fibrotic septa network in the parenchyma (cirrhosis). */
  fibrosis: number;
  /** Hepatic steatosis: the liver loses signal in the opposed phase. */
  steatosis: number;
  spleen: Ellipsoid;
  kidneys: Ellipsoid[];
  stomach: Ellipsoid;
  gallbladder: Ellipsoid | null;
  bowel: Ellipsoid[];
  /** Which bowel loops hold gas (signal void on every sequence) rather than fluid and wall. */
  bowelGas: boolean[];
  /** Rib sections in the body wall: short capsules along the wall, sloping caudally forward. */
  ribs: Capsule[];
  lungs: Ellipsoid[];
  heart: Ellipsoid;
  /** Pancreas from head (near the duodenum) to tail (splenic hilum), as a tapered tube. */
  pancreas: Capsule[];
  spine: { center: [number, number]; radius: number };
  canal: { center: [number, number]; radius: number };
  aorta: { center: [number, number]; radius: number };
  ivc: { center: [number, number]; axes: [number, number] };
  paraspinal: Ellipsoid[];
  portalVeins: Capsule[];
  hepaticVeins: Capsule[];
}

export function ellipsoidSdf(e: Ellipsoid, x: number, y: number, z: number): number {
  const dx = (x - e.center[0]) / e.axes[0];
  const dy = (y - e.center[1]) / e.axes[1];
  const dz = (z - e.center[2]) / e.axes[2];
  return (Math.sqrt(dx * dx + dy * dy + dz * dz) - 1) * Math.min(e.axes[0], e.axes[1], e.axes[2]);
}

export function capsuleSdf(c: Capsule, x: number, y: number, z: number): number {
  const ax = c.to[0] - c.from[0];
  const ay = c.to[1] - c.from[1];
  const az = c.to[2] - c.from[2];
  const px = x - c.from[0];
  const py = y - c.from[1];
  const pz = z - c.from[2];
  const len2 = ax * ax + ay * ay + az * az;
  const t = len2 > 0 ? Math.max(0, Math.min(1, (px * ax + py * ay + pz * az) / len2)) : 0;
  const qx = px - t * ax;
  const qy = py - t * ay;
  const qz = pz - t * az;
  return Math.sqrt(qx * qx + qy * qy + qz * qz) - c.radius;
}

/** Polynomial smooth minimum (Quilez): unions that blend over `k` mm instead of creasing. */
export function smin(a: number, b: number, k: number): number {
  const h = Math.max(k - Math.abs(a - b), 0) / k;
  return Math.min(a, b) - (h * h * k) / 4;
}

/** The liver's smooth shape without surface noise or lesion-related dents. */
export function liverBaseSdf(a: AnatomyPlan, x: number, y: number, z: number): number {
  const lobes = smin(ellipsoidSdf(a.rightLobe, x, y, z), ellipsoidSdf(a.leftLobe, x, y, z), 25);
  const withCaudate = smin(lobes, ellipsoidSdf(a.caudate, x, y, z), 12);
  const n = a.liverCut.normal;
  const p = a.liverCut.point;
  const cut = (x - p[0]) * n[0] + (y - p[1]) * n[1] + (z - p[2]) * n[2];
  // Smooth intersection with the inferior cut (the liver's sloping undersurface).
  return -smin(-withCaudate, -cut, 15);
}

/** Distance in mm to the nearest organ a liver lesion must not overlap (negative = inside it). */
export function nonLiverSdf(a: AnatomyPlan, x: number, y: number, z: number): number {
  let d = Infinity;
  for (const k of a.kidneys) d = Math.min(d, ellipsoidSdf(k, x, y, z));
  d = Math.min(d, ellipsoidSdf(a.spleen, x, y, z));
  if (a.gallbladder) d = Math.min(d, ellipsoidSdf(a.gallbladder, x, y, z));
  const ivc = a.ivc;
  const iy = (x - ivc.center[0]) / ivc.axes[0];
  const iz = (y - ivc.center[1]) / ivc.axes[1];
  d = Math.min(d, (Math.sqrt(iy * iy + iz * iz) - 1) * Math.min(ivc.axes[0], ivc.axes[1]));
  const ao = Math.hypot(x - a.aorta.center[0], y - a.aorta.center[1]) - a.aorta.radius;
  const sp = Math.hypot(x - a.spine.center[0], y - a.spine.center[1]) - a.spine.radius;
  return Math.min(d, ao, sp);
}

/** Signed distance to the peritoneal cavity wall (negative inside). */
export function cavitySdf(a: AnatomyPlan, x: number, y: number): number {
  const u = x / a.cavity[0];
  const v = y / a.cavity[1];
  return (Math.sqrt(u * u + v * v) - 1) * Math.min(a.cavity[0], a.cavity[1]);
}

function jitter(rng: Rng, p: Vec3, mm: number): Vec3 {
  return [p[0] + rng.uniform(-mm, mm), p[1] + rng.uniform(-mm, mm), p[2] + rng.uniform(-mm, mm)];
}

/**
 * Draws one patient's anatomy. Cirrhosis shrinks the right lobe, enlarges the caudate and left
 * lobes, nodulates the surface and enlarges the spleen: the morphology radiologists read as
 * cirrhotic, which the paper's HCC cohort mostly has (Table 2: 61%).
 */
export function planAnatomy(rng: Rng, cirrhosis: boolean): AnatomyPlan {
  const body: [number, number] = [rng.uniform(150, 185), rng.uniform(112, 140)];
  const subcutaneousFat = rng.uniform(8, 32);
  const muscleWall = rng.uniform(8, 12);
  const cavity: [number, number] = [
    body[0] - subcutaneousFat - muscleWall,
    body[1] - subcutaneousFat - muscleWall,
  ];
  const [cA, cB] = cavity;
  const cc = rng.uniform(78, 95);
  const rightScale = cirrhosis ? rng.uniform(0.8, 0.92) : rng.uniform(0.95, 1.05);
  const leftScale = cirrhosis ? rng.uniform(1.05, 1.25) : rng.uniform(0.9, 1.05);
  // The right lobe reaches back to the posterior abdominal wall (bare area), as on axial MRI.
  const rightLobe: Ellipsoid = {
    center: [-0.47 * cA, 0.1 * cB + rng.uniform(-5, 5), 0],
    axes: [0.48 * cA * rightScale, 0.8 * cB * rightScale, cc * rightScale],
  };
  const leftLobe: Ellipsoid = {
    center: [0.02 * cA, -0.45 * cB, 0.25 * cc],
    axes: [0.5 * cA * leftScale, 0.3 * cB * leftScale, 0.5 * cc],
  };
  const caudate: Ellipsoid = {
    center: [-0.12 * cA, 0.15 * cB, 0.15 * cc],
    axes: [20 * (cirrhosis ? 1.4 : 1), 24 * (cirrhosis ? 1.3 : 1), 0.4 * cc],
  };
  const nRaw: Vec3 = [0.3, 0.15, -1];
  const nLen = Math.hypot(...nRaw);
  const liverCut = {
    point: [-0.5 * cA, 0, -0.78 * cc * rightScale] as Vec3,
    normal: [nRaw[0] / nLen, nRaw[1] / nLen, nRaw[2] / nLen] as Vec3,
  };
  const liverTop = Math.max(
    rightLobe.center[2] + rightLobe.axes[2],
    leftLobe.center[2] + leftLobe.axes[2],
  );
  const liverBottom = rightLobe.center[2] - rightLobe.axes[2];
  const spineY = 0.62 * cB + 12;
  const spleenScale = cirrhosis ? rng.uniform(1.15, 1.4) : rng.uniform(0.9, 1.1);
  const hilum: Vec3 = jitter(rng, [-0.2 * cA, 0.02 * cB, -0.2 * cc], 6);
  const ivcTop: Vec3 = [-0.15 * cA, 0.42 * cB, liverTop - 18];
  return {
    body,
    subcutaneousFat,
    muscleWall,
    cavity,
    rightLobe,
    leftLobe,
    caudate,
    liverCut,
    liverTop,
    liverBottom,
    cirrhosis,
    surfaceNodularity: cirrhosis ? rng.uniform(1.5, 3.5) : rng.uniform(0.3, 0.8),
    fibrosis: cirrhosis ? rng.uniform(0.35, 0.8) : 0,
    steatosis: rng.chance(0.2) ? rng.uniform(0.2, 0.45) : 0,
    // A flattened ellipsoid against the posterolateral wall: ~12 x 7 x 4 cm normally.
    spleen: {
      center: [0.68 * cA, 0.38 * cB, 0.15 * cc],
      axes: [0.15 * cA * spleenScale, 0.36 * cB * spleenScale, 55 * spleenScale],
    },
    kidneys: [
      { center: [-0.55 * cA, 0.55 * cB, -0.8 * cc], axes: [26, 30, 55] },
      { center: [0.55 * cA, 0.55 * cB, -0.65 * cc], axes: [26, 30, 55] },
    ],
    stomach: { center: [0.35 * cA, -0.3 * cB, 0.2 * cc], axes: [0.3 * cA, 0.32 * cB, 45] },
    gallbladder: rng.chance(0.85)
      ? { center: [-0.25 * cA, -0.42 * cB, -0.55 * cc], axes: [15, 13, 32] }
      : null,
    // Small-bowel and colon loops: below the liver everywhere, and at liver level in the left
    // and anterior abdomen (transverse colon, jejunum), where the liver, painted later, wins.
    bowel: Array.from({ length: 16 }, (_, i) => ({
      center: (i < 8
        ? [rng.uniform(-0.6, 0.7) * cA, rng.uniform(-0.7, 0.2) * cB, rng.uniform(-1.4, -0.8) * cc]
        : [
            rng.uniform(-0.1, 0.75) * cA,
            rng.uniform(-0.8, 0.1) * cB,
            rng.uniform(-0.9, 0.1) * cc,
          ]) as Vec3,
      axes: [rng.uniform(12, 26), rng.uniform(10, 20), rng.uniform(15, 30)] as Vec3,
    })),
    bowelGas: Array.from({ length: 16 }, () => rng.chance(0.3)),
    ribs: [-1, 1].flatMap((side) =>
      Array.from({ length: 8 }, (_, r): Capsule => {
        const wallA = body[0] - subcutaneousFat - muscleWall / 2;
        const wallB = body[1] - subcutaneousFat - muscleWall / 2;
        const theta = rng.uniform(0.6, 2.4);
        const z = liverTop + 15 - r * ((liverTop - liverBottom + 30) / 8);
        const at = (t: number): [number, number] => [
          side * wallA * Math.sin(t),
          wallB * Math.cos(t),
        ];
        const [x0, y0] = at(theta - 0.22);
        const [x1, y1] = at(theta + 0.22);
        return { from: [x0, y0, z], to: [x1, y1, z - 14], radius: rng.uniform(4.5, 6) };
      }),
    ),
    lungs: [-1, 1].map((side) => ({
      center: [side * 0.5 * cA, 0.25 * cB, liverTop + 70] as Vec3,
      axes: [0.45 * cA, 0.75 * cB, 90] as Vec3,
    })),
    heart: { center: [0.15 * cA, -0.3 * cB, liverTop + 50], axes: [0.45 * cA, 0.45 * cB, 50] },
    pancreas: [
      {
        from: [-0.2 * cA, 0.05 * cB, -0.85 * cc],
        to: [0.1 * cA, 0.15 * cB, -0.7 * cc],
        radius: 13,
      },
      { from: [0.1 * cA, 0.15 * cB, -0.7 * cc], to: [0.5 * cA, 0.3 * cB, -0.45 * cc], radius: 9 },
    ],
    spine: { center: [0, spineY], radius: 19 },
    canal: { center: [0, spineY + 29], radius: 8 },
    aorta: { center: [14, spineY - 31], radius: rng.uniform(10, 13) },
    ivc: { center: [-24, spineY - 36], axes: [13, 10] },
    paraspinal: [-1, 1].map((side) => ({
      center: [side * 36, cB + 6, 0] as Vec3,
      axes: [34, 21, 1e4] as Vec3,
    })),
    portalVeins: [
      { from: [0.08 * cA, 0.15 * cB, -1.1 * cc], to: hilum, radius: 7 },
      { from: hilum, to: jitter(rng, [-0.6 * cA, 0.05 * cB, -0.05 * cc], 8), radius: 5.5 },
      { from: hilum, to: jitter(rng, [0, -0.35 * cB, 0.1 * cc], 8), radius: 5 },
      {
        from: [-0.6 * cA, 0.05 * cB, -0.05 * cc],
        to: jitter(rng, [-0.75 * cA, -0.35 * cB, 0.2 * cc], 8),
        radius: 3.5,
      },
      {
        from: [-0.6 * cA, 0.05 * cB, -0.05 * cc],
        to: jitter(rng, [-0.7 * cA, 0.45 * cB, -0.15 * cc], 8),
        radius: 3.5,
      },
      {
        from: [0, -0.35 * cB, 0.1 * cc],
        to: jitter(rng, [0.32 * cA, -0.45 * cB, 0.3 * cc], 8),
        radius: 3,
      },
    ],
    hepaticVeins: [
      { from: ivcTop, to: jitter(rng, [-0.78 * cA, 0.15 * cB, 0.05 * cc], 8), radius: 5 },
      { from: ivcTop, to: jitter(rng, [-0.4 * cA, -0.5 * cB, -0.1 * cc], 8), radius: 4.5 },
      { from: ivcTop, to: jitter(rng, [0.1 * cA, -0.55 * cB, 0.25 * cc], 8), radius: 4 },
    ],
  };
}
