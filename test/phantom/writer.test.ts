// The per-series header template must write exactly what dcmjs writes image by image.
import { describe, expect, it } from "vitest";
import { encodeInstance, SeriesWriter } from "../../electron/phantom/dicom-writer";
import { planCohort } from "../../electron/phantom/plan";

describe("SeriesWriter (seed writer-1, small preset)", () => {
  const study = planCohort({ seed: "writer-1", studies: 1, preset: "small" })[0]!;

  it.each(["T1_arterial", "DWI", "localizer"])("matches the full dcmjs encoding for %s", (kind) => {
    const series = study.series.find((s) => s.kind === kind)!;
    const writer = new SeriesWriter(study, series);
    for (let k = 0; k < series.slices.length; k++) {
      const px = new Uint16Array(series.matrix * series.matrix).map((_, i) => (i * 31 + k) & 0xfff);
      const fast = Buffer.from(writer.write(k, px));
      expect(fast.equals(Buffer.from(encodeInstance(study, series, k, px))), `slice ${k}`).toBe(
        true,
      );
    }
  });
});
