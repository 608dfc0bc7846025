// multipart/related bodies (RFC 2387, RFC 2046 5.1) as DICOMweb uses them (PS3.18 8.6.1.2):
// WADO-RS answers and STOW-RS requests carry one DICOM file a part.

/** The boundary of a multipart Content-Type (RFC 2046 5.1.1), quotes removed. */
export function boundaryOf(contentType: string): string | null {
  const m = /boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType);
  return m ? (m[2] ?? m[1]!) : null;
}

/**
 * Splits a multipart/related body as it streams in (RFC 2046 5.1): each part's headers and bytes
 * are handed over as soon as its closing delimiter has arrived, so at most one part is held.
 */
export class MultipartReader {
  private buffer: Buffer = Buffer.alloc(0);
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
    this.buffer =
      this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    if (!this.started) {
      // The first delimiter may open the body without the CRLF before it.
      const first = this.buffer.indexOf(this.delimiter.subarray(2));
      if (first < 0) return;
      this.buffer = this.buffer.subarray(first + this.delimiter.length - 2);
      this.started = true;
    }
    for (;;) {
      // After a delimiter: "--" ends the body, else CRLF, headers, CRLF CRLF, then the part.
      if (this.buffer.length < 2) return;
      if (this.buffer[0] === 0x2d && this.buffer[1] === 0x2d) {
        this.done = true;
        return;
      }
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const next = this.buffer.indexOf(this.delimiter, headerEnd + 4);
      if (next < 0) return;
      const headers: Record<string, string> = {};
      for (const line of this.buffer.subarray(0, headerEnd).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0)
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      this.onPart(headers, Buffer.from(this.buffer.subarray(headerEnd + 4, next)));
      this.buffer = this.buffer.subarray(next + this.delimiter.length);
    }
  }

  /** True once the closing delimiter ("--boundary--") has been read. */
  get complete(): boolean {
    return this.done;
  }
}
