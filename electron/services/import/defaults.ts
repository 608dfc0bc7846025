// The production reader and assignment rules, wired once for the CLI and the app.
import { assignSequences } from "../../dicom/assign/index";
import { readDicomFile } from "../../dicom/read/index";
import type { AssignFn, ReadFn } from "./service";

export const readInstance: ReadFn = (filePath, data) => readDicomFile(filePath, data);
export const assignStudySequences: AssignFn = (series) => assignSequences(series);
