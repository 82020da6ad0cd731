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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recording  # noqa: E402
from recording import load_golden, number, numbers  # noqa: E402

torch = recording.torch_or_skip("record_dropout.py")
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 15
P = (0.2, 0.5)
torch.set_num_threads(1)



def load_iris(dtype):
    return load_golden("iris_std.csv", dtype)


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
    recording.load_init(model, init, dtype)
    drawn = []
    if masks is None:
        def record(module, inputs, output):
            assert bool((inputs[0] != 0).all()), "a dropout's input is zero: its mask cannot be read"
            drawn[-1].append("".join("1" if v else "0" for v in (output != 0).reshape(-1).tolist()))
        for d in dropouts:
            d.register_forward_hook(record)
    x, y = load_iris(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    start = named(model, lambda p: p)
    model.train()

    def masks_of(step):
        if masks is None:
            drawn.append([])
        else:
            for d, m in zip(dropouts, masks[step]):
                d.mask = torch.tensor([int(c) for c in m], dtype=torch.float64).reshape(x.shape[0], 12)

    losses, first_grad = recording.cross_entropy_steps(model, opt, x, y, STEPS, masks_of)
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
    content = {"torch_version": torch.__version__, "data": "iris_std.csv", "trajectories": trajectories()}
    return recording.write_or_check({"dropout.json": content}, recording.folder_and_check(HERE))


if __name__ == "__main__":
    sys.exit(main())
