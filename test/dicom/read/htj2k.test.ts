// HTJ2K has no sample file: frames are encoded here with OpenJPH's own encoder (reversible
// path), wrapped in an Enhanced-MR-like multi-frame file, and must come back bit-exact.
import openjphFactory from "@cornerstonejs/codec-openjph/wasmjs";
import { describe, expect, it } from "vitest";
import { readDicomFile } from "../../../electron/dicom/read/index";
import { mrImage, u16le } from "./part10";

interface Encoder {
  getDecodedBuffer(info: Record<string, unknown>): Uint8Array;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

async function encodeHtj2k(values: number[], width: number, height: number, signed: boolean) {
  const module = (await openjphFactory({ print: () => undefined })) as unknown as {
    HTJ2KEncoder: new () => Encoder;
  };
  const encoder = new module.HTJ2KEncoder();
  try {
    const input = encoder.getDecodedBuffer({
      width,
      height,
      bitsPerSample: 16,
      componentCount: 1,
      isSigned: signed,
      isUsingColorTransform: false,
    });
    input.set(u16le(...values.map((v) => v & 0xffff)));
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}

describe("HTJ2K (OpenJPH)", () => {
  it("decodes two lossless frames exactly, unsigned and signed", async () => {
    const w = 16;
    const h = 8;
    for (const signed of [false, true]) {
      const frames = [0, 1].map((f) =>
        Array.from({ length: w * h }, (_, i) =>
          signed ? ((i * 37 + f * 11) % 4096) - 2048 : i * 31 + f,
        ),
      );
      const fragments = await Promise.all(frames.map((v) => encodeHtj2k(v, w, h, signed)));
      const file = mrImage(
        h,
        w,
        { fragments },
        [
          [0x00280008, "IS", "2"],
          [0x00280103, "US", u16le(signed ? 1 : 0)],
        ],
        {
          transferSyntax: "1.2.840.10008.1.2.4.201",
        },
      );
      const out = await readDicomFile("htj2k.dcm", file);
      expect(out.kind).toBe("instance");
      if (out.kind !== "instance") return;
      for (const f of [0, 1]) {
        expect(Array.from(await out.instance.decodeFrame(f))).toEqual(frames[f]);
      }
    }
  });
});
