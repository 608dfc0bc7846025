import { describe, expect, it } from "vitest";
import { dropoutMasks, seededRandom } from "../../electron/pipeline/random";

describe("seeded random stream", () => {
  it("fills dropout masks with exactly the draws one call per entry would give", () => {
    for (const seed of [0, 1, 7, 123456789]) {
      const single = seededRandom(seed);
      const bulk = seededRandom(seed);
      for (let i = 0; i < 100; i++) expect(bulk()).toBe(single());
      const masks = dropoutMasks(bulk, 10, 17, 0.2);
      const expected = Float32Array.from(masks, () => (single() < 0.2 ? 0 : 1 / 0.8));
      expect(masks).toEqual(expected);
      // The stream continues from the same state after a bulk fill.
      for (let i = 0; i < 100; i++) expect(bulk()).toBe(single());
    }
  });

  it("keeps every feature when p is 0", () => {
    expect(Array.from(dropoutMasks(seededRandom(3), 2, 3, 0))).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
