// Series volumes for the viewer: loaded once through the DICOM volume loader, kept in a small
// least-recently-used cache (five panes of the open study plus the neighbours a radiologist flips
// to), and cut into slices as float32 bytes.
import type { Volume } from "../../contract/volume";
import type { SeriesGeometry, SlicePixels } from "../../contract/ipc";
import { UsageError } from "../../contract/errors";

export type VolumeLoader = (seriesInstanceUid: string) => Promise<Volume>;

interface Entry {
  volume: Volume;
  p1: number;
  p99: number;
}

/** 1st and 99th percentile of a volume from an even sample of at most ~65k voxels. */
export function percentiles(data: Float32Array): { p1: number; p99: number } {
  const step = Math.max(1, Math.floor(data.length / 65536));
  const sample = new Float32Array(Math.ceil(data.length / step));
  let n = 0;
  for (let i = 0; i < data.length; i += step) sample[n++] = data[i]!;
  const s = sample.subarray(0, n).sort();
  if (n === 0) return { p1: 0, p99: 1 };
  const p1 = s[Math.floor(0.01 * (n - 1))]!;
  const p99 = s[Math.floor(0.99 * (n - 1))]!;
  return { p1, p99: p99 > p1 ? p99 : p1 + 1 };
}

export class VolumeCache {
  private readonly entries = new Map<string, Promise<Entry>>();

  constructor(
    private readonly load: VolumeLoader,
    private readonly capacity = 12,
  ) {}

  private get(uid: string): Promise<Entry> {
    const hit = this.entries.get(uid);
    if (hit) {
      // Map iteration order is insertion order: re-inserting marks the entry most recent.
      this.entries.delete(uid);
      this.entries.set(uid, hit);
      return hit;
    }
    const pending = this.load(uid).then((volume) => ({ volume, ...percentiles(volume.data) }));
    pending.catch(() => this.entries.delete(uid));
    this.entries.set(uid, pending);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return pending;
  }

  async geometry(uid: string): Promise<SeriesGeometry> {
    const e = await this.get(uid);
    return { seriesInstanceUid: uid, geometry: e.volume.geometry, p1: e.p1, p99: e.p99 };
  }

  async slice(uid: string, sliceIndex: number): Promise<SlicePixels> {
    const { volume } = await this.get(uid);
    const { columns, rows, slices } = volume.geometry;
    if (sliceIndex >= slices) {
      throw new UsageError(
        `Series ${uid} has ${slices} slices; slice ${sliceIndex} was asked for.`,
      );
    }
    const size = columns * rows;
    // A copy, so the transport can transfer or serialize it without pinning the whole volume.
    const pixels = volume.data.slice(sliceIndex * size, (sliceIndex + 1) * size);
    return { seriesInstanceUid: uid, sliceIndex, columns, rows, pixels };
  }

  /** Starts loading a volume without waiting for it; a failure surfaces when it is asked for. */
  prefetch(uid: string): void {
    this.get(uid).catch(() => undefined);
  }

  /** Forget volumes of series whose instances may have changed (after an import). */
  clear(): void {
    this.entries.clear();
  }
}
