// multipart/related bodies (RFC 2387, RFC 2046 5.1) as DICOMweb uses them (PS3.18 8.6.1.2):
// WADO-RS answers and STOW-RS requests carry one DICOM file a part.

/** The boundary of a multipart Content-Type (RFC 2046 5.1.1), quotes removed. */
export function boundaryOf(contentType: string): string | null {
  const m = /boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType);
  return m ? (m[2] ?? m[1]!) : null;
}

/**
 * Splits a multipart/related body as it streams in (RFC 2046 5.1): each part's headers and bytes
 * are handed over as soon as its closing delimiter has arrived, so at most one part is held. The
 * bytes are kept in one buffer that doubles when full, and the search for a part's closing
 * delimiter resumes where the previous chunk's search ended, so a part of N bytes costs O(N)
 * however many chunks it comes in (concatenating per chunk was quadratic for a large part).
 */
export class MultipartReader {
  private buffer: Buffer = Buffer.alloc(64 * 1024);
  private length = 0;
  /** Where the search for the current part's closing delimiter resumes. */
  private searchFrom = 0;
  private readonly delimiter: Buffer;
  private started = false;
  private done = false;

  constructor(
    boundary: string,
    private readonly onPart: (headers: Record<string, string>, body: Buffer) => void,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  push(chunk: Uint8Array): void {
    if (this.done) return;
    this.append(chunk);
    if (!this.started) {
      // The first delimiter may open the body without the CRLF before it.
      const first = this.held().indexOf(this.delimiter.subarray(2));
      if (first < 0) return;
      this.consume(first + this.delimiter.length - 2);
      this.started = true;
    }
    for (;;) {
      // After a delimiter: "--" ends the body, else CRLF, headers, CRLF CRLF, then the part.
      const held = this.held();
      if (held.length < 2) return;
      if (held[0] === 0x2d && held[1] === 0x2d) {
        this.done = true;
        return;
      }
      const headerEnd = held.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const next = held.indexOf(this.delimiter, Math.max(headerEnd + 4, this.searchFrom));
      if (next < 0) {
        // A delimiter may begin in the last bytes held: search those again with the next chunk.
        this.searchFrom = Math.max(headerEnd + 4, held.length - this.delimiter.length + 1);
        return;
      }
      const headers: Record<string, string> = {};
      for (const line of held.subarray(0, headerEnd).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0)
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      // A copy: the buffer is reused for the next part.
      this.onPart(headers, Buffer.from(held.subarray(headerEnd + 4, next)));
      this.consume(next + this.delimiter.length);
    }
  }

  /** True once the closing delimiter ("--boundary--") has been read. */
  get complete(): boolean {
    return this.done;
  }

  private held(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private append(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.buffer.length) {
      const bigger = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + chunk.length));
      this.buffer.copy(bigger, 0, 0, this.length);
      this.buffer = bigger;
    }
    this.buffer.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** Drops the first `n` bytes held (what follows is at most the rest of the last chunk). */
  private consume(n: number): void {
    this.buffer.copy(this.buffer, 0, n, this.length);
    this.length -= n;
    this.searchFrom = 0;
  }
}
