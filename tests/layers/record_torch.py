#!/usr/bin/python3
"""Records torch 1.13's values for the relu variants, the softmax layer and input gradients (Debian's
python3-torch, /usr/bin/python3), which the tests of this folder replay. Usage:

    record_torch.py [--check] [folder]   (default: this script's folder)

writes, or with --check compares with the committed files (exit 1 on a difference, 77 without torch):

activations.json: for each op and option (gelu, gelu approximate="tanh", silu, elu alpha 1 and 0.5,
  leaky_relu slope 0.01 and 0.2, softmax over a vector) and each dtype (float32, float64): the inputs
  x (0, -0, tiny, moderate, large magnitudes, ±inf, NaN; float32 values, the same in both dtypes),
  the values f(x) and the gradient of sum(f(x)) (softmax: of dot(softmax(x), c) with the recorded
  c), by torch's autograd.

trajectories.json: Sequential(Linear(4, 8), <act>, Linear(8, 3)) on tests/golden/data/iris_std.csv,
  F.cross_entropy over the whole set, Adam(lr=0.05), STEPS steps of zero_grad / backward / step in
  float32: initial parameters, the loss of every step, the gradient of the first step and the final
  parameters. Tolerances per case: the same run in float64 deviates from the float32 one by at most
  D elementwise, relative to max(|x|, 1e-3); rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D * 1e-3)
  (the floors of tests/golden/README.md).

input_gradient.json: Sequential(Linear(4, 8), GELU(), Linear(8, 3)) with torch's default init
  (seed 11), on the first ROWS rows of iris_std.csv, in float32 and float64:
  torch.autograd.grad(model(X).sum(), X) ("sum_of_outputs") and
  torch.autograd.grad(F.cross_entropy(model(X), y, reduction="sum"), X) ("cross_entropy").

Non-finite numbers are written as the strings "nan", "inf", "-inf"; float32 numbers with 9
significant digits (they read back to the same float).
"""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recording  # noqa: E402
from recording import load_golden, number, numbers  # noqa: E402

torch = recording.torch_or_skip("record_torch.py")
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 25
ROWS = 12
torch.set_num_threads(1)

# Every input is a float32 value, so that the float32 and float64 cases see the same x.
INPUTS = [0.0, -0.0, 2.0**-27, -2.0**-27, 2.0**-10, -2.0**-10, 0.25, -0.25, 0.5, -0.5, 1.0, -1.0, 1.75, -1.75, 2.5,
          -2.5, 3.0, -3.0, 4.25, -4.25, 5.5, -5.5, 8.0, -8.0, 10.0, -10.0, 20.0, -20.0, 50.0, -50.0, 100.0, -100.0,
          1e4, -1e4, 2.0**100, -2.0**100, math.inf, -math.inf, math.nan]
SOFTMAX_WEIGHTS = [0.5, -1.25, 2.0, 0.75, -0.5]
SOFTMAX_INPUTS = [[0.0, 0.0, 0.0], [1.0, -2.0, 0.5, 3.0], [100.0, -100.0, 0.0], [-50.0, -51.0, -49.5, -50.0, 20.0]]

ELEMENTWISE = {
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": lambda x: F.silu(x),
    "elu": lambda x: F.elu(x),
    "elu_0.5": lambda x: F.elu(x, alpha=0.5),
    "leaky_relu": lambda x: F.leaky_relu(x),
    "leaky_relu_0.2": lambda x: F.leaky_relu(x, negative_slope=0.2),
}
LAYERS = {
    "gelu": lambda: torch.nn.GELU(),
    "gelu_tanh": lambda: torch.nn.GELU(approximate="tanh"),
    "silu": lambda: torch.nn.SiLU(),
    "elu": lambda: torch.nn.ELU(),
    "elu_0.5": lambda: torch.nn.ELU(alpha=0.5),
    "leaky_relu": lambda: torch.nn.LeakyReLU(),
    "leaky_relu_0.2": lambda: torch.nn.LeakyReLU(negative_slope=0.2),
    "softmax": lambda: torch.nn.Softmax(dim=-1),
}



def activations():
    out = []
    for dtype in (torch.float32, torch.float64):
        for name, f in ELEMENTWISE.items():
            x = torch.tensor(INPUTS, dtype=dtype, requires_grad=True)
            y = f(x)
            (g,) = torch.autograd.grad(y.sum(), x)
            out.append({"op": name, "dtype": str(dtype)[6:], "x": numbers(x), "y": numbers(y), "grad": numbers(g)})
        for k, xs in enumerate(SOFTMAX_INPUTS):
            x = torch.tensor(xs, dtype=dtype, requires_grad=True)
            c = torch.tensor(SOFTMAX_WEIGHTS[:len(xs)], dtype=dtype)
            y = torch.nn.Softmax(dim=-1)(x.unsqueeze(0))[0]
            (g,) = torch.autograd.grad((y * c).sum(), x)
            out.append({"op": "softmax", "dtype": str(dtype)[6:], "x": numbers(x), "c": numbers(c), "y": numbers(y),
                        "grad": numbers(g)})
    return out


def load_iris(dtype):
    return load_golden("iris_std.csv", dtype)


def model_of(act, seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), LAYERS[act](), torch.nn.Linear(8, 3))


def named(model, what):
    return {n: numbers(what(p)) for n, p in model.named_parameters()}


def train(act, seed, dtype, init=None):
    model = model_of(act, seed).to(dtype)
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
    for k, act in enumerate(LAYERS):
        seed = 20 + k
        init, losses, grad, final = train(act, seed, torch.float32)
        _, losses64, grad64, final64 = train(act, seed, torch.float64, init)
        d = deviation(losses, losses64)
        for n in grad:
            d = max(d, deviation(grad[n], grad64[n]), deviation(final[n], final64[n]))
        out.append({
            "name": act, "seed": seed, "steps": STEPS, "lr": 0.05, "init": init,
            "loss_history": [number(v, torch.float32) for v in losses],
            "grad_first_step": {n: numbers(g) for n, g in grad.items()},
            "final_params": {n: numbers(p) for n, p in final.items()},
            "rtol": float("%.2g" % max(1e-5, 10 * d)), "atol": float("%.2g" % max(1e-6, 10 * d * 1e-3)),
        })
    return out


def input_gradients():
    out = []
    for dtype in (torch.float32, torch.float64):
        model = model_of("gelu", 11).to(dtype)
        x, y = load_iris(dtype)
        x, y = x[:ROWS].clone().requires_grad_(True), y[:ROWS]
        (g_sum,) = torch.autograd.grad(model(x).sum(), x)
        (g_ce,) = torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)
        out.append({"dtype": str(dtype)[6:], "rows": ROWS, "init": named(model, lambda p: p),
                    "sum_of_outputs": numbers(g_sum), "cross_entropy": numbers(g_ce)})
    return out


def main():
    files = {
        "activations.json": {"torch_version": torch.__version__, "cases": activations()},
        "trajectories.json": {"torch_version": torch.__version__, "data": "iris_std.csv", "cases": trajectories()},
        "input_gradient.json": {"torch_version": torch.__version__, "data": "iris_std.csv", "cases": input_gradients()},
    }
    return recording.write_or_check(files, recording.folder_and_check(HERE))


if __name__ == "__main__":
    sys.exit(main())
