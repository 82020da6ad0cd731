#!/usr/bin/python3
"""Records torch 1.13's dropout in training (Debian's python3-torch, /usr/bin/python3), which
replay_test.cpp replays. Usage:

    record_dropout.py [--check] [folder]   (default: this script's folder)

writes dropout.json, or with --check compares with the committed file (exit 1 on a difference, 77
without torch):

trajectories: Sequential(Linear(4, 12), Tanh(), Dropout(0.2), Linear(12, 12), Tanh(), Dropout(0.5),
  Linear(12, 3)) on tests/golden/data/iris_std.csv, F.cross_entropy over the whole set in training
  mode, Adam(lr=0.05), STEPS steps of zero_grad / backward / step in float32: initial parameters, the
  loss of every step, the gradient of the first step, the final parameters, and the masks torch's
  dropouts drew at every step (read from their outputs: an element is kept where it is not zero; no
  input of a dropout is zero), one string of '0'/'1' per step and dropout, row-major [rows][width].
  The float64 run applies the same masks (x * mask / (1 - p), torch's arithmetic) and sets the
  tolerances as record_torch.py's: rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D * 1e-3), D the
  float64 run's largest deviation from the float32 one relative to max(|x|, 1e-3). Also the
  evaluation loss (model.eval()) of the final parameters.

float32 numbers are written with 9 significant digits (they read back to the same float).
"""
import json
import os
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("record_dropout.py: no torch (python3-torch): skipped")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "golden", "data", "iris_std.csv")
STEPS = 15
P = (0.2, 0.5)
torch.set_num_threads(1)


def number(v, dtype):
    return float("%.9g" % v) if dtype == torch.float32 else v


def numbers(t):
    return [number(v, t.dtype) for v in t.detach().reshape(-1).tolist()]


def load_iris(dtype):
    with open(DATA) as f:
        next(f)
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    x = torch.tensor([r[:-1] for r in rows], dtype=torch.float32).to(dtype)
    y = torch.tensor([int(r[-1]) for r in rows], dtype=torch.long)
    return x, y


class Replayed(torch.nn.Module):
    """A dropout that applies given masks, as torch's CPU kernel: x * (mask / (1 - p))."""

    def __init__(self, p):
        super().__init__()
        self.p, self.mask = p, None

    def forward(self, x):
        return x * (self.mask.to(x.dtype) / (1 - self.p))


def model_of(seed, dropouts):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 12), torch.nn.Tanh(), dropouts[0], torch.nn.Linear(12, 12),
                               torch.nn.Tanh(), dropouts[1], torch.nn.Linear(12, 3))


def named(model, what):
    return {n: numbers(what(p)) for n, p in model.named_parameters()}


def train(seed, dtype, masks=None, init=None):
    dropouts = [torch.nn.Dropout(p) for p in P] if masks is None else [Replayed(p) for p in P]
    model = model_of(seed, dropouts).to(dtype)
    if init is not None:
        with torch.no_grad():
            for n, p in model.named_parameters():
                p.copy_(torch.tensor(init[n], dtype=dtype).reshape(p.shape))
    drawn = []
    if masks is None:
        def record(module, inputs, output):
            assert bool((inputs[0] != 0).all()), "a dropout's input is zero: its mask cannot be read"
            drawn[-1].append("".join("1" if v else "0" for v in (output != 0).reshape(-1).tolist()))
        for d in dropouts:
            d.register_forward_hook(record)
    x, y = load_iris(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses, first_grad = [], None
    start = named(model, lambda p: p)
    model.train()
    for step in range(STEPS):
        if masks is None:
            drawn.append([])
        else:
            for d, m in zip(dropouts, masks[step]):
                d.mask = torch.tensor([int(c) for c in m], dtype=torch.float64).reshape(x.shape[0], 12)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            first_grad = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        opt.step()
    final = {n: p.detach().clone() for n, p in model.named_parameters()}
    model.eval()
    with torch.no_grad():
        eval_loss = F.cross_entropy(model(x), y).item() if masks is None else None
    return start, losses, first_grad, final, drawn, eval_loss


def deviation(a, b):
    a = torch.as_tensor(a, dtype=torch.float64).reshape(-1)
    b = torch.as_tensor(b, dtype=torch.float64).reshape(-1)
    return float(((a - b).abs() / torch.clamp(b.abs(), min=1e-3)).max())


def trajectories():
    seed = 50
    init, losses, grad, final, masks, eval_loss = train(seed, torch.float32)
    _, losses64, grad64, final64, _, _ = train(seed, torch.float64, masks, init)
    d = deviation(losses, losses64)
    for n in grad:
        d = max(d, deviation(grad[n], grad64[n]), deviation(final[n], final64[n]))
    return [{
        "name": "dropout_mlp", "seed": seed, "steps": STEPS, "lr": 0.05, "p": list(P), "width": 12,
        "init": init, "loss_history": [number(v, torch.float32) for v in losses],
        "grad_first_step": {n: numbers(g) for n, g in grad.items()},
        "final_params": {n: numbers(p) for n, p in final.items()},
        "eval_loss": number(eval_loss, torch.float32), "masks": masks,
        "rtol": float("%.2g" % max(1e-5, 10 * d)), "atol": float("%.2g" % max(1e-6, 10 * d * 1e-3)),
    }]


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    folder = args[0] if args else HERE
    content = {"torch_version": torch.__version__, "data": "iris_std.csv", "trajectories": trajectories()}
    text = json.dumps(content, separators=(",", ":")) + "\n"
    path = os.path.join(folder, "dropout.json")
    if check:
        with open(path) as f:
            same = f.read() == text
        print(("same: " if same else "DIFFERS: ") + path)
        return 0 if same else 1
    with open(path, "w") as f:
        f.write(text)
    print("wrote " + path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
