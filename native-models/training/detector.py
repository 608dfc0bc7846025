"""CenterNet-style 2D lesion detector (Zhou et al. 2019, "Objects as Points"), one per sequence.

The paper used CenterNet with a DLA34 backbone; this is a compact residual backbone with FPN-style
upsampling back to output stride 4, sized to train on a 2-core CPU (FIELD-NOTES). Heads: a
1-class centre heatmap (logits; the app applies the sigmoid, manifest heatmapActivation), size
(w, h in output cells) and sub-cell offset, as CenterNet's ctdet. Input [N, C, 128, 128].
"""
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import augment
import common

STRIDE = 4


def cbr(cin, cout, k=3, s=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.a = cbr(cin, cout, 3, stride)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.skip = (
            nn.Identity()
            if stride == 1 and cin == cout
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.skip(x))


class CenterNetSmall(nn.Module):
    """Widths w, 1.5w ... 4w at strides 2 ... 32; FPN sum back to stride 4 (width 2w... kept at
    w to halve the cost of the stride-4 layers, which dominate); one shared 3x3 conv feeds the
    three 1x1 heads. ~15 M multiply-adds per 128x128 slice at w = 8 (measured ~4x cheaper per
    step than a w = 16 version with separate 3x3 heads on this loaded 2-core machine)."""

    def __init__(self, in_channels, width=8):
        super().__init__()
        w = width
        self.stem = nn.Sequential(cbr(in_channels, w, 3, 2), cbr(w, 2 * w, 3, 2))  # /4
        self.l1 = Block(2 * w, 2 * w)  # /4
        self.l2 = Block(2 * w, 3 * w, 2)  # /8
        self.l3 = Block(3 * w, 4 * w, 2)  # /16
        self.l4 = Block(4 * w, 6 * w, 2)  # /32: a 4-px cell sees most of the liver
        f = 2 * w
        self.lat4 = nn.Conv2d(6 * w, f, 1)
        self.lat3 = nn.Conv2d(4 * w, f, 1)
        self.lat2 = nn.Conv2d(3 * w, f, 1)
        self.lat1 = nn.Conv2d(2 * w, f, 1)
        self.smooth = nn.Sequential(cbr(f, f), cbr(f, f))
        self.hm = nn.Conv2d(f, 1, 1)
        self.wh = nn.Conv2d(f, 2, 1)
        self.reg = nn.Conv2d(f, 2, 1)
        # CenterNet initializes the heatmap bias to -2.19 (prior 0.1) for a stable focal loss.
        nn.init.constant_(self.hm.bias, -2.19)

    def forward(self, x):
        c1 = self.l1(self.stem(x))
        c2 = self.l2(c1)
        c3 = self.l3(c2)
        c4 = self.l4(c3)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")
        p = self.lat4(c4)
        p = self.lat3(c3) + up(p)
        p = self.lat2(c2) + up(p)
        p = self.smooth(self.lat1(c1) + up(p))
        return self.hm(p), F.relu(self.wh(p)), torch.sigmoid(self.reg(p))


def gaussian_radius(h, w, min_overlap=0.7):
    """CenterNet's radius (in output cells) within which a corner shift keeps IoU >= min_overlap."""
    a1, b1, c1 = 1, h + w, w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + math.sqrt(b1**2 - 4 * a1 * c1)) / 2
    a2, b2, c2 = 4, 2 * (h + w), (1 - min_overlap) * w * h
    r2 = (b2 + math.sqrt(b2**2 - 4 * a2 * c2)) / 2
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (h + w), (min_overlap - 1) * w * h
    r3 = (b3 + math.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def targets(boxes_per_sample, out_h, out_w, max_objs=8):
    """Boxes in corner coordinates of the input grid -> heatmap [B,1,h,w], wh/reg [B,K,2],
    index [B,K], mask [B,K]. The decoder (electron/pipeline/localize.ts) reads a centre as
    (cell + offset) * stride in corner coordinates, size as w * stride."""
    b = len(boxes_per_sample)
    hm = np.zeros((b, 1, out_h, out_w), np.float32)
    wh = np.zeros((b, max_objs, 2), np.float32)
    reg = np.zeros((b, max_objs, 2), np.float32)
    ind = np.zeros((b, max_objs), np.int64)
    mask = np.zeros((b, max_objs), np.float32)
    ys, xs = np.mgrid[0:out_h, 0:out_w]
    for i, boxes in enumerate(boxes_per_sample):
        for k, (x0, y0, x1, y1) in enumerate(boxes[:max_objs]):
            cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE
            bw, bh = (x1 - x0) / STRIDE, (y1 - y0) / STRIDE
            ix, iy = min(int(cx), out_w - 1), min(int(cy), out_h - 1)
            r = max(0, int(gaussian_radius(math.ceil(bh), math.ceil(bw))))
            sigma = (2 * r + 1) / 6
            g = np.exp(-((xs - ix) ** 2 + (ys - iy) ** 2) / (2 * sigma**2))
            hm[i, 0] = np.maximum(hm[i, 0], g)
            hm[i, 0, iy, ix] = 1.0
            wh[i, k] = (bw, bh)
            reg[i, k] = (cx - ix, cy - iy)
            ind[i, k] = iy * out_w + ix
            mask[i, k] = 1
    return [torch.from_numpy(t) for t in (hm, wh, reg, ind, mask)]


def focal_loss(logits, gt):
    """CenterNet's penalty-reduced pixel-wise focal loss (alpha 2, beta 4), normalized by the
    number of objects in the batch (at least 1, so lesion-free slices still teach negatives)."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = torch.log(1 - p) * p**2 * (1 - gt) ** 4 * neg
    return -(pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


def gather(feat, ind):
    b, c = feat.shape[:2]
    f = feat.view(b, c, -1).permute(0, 2, 1)
    return f.gather(1, ind.unsqueeze(2).expand(-1, -1, c))


def reg_l1(pred, ind, mask, target):
    p = gather(pred, ind)
    m = mask.unsqueeze(2).expand_as(p)
    return F.l1_loss(p * m, target * m, reduction="sum") / (m.sum() + 1e-4)


def to_corner(box, index_coords):
    """Box from the export to corner coordinates (a pixel index i spans [i, i+1) in corners)."""
    if index_coords:
        x0, y0, x1, y1 = box
        return [x0 + 0.5, y0 + 0.5, x1 + 0.5, y1 + 0.5]
    return list(box)


def make_batch(x, records, idx, g, augmenting, index_coords, channel_drop_p=0.1, crop=None, rng=None,
               hard=None):
    """Slices idx (with their boxes in corner coordinates). With crop, a crop x crop window of each
    slice: the detector is fully convolutional, so it trains on 64x64 windows (4x cheaper per
    sample; measured) and runs on the whole 128x128 grid. Lesion slices get a window holding a
    random one of their lesions' centres; lesion-free slices a random window, or with hard[j] one
    holding a random one of the slice's distractors (its `negatives`: no target there)."""
    xb = torch.from_numpy(np.ascontiguousarray(x[np.sort(idx)]))
    order = np.argsort(np.argsort(idx))
    xb = xb[torch.from_numpy(order)]
    boxes = [[to_corner(b, index_coords) for b in records[i]["boxes"]] for i in idx]
    h, w = xb.shape[2:]
    if crop is not None and crop < min(h, w):
        out = torch.empty(xb.shape[0], xb.shape[1], crop, crop)
        cropped = []
        for j, bx in enumerate(boxes):
            centres = bx
            if not bx and hard is not None and hard[j]:
                centres = [to_corner(c, index_coords) for c in records[idx[j]].get("negatives", [])]
            if centres:
                b = centres[int(rng.integers(len(centres)))]
                cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
                m = crop // 8
                ox = int(np.clip(rng.integers(int(cx) - crop + m, int(cx) - m + 1), 0, w - crop))
                oy = int(np.clip(rng.integers(int(cy) - crop + m, int(cy) - m + 1), 0, h - crop))
            else:
                ox, oy = int(rng.integers(0, w - crop + 1)), int(rng.integers(0, h - crop + 1))
            out[j] = xb[j, :, oy : oy + crop, ox : ox + crop]
            kept = []
            for b in bx:
                cx, cy = (b[0] + b[2]) / 2 - ox, (b[1] + b[3]) / 2 - oy
                if 0 <= cx < crop and 0 <= cy < crop:
                    kept.append([b[0] - ox, b[1] - oy, b[2] - ox, b[3] - oy])
            cropped.append(kept)
        xb, boxes, h, w = out, cropped, crop, crop
    if augmenting:
        a = augment.random_affine(len(idx), g)
        xb = augment.warp(xb, a)
        boxes = [augment.warp_boxes(bx, a[i], w, h) for i, bx in enumerate(boxes)]
        xb = augment.site(xb, g)
        xb = augment.intensity(xb, g)
        xb = augment.channel_dropout(xb, g, channel_drop_p)
    return xb, boxes


def train(x, records, in_channels, steps, batch, seed, log, index_coords=True, width=8, lr=2e-3,
          pos_fraction=0.6, crop=64, pos_weighting="size", hard_negatives=0.0):
    """Trains one detector for a fixed number of steps (deterministic given seed). Batches mix
    lesion slices (pos_fraction) with lesion-free slices so that false positives are penalized;
    hard_negatives: the share of those lesion-free samples drawn among the slices with distractors
    (cysts, haemangioma-like lesions), windowed on one (round 10)."""
    dev = common.device()
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = CenterNetSmall(in_channels, width).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    pos = np.array([i for i, r in enumerate(records) if r["boxes"]])
    neg = np.array([i for i, r in enumerate(records) if not r["boxes"]])
    if len(pos) == 0:
        raise SystemExit("no lesion slices in the detector export")
    n_pos = max(1, int(round(batch * pos_fraction))) if len(neg) else batch
    hard_pool = np.array([i for i in neg if records[i].get("negatives")], dtype=np.int64)
    n_hard = int(round((batch - n_pos) * hard_negatives)) if len(hard_pool) else 0
    if hard_negatives > 0:
        log(f"hard negatives: {len(hard_pool)} lesion-free slices with distractors, {n_hard} per batch")
    # "size": lesion slices drawn with weight 1/sqrt(smallest box side in px). A small lesion spans
    # few slices and a heatmap peak of one output cell, so uniform sampling under-trains exactly the
    # lesions the detectors missed (validation cohort: localized 0.68 of studies whose lesions are
    # under 20 mm, 0.96-1.0 above).
    if pos_weighting == "size":
        side = np.array([min(min(b[2] - b[0], b[3] - b[1]) for b in records[i]["boxes"]) for i in pos])
        p_pos = 1 / np.sqrt(np.maximum(side.astype(np.float64), 2.0))
        p_pos /= p_pos.sum()
    else:
        p_pos = None
    if crop is None or crop >= min(x.shape[2], x.shape[3]):
        crop = None
    h = w = (crop or x.shape[2]) // STRIDE
    model.train()
    t0 = time.time()
    hist = []
    for step in range(steps):
        idx = np.concatenate(
            [rng.choice(pos, n_pos, p=p_pos), rng.choice(neg, batch - n_pos - n_hard) if len(neg) else [],
             rng.choice(hard_pool, n_hard) if n_hard else []]
        ).astype(np.int64)
        hard = np.arange(len(idx)) >= len(idx) - n_hard if n_hard else None
        xb, boxes = make_batch(x, records, idx, g, True, index_coords, crop=crop, rng=rng, hard=hard)
        hm, wh, reg, ind, mask = (t.to(dev) for t in targets(boxes, h, w))
        xb = xb.to(dev)
        out_hm, out_wh, out_reg = model(xb)
        l_hm = focal_loss(out_hm, hm)
        l_wh = reg_l1(out_wh, ind, mask, wh)
        l_off = reg_l1(out_reg, ind, mask, reg)
        loss = l_hm + 0.1 * l_wh + l_off  # CenterNet's weights
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        hist.append([l_hm.item(), l_wh.item(), l_off.item()])
        if (step + 1) % 25 == 0 or step == steps - 1:
            m = np.mean(hist[-25:], 0)
            log(f"step {step + 1}/{steps} hm {m[0]:.3f} wh {m[1]:.3f} off {m[2]:.3f} ({time.time() - t0:.0f} s)")
    model.cpu().eval()  # validation and ONNX export run on the CPU, as the app does
    return model, {"finalLoss": {"heatmap": float(np.mean([v[0] for v in hist[-50:]])),
                                 "size": float(np.mean([v[1] for v in hist[-50:]])),
                                 "offset": float(np.mean([v[2] for v in hist[-50:]]))},
                   "seconds": round(time.time() - t0, 1)}


@torch.no_grad()
def slice_recall(model, x, records, index_coords, threshold=0.5, max_n=400, seed=0):
    """Validation: of the lesion slices, the fraction with a peak >= threshold inside a truth box;
    of the lesion-free slices, the fraction with any peak >= threshold; over all of them, the peaks
    >= threshold outside every truth box per slice (the false positives the fusion has to outvote)."""
    rng = np.random.default_rng(seed)
    pos = [i for i, r in enumerate(records) if r["boxes"]]
    neg = [i for i, r in enumerate(records) if not r["boxes"]]
    pos = sorted(rng.choice(pos, min(max_n, len(pos)), replace=False).tolist()) if pos else []
    neg = sorted(rng.choice(neg, min(max_n, len(neg)), replace=False).tolist()) if neg else []
    hit = fp = false_peaks = 0
    for group, is_pos in ((pos, True), (neg, False)):
        for s in range(0, len(group), 32):
            idx = group[s : s + 32]
            hm, _, reg = model(torch.from_numpy(np.ascontiguousarray(x[idx])))
            p = torch.sigmoid(hm)
            peak = (p == F.max_pool2d(p, 3, 1, 1)) & (p >= threshold)
            for j, i in enumerate(idx):
                ys, xs = torch.nonzero(peak[j, 0], as_tuple=True)
                fp += int(not is_pos and len(ys) > 0)
                boxes = [to_corner(b, index_coords) for b in records[i]["boxes"]]
                found = False
                for yy, xx in zip(ys.tolist(), xs.tolist()):
                    cx = (xx + float(reg[j, 0, yy, xx])) * STRIDE
                    cy = (yy + float(reg[j, 1, yy, xx])) * STRIDE
                    if any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes):
                        found = True
                    else:
                        false_peaks += 1  # a peak outside every lesion box, on any slice
                hit += int(found)
    return {
        "lesionSliceRecall": round(hit / max(len(pos), 1), 4),
        "lesionFreeSliceFalsePositiveRate": round(fp / max(len(neg), 1), 4),
        "falsePeaksPerSlice": round(false_peaks / max(len(pos) + len(neg), 1), 4),
        "slices": {"lesion": len(pos), "lesionFree": len(neg)},
        "threshold": threshold,
    }
