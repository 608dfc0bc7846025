// Turns a study plan into a paintable scene: the list of shapes in painting order (later shapes
// cover earlier ones, as organs displace each other), each with a tissue, a bounding box and
// whether it moves with breathing. The renderer paints this list onto each series' grid.
import {
  capsuleSdf,
  cavitySdf,
  ellipsoidSdf,
  liverBaseSdf,
  type AnatomyPlan,
  type Capsule,
  type Ellipsoid,
} from "./anatomy";
import { NoiseField } from "./noise";
import type { LesionPlan, StudyPlan } from "./plan";
import { Rng } from "./random";
import type { Tissue } from "./tissue";

/** [minX, minY, minZ, maxX, maxY, maxZ] in mm. */
export type Aabb = [number, number, number, number, number, number];

export interface Shape {
  aabb: Aabb;
  /** Approximate signed distance in mm, negative inside. */
  sdf(x: number, y: number, z: number): number;
}

/** plain: constant tissue signal; liver: textured parenchyma; lesion: patterned; clipped: only inside the liver. */
export type PaintMode = "plain" | "liver" | "lesion" | "clipped";

export interface Structure {
  name: string;
  shape: Shape;
  tissue: Tissue;
  mode: PaintMode;
  /** Moves with the diaphragm: shifted by the series' breathing shift. */
  mobile: boolean;
  lesion?: LesionPlan;
}

export interface Scene {
  study: StudyPlan;
  noise: NoiseField;
  liver: LiverShape;
  structures: Structure[];
}

const FAR = Infinity;

class EllipticCylinder implements Shape {
  readonly aabb: Aabb;
  constructor(
    private readonly cx: number,
    private readonly cy: number,
    private readonly a: number,
    private readonly b: number,
  ) {
    this.aabb = [cx - a, cy - b, -FAR, cx + a, cy + b, FAR];
  }
  sdf(x: number, y: number): number {
    const u = (x - this.cx) / this.a;
    const v = (y - this.cy) / this.b;
    return (Math.sqrt(u * u + v * v) - 1) * Math.min(this.a, this.b);
  }
}

class EllipsoidShape implements Shape {
  readonly aabb: Aabb;
  constructor(private readonly e: Ellipsoid) {
    const [x, y, z] = e.center;
    const [a, b, c] = e.axes;
    this.aabb = [x - a, y - b, z - c, x + a, y + b, z + c];
  }
  sdf(x: number, y: number, z: number): number {
    return ellipsoidSdf(this.e, x, y, z);
  }
}

class CapsuleShape implements Shape {
  readonly aabb: Aabb;
  constructor(private readonly c: Capsule) {
    const r = c.radius;
    this.aabb = [
      Math.min(c.from[0], c.to[0]) - r,
      Math.min(c.from[1], c.to[1]) - r,
      Math.min(c.from[2], c.to[2]) - r,
      Math.max(c.from[0], c.to[0]) + r,
      Math.max(c.from[1], c.to[1]) + r,
      Math.max(c.from[2], c.to[2]) + r,
    ];
  }
  sdf(x: number, y: number, z: number): number {
    return capsuleSdf(this.c, x, y, z);
  }
}

/** The liver: smooth lobes, nodular surface, capsular retraction dents, bounded by the cavity. */
export class LiverShape implements Shape {
  readonly aabb: Aabb;
  private readonly dents: { x: number; y: number; z: number; depth: number; inv2s2: number }[];

  constructor(
    private readonly a: AnatomyPlan,
    private readonly noise: NoiseField,
    lesions: LesionPlan[],
  ) {
    const boxes = [a.rightLobe, a.leftLobe, a.caudate].map((e) => new EllipsoidShape(e).aabb);
    const m = 6;
    this.aabb = [
      Math.min(...boxes.map((b) => b[0])) - m,
      Math.min(...boxes.map((b) => b[1])) - m,
      Math.min(...boxes.map((b) => b[2])) - m,
      Math.max(...boxes.map((b) => b[3])) + m,
      Math.max(...boxes.map((b) => b[4])) + m,
      Math.max(...boxes.map((b) => b[5])) + m,
    ];
    this.dents = lesions.flatMap((l) =>
      l.retraction
        ? [
            {
              x: l.retraction.point[0],
              y: l.retraction.point[1],
              z: l.retraction.point[2],
              depth: l.retraction.depth,
              inv2s2: 1 / (2 * l.retraction.sigma ** 2),
            },
          ]
        : [],
    );
  }

