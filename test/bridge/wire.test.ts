import { describe, expect, it } from "vitest";
import { decodeWire, encodeWire } from "../../electron/bridge/wire";

describe("bridge wire format", () => {
  it("round-trips JSON with typed arrays carried as aligned raw bytes", () => {
    const pixels = Float32Array.from([0, 1.5, -2, 3e6, Number.NaN]);
    const value = { ok: true, value: { rows: 1, pixels, ids: new Int16Array([1, -2, 3]), s: "é" } };
    const bytes = encodeWire(value);
    // 4 bytes per pixel after the header, not decimal text.
    expect(bytes.length).toBeLessThan(200);
    const back = decodeWire(bytes.slice().buffer) as typeof value;
    expect(back.value.pixels).toBeInstanceOf(Float32Array);
    expect(Array.from(back.value.pixels)).toEqual(Array.from(pixels));
    expect(Array.from(back.value.ids)).toEqual([1, -2, 3]);
    expect(back.value.s).toBe("é");
  });

  it("refuses truncated bodies", () => {
    const bytes = encodeWire({ a: new Float32Array(16) });
    expect(() => decodeWire(bytes.slice(0, bytes.length - 8).buffer)).toThrow(/past the end/);
    expect(() => decodeWire(new Uint8Array(2).buffer)).toThrow(/shorter/);
  });
});
