// Series data in the renderer: geometry (with its index <-> patient transform, the same code the
// pipeline uses) and slice pixels, fetched once and kept while the study is open. Neighbouring
// slices are prefetched so that scrolling draws from memory.
import { useEffect, useState } from "react";
import type { SeriesGeometry } from "../../electron/contract/ipc";
import { GridTransform } from "../../electron/contract/geometry";
import { call } from "../api";

export interface LoadedSeries {
  info: SeriesGeometry;
  transform: GridTransform;
}

const geometries = new Map<string, Promise<LoadedSeries>>();
const slices = new Map<string, Float32Array>();
const inflight = new Map<string, Promise<Float32Array>>();
/** Slice cache bound: about 64 MB of 256x256 float32 slices. */
const MAX_SLICES = 1000;

export function loadSeries(uid: string): Promise<LoadedSeries> {
  let p = geometries.get(uid);
  if (!p) {
    p = call("series:geometry", { seriesInstanceUid: uid }).then((info) => ({
      info,
      transform: new GridTransform(info.geometry),
    }));
    p.catch(() => geometries.delete(uid));
    geometries.set(uid, p);
  }
  return p;
}

export function useSeries(uid: string | null): {
  series: LoadedSeries | null;
  error: string | null;
} {
  const [state, setState] = useState<{ series: LoadedSeries | null; error: string | null }>({
    series: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    setState({ series: null, error: null });
    if (uid === null) return;
    loadSeries(uid).then(
      (series) => live && setState({ series, error: null }),
      (err: unknown) =>
        live && setState({ series: null, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [uid]);
  return state;
}

export function cachedSlice(uid: string, k: number): Float32Array | undefined {
  return slices.get(`${uid}:${k}`);
}

export function fetchSlice(uid: string, k: number): Promise<Float32Array> {
  const key = `${uid}:${k}`;
  const hit = slices.get(key);
  if (hit) return Promise.resolve(hit);
  let p = inflight.get(key);
  if (!p) {
    p = call("series:slice", { seriesInstanceUid: uid, sliceIndex: k }).then((s) => {
      slices.set(key, s.pixels);
      if (slices.size > MAX_SLICES) slices.delete(slices.keys().next().value as string);
      return s.pixels;
    });
    p.finally(() => inflight.delete(key)).catch(() => undefined);
    inflight.set(key, p);
  }
  return p;
}

/** Fetches slices around k, nearest first, two at a time. */
export function prefetchAround(uid: string, k: number, count: number, radius = 8): void {
  const order: number[] = [];
  for (let d = 1; d <= radius; d++) {
    if (k + d < count) order.push(k + d);
    if (k - d >= 0) order.push(k - d);
  }
  const missing = order.filter((i) => cachedSlice(uid, i) === undefined);
  const worker = async () => {
    for (let next = missing.shift(); next !== undefined; next = missing.shift()) {
      await fetchSlice(uid, next).catch(() => undefined);
    }
  };
  void worker();
  void worker();
}

/** Drops what the viewer holds (after an import replaced series, or an override). */
export function forgetSeries(): void {
  geometries.clear();
  slices.clear();
}
