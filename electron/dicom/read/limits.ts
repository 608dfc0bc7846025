// Resource limits of the reader. A hostile or broken file must be rejected with a reason before
// it costs unbounded time or memory (issue 12: a file nesting sequences 2,600 deep held import for
// seconds; a 1.6 MB deflated data set inflated to 4.8 GB). The numbers sit far above anything a
// scanner writes, so no real MR file meets them.
import { DicomParseError } from "../../contract/errors";

/**
 * Deepest sequence nesting accepted. PS3.5 sets no limit; Enhanced MR functional groups nest 3-4
 * deep and the deepest structured reports seen in practice about 20.
 */
export const MAX_SEQUENCE_DEPTH = 32;

/**
 * Most data elements accepted in one file, nested ones included. An Enhanced MR object of 3,000
 * frames carries about 150,000 (some 50 per frame in its per-frame functional groups).
 */
export const MAX_ELEMENTS = 500_000;

/**
 * Largest file read. Node's fs reads at most 2 GiB - 1 in one call (kIoMaxLength), and one MR
 * instance is far smaller: a 512 x 512 x 1,000-frame 16-bit multi-frame object is 0.5 GB.
 */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

/**
 * Bytes a deflated data set (PS3.5 A.5) may inflate to beyond its declared pixel data: the rest of
 * the header. Vendor headers with private blocks stay under 1 MB; 8 MiB leaves ample room and
 * keeps a bomb's rejection cheap (it inflates up to the limit first).
 */
export const INFLATE_HEADER_MARGIN = 8 * 2 ** 20;

/** Inflation limit when the pixel module could not be found in the first inflated bytes. */
export const INFLATE_DEFAULT_LIMIT = 64 * 2 ** 20;

/** Inflation is never allowed past this, whatever the header declares. */
export const INFLATE_HARD_LIMIT = 768 * 2 ** 20;

function gigabytes(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(1);
}

/** The clear message for files too large to read (Node's own says `"length" is out of range`). */
export function checkFileSize(size: number): void {
  if (size > MAX_FILE_BYTES) {
    throw new DicomParseError(
      `file too large: ${gigabytes(size)} GiB; files over 2 GiB are not read ` +
        `(one MR instance is far smaller; this is not a single image)`,
    );
  }
}

/** A file rejected because reading it would pass one of the limits above. */
export class LimitExceededError extends DicomParseError {}
