// Turns the user's inputs (files, folders, DICOMDIRs) into the list of files to import.
// Media from CDs and PACS exports carry a DICOMDIR (PS3.10 §8, PS3.3 F.3) listing every instance;
// where one is present it is followed instead of walking the folder, so viewer programs, autorun
// files and the DICOMDIR's own siblings on the disc are never read as images.
import dcmjs from "dcmjs";
import fs from "node:fs";
import path from "node:path";
import { DicomParseError, errorMessage } from "../../contract/errors";

export interface WalkProblem {
  path: string;
  reason: string;
}

export interface WalkResult {
  /** Absolute paths, grouped by folder, in a stable order. */
  files: string[];
  problems: WalkProblem[];
}

const MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10";

function isDicomdirName(name: string): boolean {
  return name.toUpperCase() === "DICOMDIR";
}

/** Hidden entries on removable media are OS metadata (.DS_Store, ._AppleDouble, .Trashes). */
function isHidden(name: string): boolean {
  return name.startsWith(".");
}

/**
 * Resolves one File ID component in `dir`. ISO 9660 media list names in upper case, perhaps with
 * a ";1" version suffix, while the mounted disc may show them in lower case: match exactly first,
 * then without case.
 */
function resolveComponent(dir: string, component: string): string | null {
  const name = component.replace(/;\d+$/, "");
  const exact = path.join(dir, name);
  if (fs.existsSync(exact)) return exact;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const match = entries.find((e) => e.toUpperCase() === name.toUpperCase());
  return match === undefined ? null : path.join(dir, match);
}

/**
 * What a non-regular entry is, or null for a regular file. Opening a FIFO blocks until a writer
 * comes (issue 12: a folder holding one hung import forever), and devices and sockets are never
 * images: all are skipped with a reason before anything opens them.
 */
export function irregularKind(s: fs.Stats | fs.Dirent): string | null {
  if (s.isFile()) return null;
  if (s.isFIFO()) return "a named pipe (FIFO)";
  if (s.isSocket()) return "a socket";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  return "not a regular file";
}

function irregularProblem(file: string, kind: string): WalkProblem {
  return { path: path.resolve(file), reason: `not a regular file: ${kind}; skipped` };
}

/** The files a DICOMDIR references (Referenced File ID, (0004,1500)), in record order. */
export function dicomdirReferences(dicomdirPath: string): WalkResult {
  const bytes = fs.readFileSync(dicomdirPath);
  let records: Record<string, unknown>[];
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const parsed = dcmjs.data.DicomMessage.readFile(buffer as ArrayBuffer, { ignoreErrors: true });
    const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.meta);
    if (meta.MediaStorageSOPClassUID !== MEDIA_STORAGE_DIRECTORY) {
      throw new DicomParseError(
        "its Media Storage SOP Class is not Media Storage Directory Storage",
      );
    }
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict);
    const seq = ds.DirectoryRecordSequence;
    records = Array.isArray(seq) ? (seq as Record<string, unknown>[]) : [];
  } catch (err) {
    throw new DicomParseError(`unreadable DICOMDIR: ${errorMessage(err)}`, { cause: err });
  }
  const root = path.dirname(dicomdirPath);
  const result: WalkResult = { files: [], problems: [] };
  for (const record of records) {
    const id = record.ReferencedFileID;
    const components = (Array.isArray(id) ? id : typeof id === "string" ? id.split("\\") : [])
      .map((c) => String(c).trim())
      .filter((c) => c.length > 0);
    if (components.length === 0) continue;
    // PS3.10 §8.5: components are relative to the DICOMDIR's folder, never absolute or "..".
    if (components.some((c) => c === ".." || c.includes("/"))) {
      result.problems.push({
        path: path.join(root, ...components),
        reason: "DICOMDIR references a file outside its folder; not followed",
      });
      continue;
    }
    let resolved: string | null = root;
    for (const c of components) {
      resolved = resolved === null ? null : resolveComponent(resolved, c);
    }
    if (resolved === null) {
      result.problems.push({
        path: path.join(root, ...components),
        reason: "referenced by the DICOMDIR but missing from the media",
      });
    } else {
      result.files.push(resolved);
    }
  }
  return result;
}

/** Expands inputs to files; problems (missing inputs, bad DICOMDIRs) are reported, not thrown. */
export function collectFiles(inputs: string[]): WalkResult {
  const out: WalkResult = { files: [], problems: [] };
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const addFile = (file: string): void => {
    const abs = path.resolve(file);
    if (!seenFiles.has(abs)) {
      seenFiles.add(abs);
      out.files.push(abs);
    }
  };
  const addDicomdir = (file: string): boolean => {
    try {
      const refs = dicomdirReferences(file);
      refs.files.forEach(addFile);
      out.problems.push(...refs.problems);
      return true;
    } catch (err) {
      out.problems.push({ path: path.resolve(file), reason: errorMessage(err) });
      return false;
    }
  };
  const walkDir = (dir: string): void => {
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(dir);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      out.problems.push({
        path: path.resolve(dir),
        reason: `cannot read folder: ${errorMessage(err)}`,
      });
      return;
    }
    // Symlinked folders may loop back on themselves.
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    const visible = entries.filter((e) => !isHidden(e.name));
    const dicomdir = visible.find((e) => !e.isDirectory() && isDicomdirName(e.name));
    if (dicomdir && addDicomdir(path.join(dir, dicomdir.name))) return;
    visible.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of visible) {
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let kind = isDir ? null : irregularKind(e);
      if (e.isSymbolicLink()) {
        try {
          const target = fs.statSync(full);
          isDir = target.isDirectory();
          kind = isDir ? null : irregularKind(target);
        } catch {
          out.problems.push({ path: path.resolve(full), reason: "broken symbolic link" });
          continue;
        }
      }
      if (isDir) subdirs.push(full);
      else if (kind !== null) out.problems.push(irregularProblem(full, kind));
      else if (dicomdir === undefined || e !== dicomdir) addFile(full);
    }
    // Files of a folder first, then its subfolders: each folder's files stay contiguous.
    subdirs.forEach(walkDir);
  };
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      out.problems.push({ path: path.resolve(input), reason: "no such file or folder" });
      continue;
    }
    const kind = stat.isDirectory() ? null : irregularKind(stat);
    if (stat.isDirectory()) walkDir(input);
    else if (kind !== null) out.problems.push(irregularProblem(input, kind));
    else if (isDicomdirName(path.basename(input))) addDicomdir(input);
    else addFile(input);
  }
  return out;
}
