"""Augmentation for other scanners and sites (issue 5 §1), applied to whole batches in torch.

The app normalizes every volume by its 1st/99th percentiles (electron/pipeline/config.ts), which
already removes any gain and offset; what survives normalization across vendors and sites is a
different contrast curve (gamma), residual scale/offset from a different intensity histogram,
noise level, sharpness (reconstruction filter, slice thickness), patient orientation and field of
view (flips, small rotations and zoom) and, for the detectors, a poor or misregistered T2 channel
(channel dropout). Each is drawn per sample (per channel for intensities) from a seeded generator.
"""
import math

import torch
import torch.nn.functional as F


def intensity(x, g, gamma=(0.7, 1.45), scale=(0.85, 1.15), shift=0.06, noise=0.05, blur_p=0.3):
    """x [B, C, H, W] in ~[0, 1]: per-channel gamma, scale and shift, Gaussian noise, Gaussian blur."""
    b, c = x.shape[:2]
    lo, hi = math.log(gamma[0]), math.log(gamma[1])
    gm = torch.exp(torch.rand(b, c, 1, 1, generator=g) * (hi - lo) + lo)
    x = x.clamp(min=0) ** gm
    x = x * (torch.rand(b, c, 1, 1, generator=g) * (scale[1] - scale[0]) + scale[0])
    x = x + (torch.rand(b, c, 1, 1, generator=g) * 2 - 1) * shift
    blur = torch.rand(b, generator=g) < blur_p
    if blur.any():
        sigma = float(torch.rand(1, generator=g) * 0.8 + 0.4)
        k = torch.arange(-2, 3, dtype=torch.float32)
        k = torch.exp(-(k**2) / (2 * sigma**2))
        k = k / k.sum()
        xb = x[blur]
        n, cc, h, w = xb.shape
        xb = xb.reshape(n * cc, 1, h, w)
        xb = F.conv2d(F.pad(xb, (2, 2, 0, 0), mode="replicate"), k.view(1, 1, 1, 5))
        xb = F.conv2d(F.pad(xb, (0, 0, 2, 2), mode="replicate"), k.view(1, 1, 5, 1))
        x = x.clone()
        x[blur] = xb.reshape(n, cc, h, w)
    sd = torch.rand(b, 1, 1, 1, generator=g) * noise
    return x + torch.randn(x.shape, generator=g) * sd


def channel_dropout(x, g, p, keep_first=True):
    """Zeroes one channel (not channel 0 when keep_first) per sample with probability p."""
    b, c = x.shape[:2]
    if c < 2 and keep_first:
        return x
    x = x.clone()
    first = 1 if keep_first else 0
    drop = torch.rand(b, generator=g) < p
    which = torch.randint(first, c, (b,), generator=g)
    for i in torch.nonzero(drop).flatten().tolist():
        x[i, which[i]] = 0
    return x


def random_affine(b, g, rot_deg=10.0, zoom=(0.9, 1.1), shift=0.06, flip_p=0.3):
    """Per-sample 2x3 matrices A mapping output normalized coords to input normalized coords
    (F.affine_grid convention), with random rotation, isotropic zoom, shift and flips."""
    ang = (torch.rand(b, generator=g) * 2 - 1) * math.radians(rot_deg)
    z = torch.rand(b, generator=g) * (zoom[1] - zoom[0]) + zoom[0]
    fx = torch.where(torch.rand(b, generator=g) < flip_p, -1.0, 1.0)
    fy = torch.where(torch.rand(b, generator=g) < flip_p, -1.0, 1.0)
    t = (torch.rand(b, 2, generator=g) * 2 - 1) * shift
    cos, sin = torch.cos(ang) / z, torch.sin(ang) / z
    a = torch.zeros(b, 2, 3)
    a[:, 0, 0] = cos * fx
    a[:, 0, 1] = -sin * fy
    a[:, 1, 0] = sin * fx
    a[:, 1, 1] = cos * fy
    a[:, :, 2] = t
    return a


def warp(x, a):
    grid = F.affine_grid(a, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def warp_boxes(boxes, a, w, h):
    """Boxes [[x0, y0, x1, y1]] in corner coordinates (0..W) of the input, to the warped output:
    the four corners go through the inverse map and the result is their bounding box, clipped."""
    if len(boxes) == 0:
        return []
    m = torch.cat([a, torch.tensor([[0.0, 0.0, 1.0]])], 0)
    inv = torch.linalg.inv(m)
    out = []
    for x0, y0, x1, y1 in boxes:
        pts = torch.tensor([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], dtype=torch.float32)
        nx = pts[:, 0] / w * 2 - 1
        ny = pts[:, 1] / h * 2 - 1
        q = inv @ torch.stack([nx, ny, torch.ones(4)])
        px = (q[0] + 1) / 2 * w
        py = (q[1] + 1) / 2 * h
        bx0, bx1 = float(px.min().clamp(0, w)), float(px.max().clamp(0, w))
        by0, by1 = float(py.min().clamp(0, h)), float(py.max().clamp(0, h))
        # A rotated box's bounding box grows by up to |sin|+|cos|; shrink it back halfway so that
        # the target stays close to what the truth boxes of a rotated scan would be.
        cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
        s = float(abs(a[0, 0]) + abs(a[0, 1])) / max(float((a[0, 0] ** 2 + a[0, 1] ** 2).sqrt()), 1e-6)
        k = 1 / (1 + (s - 1) / 2)
        hw, hh = (bx1 - bx0) / 2 * k, (by1 - by0) / 2 * k
        if bx1 - bx0 >= 1 and by1 - by0 >= 1 and 0 < cx < w and 0 < cy < h:
            out.append([cx - hw, cy - hh, cx + hw, cy + hh])
    return out


def site(x, g, res_p=0.3, curve_p=0.3):
    """What the phantom generator does not vary (issue 11 §2), per sample: resolution (down-sample
    by 1.5-3x and back: a coarser matrix or a thicker slice's in-plane partial volume) and a random
    monotone intensity curve per channel (piecewise linear through 4 increasing knots: another
    scanner's histogram), which keeps each channel's order of tissues, so a lesion's brightness
    relative to the liver, the class cue, survives."""
    b, c, h, w = x.shape
    x = x.clone()
    low = torch.rand(b, generator=g) < res_p
    for i in torch.nonzero(low).flatten().tolist():
        f = float(torch.rand(1, generator=g) * 1.5 + 1.5)
        small = F.interpolate(x[i : i + 1], size=(max(4, int(h / f)), max(4, int(w / f))), mode="bilinear", align_corners=False)
        x[i : i + 1] = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    curved = torch.rand(b, generator=g) < curve_p
    for i in torch.nonzero(curved).flatten().tolist():
        for ch in range(c):
            knots = torch.sort(torch.rand(3, generator=g)).values
            ys = torch.cat([torch.zeros(1), knots, torch.ones(1)])
            v = x[i, ch].clamp(0, 1.5)
            k = (v.clamp(0, 1) * 4).floor().clamp(max=3).long()
            t = v.clamp(0, 1) * 4 - k
            mapped = ys[k] + (ys[k + 1] - ys[k]) * t
            x[i, ch] = torch.where(v > 1, mapped + (v - 1), mapped)
    return x
