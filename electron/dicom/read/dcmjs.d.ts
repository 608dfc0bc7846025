// The slice of dcmjs 0.52 (which ships no types) that the reader uses.
declare module "dcmjs" {
  interface DcmjsDict {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
  }
  interface DcmjsReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
  }
  const dcmjs: {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: DcmjsReadOptions): DcmjsDict };
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown>;
      };
    };
    log: {
      setLevel(level: string): void;
      getLogger(name: string): { setLevel(level: string): void };
    };
  };
  export default dcmjs;
}
