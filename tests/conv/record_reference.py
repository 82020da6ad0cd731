#!/usr/bin/python3
"""Writes tests/conv/reference/conv.json from torch 1.13 (run with Debian's /usr/bin/python3).

"ops": for each case, one sample's input x, the layer's weight and bias (if any) and an upstream
gradient g of the output's shape, drawn from a fixed seed in float32 (so that the float32 and float64
runs start from the same numbers); recorded per dtype: the output y = op(x) and the gradients of
sum(y * g) with respect to x, the weight and the bias. Pool cases draw small integers, so that
windows hold ties and the gradient must go to the first maximum in scan order, as torch's does.

"cnn": a small CNN on the 8x8 digits (tests/golden/data/digits_std.csv, the first ROWS rows),
Unflatten(1, (1, 8, 8)), Conv2d(1, 4, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(4, 5, 3), ReLU,
Flatten, Linear(20, 10); cross-entropy; Adam(lr=0.01); STEPS steps on consecutive batches of BATCH
rows; from torch's default init under a fixed seed. Recorded in float32 and float64: the initial
parameters, each step's loss, the final parameters.
"""
import csv
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference", "conv.json")
DIGITS = os.path.join(HERE, "..", "golden", "data", "digits_std.csv")
torch.set_num_threads(1)

# name: (kind, input shape, out_channels, kernel, stride, padding, dilation, bias)
CASES = {
    "conv2d": ("conv2d", (2, 6, 5), 3, 3, 1, 1, 1, True),
    "conv2d_strided_dilated": ("conv2d", (2, 7, 6), 2, 3, 2, 2, 2, False),
    "conv1d": ("conv1d", (2, 9), 3, 3, 2, 1, 1, True),
    "max_pool2d": ("max_pool2d", (2, 6, 5), None, 2, 2, 0, 1, False),
    "max_pool2d_overlapping": ("max_pool2d", (2, 6, 5), None, 3, 2, 1, 1, False),
    "avg_pool2d": ("avg_pool2d", (2, 6, 5), None, 2, 2, 0, 1, False),
    "avg_pool2d_overlapping": ("avg_pool2d", (2, 6, 5), None, 3, 2, 1, 1, False),
    "max_pool1d": ("max_pool1d", (2, 9), None, 3, 2, 1, 1, False),
    "avg_pool1d": ("avg_pool1d", (2, 9), None, 2, 2, 0, 1, False),
    "adaptive_avg_pool2d": ("adaptive_avg_pool2d", (3, 4, 5), None, 1, 1, 0, 1, False),
}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def apply(kind, x, w, b, k, s, p, d):
    if kind == "conv2d":
        return F.conv2d(x, w, b, stride=s, padding=p, dilation=d)
    if kind == "conv1d":
        return F.conv1d(x, w, b, stride=s, padding=p, dilation=d)
    if kind == "max_pool2d":
        return F.max_pool2d(x, k, s, p)
    if kind == "avg_pool2d":
        return F.avg_pool2d(x, k, s, p)
    if kind == "max_pool1d":
        return F.max_pool1d(x, k, s, p)
    if kind == "avg_pool1d":
        return F.avg_pool1d(x, k, s, p)
    return F.adaptive_avg_pool2d(x, 1)


def record_ops():
    gen = torch.Generator().manual_seed(13)
    out = {}
    for name, (kind, shape, oc, k, s, p, d, bias) in CASES.items():
        if "pool" in kind and "adaptive" not in kind and "avg" not in kind:
            x = torch.randint(0, 4, shape, generator=gen).float()
        else:
            x = torch.randn(shape, generator=gen).float()
        w = b = None
        if oc is not None:
            wshape = (oc, shape[0]) + (k,) * (len(shape) - 1)
            w = torch.randn(wshape, generator=gen).float()
            b = torch.randn((oc,), generator=gen).float() if bias else None
        y0 = apply(kind, x[None].double(), None if w is None else w.double(), None if b is None else b.double(), k, s,
                   p, d)
        g = torch.randn(y0.shape[1:], generator=gen).float()
        case = {"x": flat(x), "g": flat(g)}
        if w is not None:
            case["weight"] = flat(w)
        if b is not None:
            case["bias"] = flat(b)
        for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
            xd = x.to(dtype).clone().requires_grad_(True)
            wd = None if w is None else w.to(dtype).clone().requires_grad_(True)
            bd = None if b is None else b.to(dtype).clone().requires_grad_(True)
            y = apply(kind, xd[None], wd, bd, k, s, p, d)[0]
            (y * g.to(dtype)).sum().backward()
            rec = {"y": flat(y), "dx": flat(xd.grad)}
            if wd is not None:
                rec["dweight"] = flat(wd.grad)
            if bd is not None:
                rec["dbias"] = flat(bd.grad)
            case[key] = rec
        out[name] = case
    return out


ROWS, BATCH, STEPS = 256, 32, 24


def record_cnn():
    with open(DIGITS) as f:
        rows = list(csv.reader(f))
    body = rows[1 : 1 + ROWS]
    X = [[float(v) for v in r[:-1]] for r in body]
    y = [int(float(r[-1])) for r in body]
    torch.manual_seed(7)
    model = torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 8, 8)),
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 5, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(20, 10),
    )
    init = {n: flat(p) for n, p in model.named_parameters()}
    out = {"rows": ROWS, "batch": BATCH, "steps": STEPS, "lr": 0.01, "init": init}
    for dtype, key in ((torch.float64, "float64"), (torch.float32, "float32")):
        m = [torch.nn.Sequential(*model).to(dtype)][0]
        with torch.no_grad():
            for n, p in m.named_parameters():
                p.copy_(torch.tensor(init[n], dtype=torch.float64).reshape(p.shape).to(dtype))
        Xt = torch.tensor(X, dtype=torch.float32).to(dtype)
        yt = torch.tensor(y)
        opt = torch.optim.Adam(m.parameters(), lr=0.01)
        losses = []
        for step in range(STEPS):
            lo = (step * BATCH) % ROWS
            opt.zero_grad()
            loss = F.cross_entropy(m(Xt[lo : lo + BATCH]), yt[lo : lo + BATCH])
            loss.backward()
            losses.append(loss.item())
            opt.step()
        out[key] = {"losses": losses, "final": {n: flat(p) for n, p in m.named_parameters()}}
    return out


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "ops": record_ops(), "cnn": record_cnn()}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
