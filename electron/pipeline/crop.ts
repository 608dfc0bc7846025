// Stage 4, crop. In: the kept ROIs (patient-space centres and sizes), the normalized volumes.
// Out: [R, 5, S, S] classifier input, the five sequences sampled on each ROI's plane.
import type { SequenceId } from "../contract/domain";
import type { VolumeGeometry } from "../contract/volume";
import { gridTransform } from "../contract/geometry";
import { samplePlane } from "../dicom/resample";
import type { PipelineConfig } from "./config";
import type { StudyVolumes } from "./prepare";
import type { Roi, Tensor } from "./types";

/**
 * Paper, "Lesion Characterization": "all five MRI sequences are concatenated into five channels".
 * Each channel is sampled through patient coordinates on the same plane (the reference frame's
 * row and column directions through the ROI centre), so the five channels show the same tissue
 * even when the series differ in matrix, spacing, slice positions or orientation. The patch is
 * square, side = max(cropMinMm, cropMargin x the ROI's larger side), so the lesion and a rim of
 * liver around it are in view; `channels` is the classifier manifest's channel order.
 */
export function crop(
  rois: Roi[],
  volumes: StudyVolumes,
  reference: VolumeGeometry,
  channels: readonly SequenceId[],
  config: Pick<PipelineConfig, "cropSize" | "cropMargin" | "cropMinMm">,
): Tensor {
  const S = config.cropSize;
  const plane = S * S;
  const data = new Float32Array(rois.length * channels.length * plane);
  const t = gridTransform(reference);
  rois.forEach((roi, r) => {
    const side = cropSideMm(roi, config);
    channels.forEach((seq, c) => {
      const out = data.subarray(
        (r * channels.length + c) * plane,
        (r * channels.length + c + 1) * plane,
      );
      samplePlane(
        volumes[seq],
        { centre: roi.centerMm, uAxis: t.r, vAxis: t.c, pixelSize: side / S, width: S, height: S },
        0,
        out,
      );
    });
  });
  return { dims: [rois.length, channels.length, S, S], data };
}

export function cropSideMm(
  roi: Pick<Roi, "widthMm" | "heightMm">,
  config: Pick<PipelineConfig, "cropMargin" | "cropMinMm">,
): number {
  return Math.max(config.cropMinMm, config.cropMargin * Math.max(roi.widthMm, roi.heightMm));
}