  sdf(x: number, y: number, z: number): number {
    let d = liverBaseSdf(this.a, x, y, z);
    if (d > 10) return d;
    d += this.a.surfaceNodularity * this.noise.sample(x / 6 + 31, y / 6 + 31, z / 6 + 31);
    for (const dent of this.dents) {
      const r2 = (x - dent.x) ** 2 + (y - dent.y) ** 2 + (z - dent.z) ** 2;
      d += dent.depth * Math.exp(-r2 * dent.inv2s2);
    }
    return Math.max(d, cavitySdf(this.a, x, y) + 2);
  }
}

/**
 * Lesion ellipsoid, grown by 6% when it has a capsule so the capsule rim is painted too; in the
 * randomized presets its outline is lobulated by low-order angular harmonics (`lobulation`).
 */
export class LesionShape implements Shape {
  readonly aabb: Aabb;
  readonly grow: number;
  private readonly lob: number;
  private readonly p0: number;
  private readonly p1: number;
  constructor(readonly lesion: LesionPlan) {
    this.lob = lesion.lobulation ?? 0;
    this.p0 = lesion.lobePhase?.[0] ?? 0;
    this.p1 = lesion.lobePhase?.[1] ?? 0;
    this.grow = (lesion.features.capsule ? 1.06 : 1) * (1 + this.lob);
    const [x, y, z] = lesion.center;
    const [a, b, c] = lesion.semiAxes.map((s) => s * this.grow) as [number, number, number];
    this.aabb = [x - a, y - b, z - c, x + a, y + b, z + c];
  }
  /** Normalised radius: 0 at the centre, 1 on the lesion boundary. */
  rho(x: number, y: number, z: number): number {
    const l = this.lesion;
    const u = (x - l.center[0]) / l.semiAxes[0];
    const v = (y - l.center[1]) / l.semiAxes[1];
    const w = (z - l.center[2]) / l.semiAxes[2];
    const r = Math.sqrt(u * u + v * v + w * w);
    if (this.lob === 0 || r === 0) return r;
    const th = Math.atan2(v, u);
    const f = 0.6 * Math.sin(3 * th + this.p0) + 0.4 * Math.sin((5 * w) / r + 2 * th + this.p1);
    return r / (1 + this.lob * f);
  }
  sdf(x: number, y: number, z: number): number {
    return (this.rho(x, y, z) - this.grow / (1 + this.lob)) * Math.min(...this.lesion.semiAxes);
  }
}

