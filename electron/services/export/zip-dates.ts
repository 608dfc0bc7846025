// Sets every entry's modification date in a ZIP archive (XLSX is one) to a fixed time, so the
// same registry state gives the same bytes: exceljs (through JSZip) stamps entries with the wall
// clock. Field offsets from PKWARE's APPNOTE.TXT 4.3.7 (local file header: time at 10, date at 12)
// and 4.3.12 (central directory header: time at 12, date at 14, local header offset at 42).
import { ExportError } from "../../contract/errors";

/** MS-DOS date and time words (APPNOTE 4.4.6): 2-second resolution, local time taken as UTC. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

export function fixZipDates(zip: Uint8Array, when: Date): Uint8Array {
  const out = new Uint8Array(zip);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // End of central directory record (4.3.16): signature 0x06054b50, searched from the end.
  let eocd = -1;
  for (let i = out.length - 22; i >= Math.max(0, out.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ExportError("not a ZIP archive (no end of central directory record)");
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const { time, date } = dosDateTime(when);
  for (let n = 0; n < entries; n++) {
    if (view.getUint32(p, true) !== 0x02014b50)
      throw new ExportError("corrupt ZIP central directory");
    view.setUint16(p + 12, time, true);
    view.setUint16(p + 14, date, true);
    const local = view.getUint32(p + 42, true);
    if (view.getUint32(local, true) !== 0x04034b50)
      throw new ExportError("corrupt ZIP local header");
    view.setUint16(local + 10, time, true);
    view.setUint16(local + 12, date, true);
    p +=
      46 +
      view.getUint16(p + 28, true) +
      view.getUint16(p + 30, true) +
      view.getUint16(p + 32, true);
  }
  return out;
}
