// What the receiver accepts in association negotiation (PS3.7 D.3.3.2, PS3.8 9.3.2.2): the MR
// storage SOP classes the reader imports, the result objects (SR, presentation states, SEG, KOS)
// that other workstations and our own results send back, and Verification. Transfer syntaxes are
// exactly those whose pixels the reader decodes (dicom/read/transfer-syntax.ts), so what is
// accepted over the network is what a folder import would import.
import { MR_IMAGE_SOP_CLASSES } from "../../dicom/read/header";
import { knownTransferSyntaxes } from "../../dicom/read/transfer-syntax";

export const VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";

/** Non-image objects kept as files beside the study (PS3.4 Annex B.5, Table B.5-1). */
export const RESULT_SOP_CLASSES: Record<string, string> = {
  "1.2.840.10008.5.1.4.1.1.88.11": "Basic Text SR Storage",
  "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR Storage",
  "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR Storage",
  "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR Storage",
  "1.2.840.10008.5.1.4.1.1.88.59": "Key Object Selection Document Storage",
  "1.2.840.10008.5.1.4.1.1.11.1": "Grayscale Softcopy Presentation State Storage",
  "1.2.840.10008.5.1.4.1.1.11.2": "Color Softcopy Presentation State Storage",
  "1.2.840.10008.5.1.4.1.1.66.4": "Segmentation Storage",
};

export const STORAGE_SOP_CLASSES: Record<string, string> = {
  ...MR_IMAGE_SOP_CLASSES,
  ...RESULT_SOP_CLASSES,
};

export function isMrImageClass(uid: string): boolean {
  return MR_IMAGE_SOP_CLASSES[uid] !== undefined;
}

export function isStorageClass(uid: string): boolean {
  return STORAGE_SOP_CLASSES[uid] !== undefined;
}

/** Transfer syntaxes the receiver accepts: every one the reader can decode. */
export const ACCEPTED_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set(
  knownTransferSyntaxes()
    .filter((t) => t.codec !== "none")
    .map((t) => t.uid),
);

/** Verification is negotiated with the default syntax only (PS3.4 A.4). */
export const IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
export const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";

export type ContextAnswer =
  { accept: string } | { reject: "abstract-syntax" | "transfer-syntaxes" };

/**
 * The receiver's answer to one proposed presentation context: Verification in uncompressed
 * Little Endian; a storage SOP class in any syntax the reader decodes; a Query/Retrieve model
 * (`qrAccepts`) in uncompressed Little Endian, its identifiers being small. The first acceptable
 * syntax in the proposer's order wins, that order being its preference (PS3.8 9.3.2.2).
 */
export function negotiateContext(
  abstractSyntax: string,
  proposed: readonly string[],
  qrAccepts: (sopClassUid: string) => boolean,
): ContextAnswer {
  const uncompressed = (t: string) =>
    t === IMPLICIT_VR_LITTLE_ENDIAN || t === EXPLICIT_VR_LITTLE_ENDIAN;
  let acceptable: (t: string) => boolean;
  if (abstractSyntax === VERIFICATION_SOP_CLASS) acceptable = uncompressed;
  else if (STORAGE_SOP_CLASSES[abstractSyntax] !== undefined) {
    acceptable = (t) => ACCEPTED_TRANSFER_SYNTAXES.has(t);
  } else if (qrAccepts(abstractSyntax)) acceptable = uncompressed;
  else return { reject: "abstract-syntax" };
  const ts = proposed.find(acceptable);
  return ts ? { accept: ts } : { reject: "transfer-syntaxes" };
}
