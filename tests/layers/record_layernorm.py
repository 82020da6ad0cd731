#!/usr/bin/python3
"""Records torch 1.13's layer normalisation (Debian's python3-torch, /usr/bin/python3), which
layernorm_test.cpp replays. Usage:

    record_layernorm.py [--check] [folder]   (default: this script's folder)

writes layernorm.json, or with --check compares with the committed file (exit 1 on a difference, 77
without torch):

values: for each case (an input shape, a normalized_shape of its trailing dimensions, eps,
  elementwise_affine) and each dtype (float32, float64): one sample x (float32 values, the same in
  both dtypes; a constant one, one far from 0), weight and bias, a vector c, y =
  F.layer_norm(x, normalized_shape, weight, bias, eps) and the gradients of sum(y * c) with respect
  to x, weight and bias, by torch's autograd.

trajectories: Sequential(Linear(4, 8), LayerNorm(8, ...), Tanh(), Linear(8, 3)) on
  tests/golden/data/iris_std.csv, F.cross_entropy over the whole set, Adam(lr=0.05), STEPS steps of
  zero_grad / backward / step in float32: initial parameters (torch's: LayerNorm's weight 1, bias 0),
  the loss of every step, the gradient of the first step and the final parameters. Tolerances as
  record_torch.py's: rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D * 1e-3), D the float64 run's
  largest deviation from the float32 one relative to max(|x|, 1e-3).

Non-finite numbers are written as the strings "nan", "inf", "-inf"; float32 numbers with 9
significant digits (they read back to the same float).
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recording  # noqa: E402
from recording import load_golden, number, numbers  # noqa: E402

torch = recording.torch_or_skip("record_layernorm.py")
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 25
torch.set_num_threads(1)

# name: (input shape, normalized_shape, eps, elementwise_affine, kind of x)
CASES = {
    "vector": ((8,), (8,), 1e-5, True, "random"),
    "channels": ((3, 5), (5,), 1e-5, True, "random"),
    "whole": ((2, 3), (2, 3), 1e-5, True, "random"),
    "no_affine": ((6,), (6,), 1e-3, False, "random"),
    "constant": ((4,), (4,), 1e-5, True, "constant"),
    "offset": ((7,), (7,), 1e-5, True, "offset"),
}
# Trajectory cases: name: (eps, elementwise_affine).
TRAJECTORIES = {"layernorm": (1e-5, True), "layernorm_no_affine": (1e-3, False)}



def sample(kind, shape, gen):
    n = math.prod(shape)
    if kind == "constant":
        x = torch.full((n,), 0.7)
    elif kind == "offset":
        x = 1000.0 + torch.rand(n, generator=gen) * 0.01
    else:
        x = torch.randn(n, generator=gen) * 1.5 + 0.3
    return x.to(torch.float32).reshape(shape)


def values():
    out = []
    gen = torch.Generator().manual_seed(7)
    inputs = {}
    for name, (shape, norm, eps, affine, kind) in CASES.items():
        x = sample(kind, shape, gen)
        w = (torch.rand(norm, generator=gen) + 0.5).to(torch.float32)
        b = (torch.randn(norm, generator=gen) * 0.5).to(torch.float32)
        c = torch.randn(shape, generator=gen).to(torch.float32)
        inputs[name] = (x, w, b, c)
    for dtype in (torch.float32, torch.float64):
        for name, (shape, norm, eps, affine, kind) in CASES.items():
            x, w, b, c = (t.to(dtype) for t in inputs[name])
            x = x.clone().requires_grad_(True)
            w = w.clone().requires_grad_(True)
            b = b.clone().requires_grad_(True)
            y = F.layer_norm(x, norm, w if affine else None, b if affine else None, eps)
            grads = torch.autograd.grad((y * c).sum(), [x, w, b] if affine else [x])
            case = {"name": name, "dtype": str(dtype)[6:], "shape": list(shape), "normalized_shape": list(norm),
                    "eps": eps, "elementwise_affine": affine, "x": numbers(x), "c": numbers(c), "y": numbers(y),
                    "grad_x": numbers(grads[0])}
            if affine:
                case.update({"weight": numbers(w), "bias": numbers(b), "grad_weight": numbers(grads[1]),
                             "grad_bias": numbers(grads[2])})
            out.append(case)
    return out


def load_iris(dtype):
    return load_golden("iris_std.csv", dtype)


def model_of(eps, affine, seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.LayerNorm(8, eps=eps, elementwise_affine=affine),
                               torch.nn.Tanh(), torch.nn.Linear(8, 3))


def named(model, what):
    return {n: numbers(what(p)) for n, p in model.named_parameters()}


def train(eps, affine, seed, dtype, init=None):
    model = model_of(eps, affine, seed).to(dtype)
    recording.load_init(model, init, dtype)
    x, y = load_iris(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    start = named(model, lambda p: p)
    losses, first_grad = recording.cross_entropy_steps(model, opt, x, y, STEPS)
    final = {n: p.detach().clone() for n, p in model.named_parameters()}
    return start, losses, first_grad, final


def deviation(a, b):
    a = torch.as_tensor(a, dtype=torch.float64).reshape(-1)
    b = torch.as_tensor(b, dtype=torch.float64).reshape(-1)
    return float(((a - b).abs() / torch.clamp(b.abs(), min=1e-3)).max())


def trajectories():
    out = []
    for k, (name, (eps, affine)) in enumerate(TRAJECTORIES.items()):
        seed = 40 + k
        init, losses, grad, final = train(eps, affine, seed, torch.float32)
        _, losses64, grad64, final64 = train(eps, affine, seed, torch.float64, init)
        d = deviation(losses, losses64)
        for n in grad:
            d = max(d, deviation(grad[n], grad64[n]), deviation(final[n], final64[n]))
        out.append({
            "name": name, "seed": seed, "steps": STEPS, "lr": 0.05, "eps": eps, "elementwise_affine": affine,
            "init": init, "loss_history": [number(v, torch.float32) for v in losses],
            "grad_first_step": {n: numbers(g) for n, g in grad.items()},
            "final_params": {n: numbers(p) for n, p in final.items()},
            "rtol": float("%.2g" % max(1e-5, 10 * d)), "atol": float("%.2g" % max(1e-6, 10 * d * 1e-3)),
        })
    return out


def main():
    content = {"torch_version": torch.__version__, "data": "iris_std.csv", "values": values(),
               "trajectories": trajectories()}
    return recording.write_or_check({"layernorm.json": content}, recording.folder_and_check(HERE))


if __name__ == "__main__":
    sys.exit(main())