export function buildScene(study: StudyPlan, withLesions = true): Scene {
  const a = study.anatomy;
  const noise = new NoiseField(new Rng(`noise:${study.key}`));
  const lesions = withLesions ? study.lesions : [];
  const liver = new LiverShape(a, noise, lesions);
  const s: Structure[] = [];
  const add = (
    name: string,
    shape: Shape,
    tissue: Tissue,
    mobile: boolean,
    mode: PaintMode = "plain",
  ): void => {
    s.push({ name, shape, tissue, mode, mobile });
  };
  add("body", new EllipticCylinder(0, 0, a.body[0], a.body[1]), "fat", false);
  add(
    "abdominal wall",
    new EllipticCylinder(0, 0, a.body[0] - a.subcutaneousFat, a.body[1] - a.subcutaneousFat),
    "muscle",
    false,
  );
  add("cavity", new EllipticCylinder(0, 0, a.cavity[0], a.cavity[1]), "visceral", false);
  for (const p of a.paraspinal)
    add(
      "paraspinal",
      new EllipticCylinder(p.center[0], p.center[1], p.axes[0], p.axes[1]),
      "muscle",
      false,
    );
  for (const r of a.ribs) add("rib", new CapsuleShape(r), "marrow", false);
  for (const l of a.lungs) add("lung", new EllipsoidShape(l), "lung", true);
  add("heart", new EllipsoidShape(a.heart), "heart", true);
  add("stomach", new EllipsoidShape(a.stomach), "stomach", true);
  a.bowel.forEach((b, i) =>
    add("bowel", new EllipsoidShape(b), a.bowelGas[i] ? "air" : "bowel", true),
  );
  for (const p of a.pancreas) add("pancreas", new CapsuleShape(p), "pancreas", true);
  const extra = study.distractors;
  if (extra && extra.ascitesMm > 0) {
    // Ascites: a fluid layer hugging the liver inside the cavity, painted under the liver.
    const t = extra.ascitesMm;
    const b = liver.aabb;
    add(
      "ascites",
      {
        aabb: [b[0] - t, b[1] - t, b[2] - t, b[3] + t, b[4] + t, b[5] + t],
        sdf: (x, y, z) => Math.max(liver.sdf(x, y, z) - t, cavitySdf(a, x, y) + 1),
      },
      "bile",
      true,
    );
  }
  add("liver", liver, "liver", true, "liver");
  if (a.gallbladder) add("gallbladder", new EllipsoidShape(a.gallbladder), "bile", true);
  for (const v of a.hepaticVeins) add("hepatic vein", new CapsuleShape(v), "vein", true, "clipped");
  a.portalVeins.forEach((v, i) =>
    add("portal vein", new CapsuleShape(v), "portal", true, i === 0 ? "plain" : "clipped"),
  );
  for (const l of lesions) {
    s.push({
      name: `lesion ${l.role}`,
      shape: new LesionShape(l),
      tissue: "liver",
      mode: "lesion",
      mobile: true,
      lesion: l,
    });
    for (const d of l.ducts) add("dilated duct", new CapsuleShape(d), "bile", true, "clipped");
  }
  for (const c of extra?.cysts ?? [])
    add(
      "cyst",
      new EllipsoidShape({ center: c.center, axes: c.semiAxes }),
      "bile",
      true,
      "clipped",
    );
  for (const h of extra?.hemangiomas ?? []) {
    // Haemangioma-like: very bright on T2, peripheral nodular enhancement filling in, no
    // restriction: a benign mimic the detectors must see and that is not in the truth.
    const lesion: LesionPlan = {
      center: h.center,
      semiAxes: h.semiAxes,
      diameterMm: 2 * Math.max(...h.semiAxes),
      role: "additional",
      features: {
        arterial: "rim",
        portal: "progressive",
        capsule: false,
        t2: "targetoid",
        diffusion: "none",
        fat: false,
      },
      conspicuity: 1,
      rimFraction: 0.3,
      retraction: null,
      ducts: [],
    };
    s.push({
      name: "haemangioma",
      shape: new LesionShape(lesion),
      tissue: "liver",
      mode: "lesion",
      mobile: true,
      lesion,
    });
  }
  add("spleen", new EllipsoidShape(a.spleen), "spleen", true);
  for (const k of a.kidneys) {
    add("kidney", new EllipsoidShape(k), "kidneyCortex", true);
    const medial = k.center[0] > 0 ? -4 : 4;
    add(
      "renal medulla",
      new EllipsoidShape({
        center: [k.center[0] + medial, k.center[1], k.center[2]],
        axes: [k.axes[0] * 0.55, k.axes[1] * 0.55, k.axes[2] * 0.7],
      }),
      "kidneyMedulla",
      true,
    );
  }
  add(
    "IVC",
    new EllipticCylinder(a.ivc.center[0], a.ivc.center[1], a.ivc.axes[0], a.ivc.axes[1]),
    "vein",
    false,
  );
  add(
    "aorta",
    new EllipticCylinder(a.aorta.center[0], a.aorta.center[1], a.aorta.radius, a.aorta.radius),
    "artery",
    false,
  );
  add(
    "vertebral body",
    new EllipticCylinder(
      a.spine.center[0],
      a.spine.center[1],
      a.spine.radius,
      a.spine.radius * 0.9,
    ),
    "marrow",
    false,
  );
  add(
    "spinal canal",
    new EllipticCylinder(a.canal.center[0], a.canal.center[1], a.canal.radius, a.canal.radius),
    "csf",
    false,
  );
  return { study, noise, liver, structures: s };
}
