"""DenseNet-style ROI classifier (paper, "Lesion Characterization": DenseNet121 on five-channel
ROIs, dropout 0.2 before the final FC, Monte-Carlo dropout at inference).

Compact: a stride-2 stem, three dense blocks (growth 12, bottleneck 1x1 -> 3x3, as DenseNet-BC)
joined by transitions (BN-ReLU-1x1 conv, compression 0.5, 2x2 average pooling), then BN-ReLU and
global average pooling to the feature vector. It is split for export (electron/pipeline/classify.ts):
the backbone (crops -> features) runs once per ROI, the head (features * mask -> FC -> logits) runs
T times with dropout masks drawn in TypeScript. In training the mask is torch's inverted dropout
(0 with probability p, else 1/(1-p)), exactly what the app draws.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import augment
import common


class DenseLayer(nn.Module):
    def __init__(self, cin, growth, bottleneck=4):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, bottleneck * growth, 1, bias=False),
            nn.BatchNorm2d(bottleneck * growth), nn.ReLU(inplace=True),
            nn.Conv2d(bottleneck * growth, growth, 3, 1, 1, bias=False),
        )

    def forward(self, x):
        return torch.cat([x, self.net(x)], 1)


def dense_block(cin, layers, growth):
    mods = []
    for i in range(layers):
        mods.append(DenseLayer(cin + i * growth, growth))
    return nn.Sequential(*mods), cin + layers * growth


def transition(cin, cout):
    return nn.Sequential(
        nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, cout, 1, bias=False), nn.AvgPool2d(2)
    )


class RingLogRatio(nn.Module):
    """Each channel of a crop as its log ratio to the median of the crop's outer ring.

    The phantom (electron/phantom/lesion-signal.ts), LI-RADS and the radiologist read a lesion by
    its signal relative to the liver around it in each phase (hyper-enhancing, washout, T2-bright),
    while the liver's own signal after the per-volume percentile normalization moves with every
    scanner, protocol and body (the randomized family draws it freely). The outer ring of a crop
    (side = 1.5 x the ROI, at least 24 mm) is mostly that liver, so log(x + eps) - median over the
    ring of log(x + eps) makes the class cue an additive, scanner-independent quantity. It is part
    of the network (ONNX Gather + TopK), so the app's crops and this transform cannot drift apart.
    With `keep_raw` the normalized crop is passed along as well (2 x channels).
    """

    def __init__(self, size, border=4, eps=0.02, clip=3.0, keep_raw=False):
        super().__init__()
        ring = torch.ones(size, size, dtype=torch.bool)
        ring[border:size - border, border:size - border] = False
        self.register_buffer("ring", torch.nonzero(ring.flatten()).flatten(), persistent=False)
        self.k = int(ring.sum().item()) // 2  # the upper median: the k-th largest of an even count
        self.eps = eps
        self.clip = clip
        self.keep_raw = keep_raw

    def forward(self, x):
        lx = torch.log(torch.clamp(x, min=0.0) + self.eps)
        ring = torch.index_select(lx.flatten(2), 2, self.ring)
        median = torch.topk(ring, self.k, dim=2).values[:, :, -1:]
        r = torch.clamp(lx - median.unsqueeze(-1), -self.clip, self.clip)
        return torch.cat([r, x], 1) if self.keep_raw else r


INPUT_NORMS = ("none", "ring-log", "ring-log+raw")


class DenseNetBackbone(nn.Module):
    def __init__(self, in_channels=5, growth=12, blocks=(4, 4, 4), stem=24, feature_norm="none",
                 input_norm="none", crop_size=64):
        super().__init__()
        self.feature_norm = feature_norm
        self.input_norm = input_norm
        self.norm = None
        if input_norm != "none":
            self.norm = RingLogRatio(crop_size, keep_raw=input_norm == "ring-log+raw")
            in_channels *= 2 if input_norm == "ring-log+raw" else 1
        # DenseNet's stem is conv stride 2 + pool (224 -> 56); here 64 -> 32 -> 16, so the dense
        # blocks run at 16, 8 and 4 px (measured ~4x cheaper per step than blocks from 32 px).
        mods = [nn.Conv2d(in_channels, stem, 3, 2, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True),
                nn.AvgPool2d(2)]
        c = stem
        for i, n in enumerate(blocks):
            block, c = dense_block(c, n, growth)
            mods.append(block)
            if i < len(blocks) - 1:
                mods.append(transition(c, c // 2))
                c = c // 2
        mods += [nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*mods)
        self.feature_size = c

    def forward(self, x):
        if self.norm is not None:
            x = self.norm(x)
        f = F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        if self.feature_norm == "l2":
            # Unit-length features scaled to sqrt(size): the dropout head then sees the same feature
            # energy for every ROI, so the Monte-Carlo variance reflects how the class evidence is
            # spread over the features rather than how strongly the crop activates them overall.
            f = F.normalize(f, dim=1, eps=1e-6) * float(self.feature_size) ** 0.5
        return f


class Head(nn.Module):
    """logits = FC(features * mask): the dropout before the last FC with the mask as an input."""

    def __init__(self, features, classes=3):
        super().__init__()
        self.fc = nn.Linear(features, classes)

    def forward(self, features, mask):
        return self.fc(features * mask)


def dropout_mask(shape, p, g):
    keep = (torch.rand(shape, generator=g) >= p).float()
    return keep / (1 - p)


# "full" perturbs each channel's contrast as much as the detectors' recipe; "light" keeps the
# geometric part and only mild per-channel contrast changes, because the class is read from the
# lesion's enhancement relative to liver across the five channels (paper, Table 2 / LI-RADS), which
# strong per-channel gamma/scale/dropout partly erase (measured: after 250 steps, validation ROI
# accuracy 0.67 without intensity augmentation while "full" still trained at 0.55 after 400).
AUGMENT = {
    "full": dict(intensity=dict(), channel_drop=0.15),
    "light": dict(intensity=dict(gamma=(0.85, 1.18), scale=(0.95, 1.05), shift=0.02, noise=0.03, blur_p=0.2),
                  channel_drop=0.0),
}


def make_batch(x, idx, g, augmenting, aug="full"):
    order = np.sort(idx)
    xb = torch.from_numpy(np.ascontiguousarray(x[order]))
    xb = xb[torch.from_numpy(np.argsort(np.argsort(idx)))]
    if augmenting:
        spec = AUGMENT[aug]
        a = augment.random_affine(len(idx), g, rot_deg=15.0, zoom=(0.85, 1.15), shift=0.05, flip_p=0.5)
        xb = augment.warp(xb, a)
        xb = augment.site(xb, g)
        xb = augment.intensity(xb, g, **spec["intensity"])
        if spec["channel_drop"] > 0:
            xb = augment.channel_dropout(xb, g, spec["channel_drop"], keep_first=False)
    return xb


def train(x, y, steps, batch, seed, log, p=0.2, lr=3e-3, growth=12, blocks=(4, 4, 4), classes=3, aug="full",
          label_smoothing=0.05, feature_norm="none", input_norm="none"):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    dev = common.device()
    backbone = DenseNetBackbone(x.shape[1], growth, blocks, feature_norm=feature_norm, input_norm=input_norm,
                                crop_size=x.shape[2]).to(dev)
    head = Head(backbone.feature_size, classes).to(dev)
    params = list(backbone.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    y = np.asarray(y)
    # Class-balanced sampling: the cohort follows the paper's mix (HCC 52%, ICC 21%, met 27%) and
    # mean F1 weighs the classes equally.
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    w = 1 / counts[y]
    w /= w.sum()
    backbone.train()
    head.train()
    t0 = time.time()
    hist = []
    for step in range(steps):
        idx = rng.choice(len(y), batch, p=w)
        # Batches, augmentation and dropout masks are drawn on the CPU from the seeded generators
        # (the same draws with or without a GPU); only the network runs on the device.
        xb = make_batch(x, idx, g, True, aug).to(dev)
        yb = torch.from_numpy(y[idx]).long().to(dev)
        f = backbone(xb)
        logits = head(f, dropout_mask(f.shape, p, g).to(dev))
        loss = F.cross_entropy(logits, yb, label_smoothing=label_smoothing)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        hist.append([loss.item(), (logits.argmax(1) == yb).float().mean().item()])
        if (step + 1) % 25 == 0 or step == steps - 1:
            m = np.mean(hist[-25:], 0)
            log(f"step {step + 1}/{steps} loss {m[0]:.3f} acc {m[1]:.3f} ({time.time() - t0:.0f} s)")
    backbone.cpu().eval()  # validation and ONNX export run on the CPU, as the app does
    head.cpu().eval()
    return backbone, head, {"finalLoss": float(np.mean([v[0] for v in hist[-50:]])),
                            "seconds": round(time.time() - t0, 1)}


@torch.no_grad()
def evaluate(backbone, head, x, y, classes=3):
    """ROI-level accuracy and per-class F1 without dropout (mask of ones)."""
    preds = []
    for s in range(0, len(y), 64):
        xb = torch.from_numpy(np.ascontiguousarray(x[s : s + 64]))
        f = backbone(xb)
        preds.append(head(f, torch.ones_like(f)).argmax(1).numpy())
    pred = np.concatenate(preds) if preds else np.zeros(0, np.int64)
    y = np.asarray(y)
    f1 = []
    for c in range(classes):
        tp = int(((pred == c) & (y == c)).sum())
        fp = int(((pred == c) & (y != c)).sum())
        fn = int(((pred != c) & (y == c)).sum())
        f1.append(2 * tp / max(2 * tp + fp + fn, 1))
    return {"roiAccuracy": round(float((pred == y).mean()) if len(y) else 0.0, 4),
            "roiF1": [round(v, 4) for v in f1], "rois": int(len(y))}
