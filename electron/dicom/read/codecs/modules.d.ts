// The parts of the pixel codec packages (which ship no types) that codecs/*.ts use.
declare module "@cornerstonejs/codec-*" {
  interface FrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  }
  interface WasmDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    decode(): void;
    getFrameInfo(): FrameInfo;
    delete(): void;
  }
  interface WasmModule {
    [decoderClass: string]: new () => WasmDecoder;
  }
  const factory: (options?: Record<string, unknown>) => Promise<WasmModule>;
  export default factory;
}

declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    decode(
      buffer: ArrayBufferLike,
      offset: number,
      length: number,
      numBytes: number,
    ): Uint8Array | Uint16Array;
  }
}
