// One error base for the whole application (STYLE.md 8). Each subclass has a stable code and a
// message a nurse or a site administrator can act on. Errors cross IPC and worker boundaries as
// {code, message}.

export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** A file that is not readable DICOM, or whose content contradicts its own header. */
export class DicomParseError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DICOM_PARSE", message, options);
  }
}

/** Readable DICOM whose pixel data this workstation cannot decode. */
export class UnsupportedTransferSyntaxError extends AppError {
  constructor(message: string) {
    super("UNSUPPORTED_TRANSFER_SYNTAX", message);
  }
}

/** A study that lacks one of the five sequences the CAD needs. */
export class SequenceMissingError extends AppError {
  constructor(message: string) {
    super("SEQUENCE_MISSING", message);
  }
}

/** A model folder whose manifest or files do not match (hash mismatch, missing file, bad shape). */
export class ModelIntegrityError extends AppError {
  constructor(message: string) {
    super("MODEL_INTEGRITY", message);
  }
}

/** The inference worker failed: no execution provider could load a model, a run failed, or the
 * worker process stopped. */
export class InferenceError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("INFERENCE", message, options);
  }
}

/** The registry cannot be opened or migrated (for example a database from a newer app). */
export class RegistryError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("REGISTRY", message, options);
  }
}

/** Bad command-line or API input. */
export class UsageError extends AppError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** Exhaustiveness check for switches over unions (Signal's missingCaseError). */
export function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An import that could not run or finish as a whole (bad input paths, the import worker died). */
export class ImportError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("IMPORT", message, options);
  }
}

/** An action the signed-in user's role does not allow (issue 13 §6); the message names the role
 * needed. */
export class PermissionError extends AppError {
  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

/** The site requires a sign-in and nobody is signed in, or a sign-in failed (issue 13 §6). */
export class SignInError extends AppError {
  constructor(message: string) {
    super("SIGN_IN", message);
  }
}

/** A study that a running job is working on (issue 13 §7: a deletion is refused, not raced). */
export class StudyBusyError extends AppError {
  constructor(message: string) {
    super("BUSY", message);
  }
}

/**
 * An export that cannot start or a file it cannot write: unknown study, nothing to export, an
 * unwritable folder, a stored object that no longer matches the registry, a value too long for
 * its DICOM VR.
 */
export class ExportError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("EXPORT", message, options);
  }
}
