// Typed access to a dcmjs naturalized data set, where a value may be a scalar, an array, a
// number-like string or absent, and a sequence is an array of item objects.
import type { Dataset } from "./dcmjs-parse";

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

export function num(ds: Dataset | null | undefined, key: string): number | null {
  if (!ds) return null;
  const v = first(ds[key]);
  const n = typeof v === "string" ? Number(v.trim()) : v;
  return typeof n === "number" && Number.isFinite(n) && !(typeof v === "string" && v.trim() === "")
    ? n
    : null;
}

export function str(ds: Dataset | null | undefined, key: string): string {
  if (!ds) return "";
  const v = ds[key];
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.map((x) => String(x ?? "")).join("\\");
  return String(v).trim();
}

export function strs(ds: Dataset | null | undefined, key: string): string[] {
  if (!ds) return [];
  const v = ds[key];
  if (v === undefined || v === null || v === "") return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x ?? "").trim());
}

/** All numbers of a multi-valued numeric attribute, or null if any is missing or not a number. */
export function nums(ds: Dataset | null | undefined, key: string, count: number): number[] | null {
  if (!ds) return null;
  const v = ds[key];
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  if (arr.length < count) return null;
  const out = arr.slice(0, count).map((x) => (typeof x === "string" ? Number(x) : x));
  return out.every((x) => typeof x === "number" && Number.isFinite(x)) ? (out as number[]) : null;
}

/** The items of a sequence attribute. */
export function items(ds: Dataset | null | undefined, key: string): Dataset[] {
  if (!ds) return [];
  const v = ds[key];
  if (Array.isArray(v)) return v.filter((x): x is Dataset => typeof x === "object" && x !== null);
  return typeof v === "object" && v !== null ? [v as Dataset] : [];
}

/** The first item of a sequence, or null. */
export function item(ds: Dataset | null | undefined, key: string): Dataset | null {
  return items(ds, key)[0] ?? null;
}
