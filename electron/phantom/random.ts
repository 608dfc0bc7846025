// Seeded randomness and deterministic identifiers for the phantom cohort. Every number the
// generator draws comes from here, so a cohort is a pure function of (seed, study index): the same
// seed writes the same bytes (issue 2 §2), and STYLE.md 11's "a phantom study is named by its seed".
import { createHash } from "node:crypto";

/** 32-bit FNV-1a of a string: cheap, stable across platforms, only used to seed generators. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): passes PractRand to 2^40 and
 * costs a few integer ops per draw, which matters because the renderer draws two normals per pixel.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(key: string) {
    this.a = fnv1a(`a:${key}`);
    this.b = fnv1a(`b:${key}`);
    this.c = fnv1a(`c:${key}`);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** Standard normal by the polar Box-Muller method; the second value is kept for the next call. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * A UID under the "2.25" root (PS3.5 B.2: a UUID written as one decimal integer), derived from a
 * hash of its key instead of a random UUID so that the same seed gives the same UIDs. 128 bits of
 * SHA-256 keep collisions out of reach for any cohort size.
 */
export function deterministicUid(key: string): string {
  const hex = createHash("sha256").update(key).digest("hex").slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

/**
 * Like deterministicUid but always 38 digits after "2.25." (a 126-bit value offset past 10^37), so
 * every image UID has the same encoded length and the writer can patch it into a per-series
 * header template (dicom-writer.ts).
 */
export function fixedLengthUid(key: string): string {
  const h = BigInt(`0x${createHash("sha256").update(key).digest("hex")}`);
  const base = 10n ** 37n;
  return `2.25.${(base + (h % (9n * base))).toString(10)}`;
}
