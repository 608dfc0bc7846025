// Append-only files for the export: raw little-endian float32 tensors and JSON arrays written
// element by element, so that a 400-study cohort never sits in memory (only one study at a time).
import fs from "node:fs";
import os from "node:os";
import { UsageError } from "../../contract/errors";

/** Appends float32 rows of a fixed per-sample size to a raw .f32 file. */
export class F32Sink {
  private readonly fd: number;
  samples = 0;
  bytes = 0;

  constructor(
    readonly file: string,
    /** Values per sample (C x H x W). */
    readonly sampleSize: number,
  ) {
    // Float32Array views use the host's byte order; the files are defined little-endian.
    if (os.endianness() !== "LE")
      throw new UsageError("export-training needs a little-endian host");
    this.fd = fs.openSync(file, "w");
  }

  /** Writes whole samples; `data.length` must be a multiple of the sample size. */
  write(data: Float32Array): number {
    if (data.length % this.sampleSize !== 0) {
      throw new UsageError(`${data.length} values are not whole samples of ${this.sampleSize}`);
    }
    const first = this.samples;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    this.samples += data.length / this.sampleSize;
    this.bytes += buf.length;
    return first;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Writes a JSON array one element per line. */
export class JsonArraySink {
  private readonly fd: number;
  private count = 0;
  bytes = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, "w");
    this.put("[");
  }

  push(value: unknown): void {
    this.put(`${this.count === 0 ? "\n" : ",\n"}${JSON.stringify(value)}`);
    this.count += 1;
  }

  close(): void {
    this.put("\n]\n");
    fs.closeSync(this.fd);
  }

  private put(s: string): void {
    const buf = Buffer.from(s, "utf8");
    fs.writeSync(this.fd, buf);
    this.bytes += buf.length;
  }
}
