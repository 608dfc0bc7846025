// The production reader and assignment rules, wired once for the CLI and the app.
import { assignSequences } from "../../dicom/assign/index";
import { readVerified } from "../../dicom/read/verify";
import type { AssignFn, ReadFn } from "./service";

/** Compressed frames are decoded once at import, so an undecodable file is rejected there. */
export const readInstance: ReadFn = (filePath, data) => readVerified(filePath, data);
export const assignStudySequences: AssignFn = (series) => assignSequences(series);
