#!/usr/bin/python3
"""Records torch 1.13's training of models with branches (Debian's python3-torch, /usr/bin/python3),
which branches_test.cpp replays against tg::residual and tg::concat_branches. Usage:

    record_branches.py [--check] [folder]   (default: this script's folder)

writes branches.json, or with --check compares it with the committed file (exit 1 on a difference,
77 without torch). The modules are those docs/layers.md gives as the torch equivalents, so that the
parameter names are the ones typegrad gives:

residual_mlp: Sequential(Linear(4, 16), ReLU(), Residual(Linear(16, 16), ReLU(), Linear(16, 16)),
  Linear(16, 3)), Residual's forward x + self.body(x): "2.body.0.weight", ...
concat_branches: Sequential(Linear(4, 8), Tanh(), ConcatBranches(Sequential(Linear(8, 6), ReLU()),
  Sequential(Linear(8, 4), Tanh())), Linear(10, 3)), torch.cat of the branches along dim 1:
  "2.branches.0.0.weight", ...

Each on tests/golden/data/iris_std.csv, F.cross_entropy over the whole set, Adam(lr=LR), STEPS
steps of zero_grad / backward / step in float32: the parameter names in named_parameters() order,
the initial parameters, the loss of every step, the gradient of the first step and the final
parameters. Then the float32 run, model and Adam, is saved in typegrad's checkpoint layout by
tools/interop/typegrad_torch.py (branches_<case>.safetensors: the names are the state_dict's) and
trained CONTINUE steps more: the loss of each and the parameters after them. Tolerances as
record_torch.py derives them: the float64 run from the same initial
values deviates from the float32 one by at most D elementwise, relative to max(|x|, 1e-3);
rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D * 1e-3). Float32 numbers are written with 9
significant digits (they read back to the same float).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recording  # noqa: E402
from recording import load_golden, number, numbers  # noqa: E402

torch = recording.torch_or_skip("record_branches.py")
from torch import nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "interop"))
import typegrad_torch  # noqa: E402
STEPS = 25
CONTINUE = 5
LR = 0.02
torch.set_num_threads(1)


class Residual(nn.Module):
    """tg::residual<Layers...>: x + body(x), the body a Sequential named "body"."""

    def __init__(self, *layers):
        super().__init__()
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.body(x)


class ConcatBranches(nn.Module):
    """tg::concat_branches<A, B>: the branches' outputs side by side, the branches a ModuleList named
    "branches"."""

    def __init__(self, a, b):
        super().__init__()
        self.branches = nn.ModuleList([a, b])

    def forward(self, x):
        return torch.cat([f(x) for f in self.branches], dim=1)


MODELS = {
    "residual_mlp": lambda: nn.Sequential(
        nn.Linear(4, 16), nn.ReLU(), Residual(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16)), nn.Linear(16, 3)),
    "concat_branches": lambda: nn.Sequential(
        nn.Linear(4, 8), nn.Tanh(),
        ConcatBranches(nn.Sequential(nn.Linear(8, 6), nn.ReLU()), nn.Sequential(nn.Linear(8, 4), nn.Tanh())),
        nn.Linear(10, 3)),
}



def load_iris(dtype):
    return load_golden("iris_std.csv", dtype)


def train(name, seed, dtype, init=None, checkpoint=None):
    torch.manual_seed(seed)
    model = MODELS[name]().to(dtype)
    recording.load_init(model, init, dtype)
    x, y = load_iris(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    names = [n for n, _ in model.named_parameters()]
    start = {n: numbers(p) for n, p in model.named_parameters()}
    losses, first_grad = recording.cross_entropy_steps(model, opt, x, y, STEPS)
    final = {n: p.detach().clone() for n, p in model.named_parameters()}
    continued = None
    if checkpoint is not None:
        typegrad_torch.save(checkpoint, model, opt)
        more, _ = recording.cross_entropy_steps(model, opt, x, y, CONTINUE)
        continued = {"loss_history": [number(v, dtype) for v in more],
                     "final_params": {n: numbers(p) for n, p in model.named_parameters()}}
    return names, start, losses, first_grad, final, continued


def deviation(a, b):
    a = torch.as_tensor(a, dtype=torch.float64).reshape(-1)
    b = torch.as_tensor(b, dtype=torch.float64).reshape(-1)
    return float(((a - b).abs() / torch.clamp(b.abs(), min=1e-3)).max())


def cases(folder):
    out = []
    for k, name in enumerate(MODELS):
        seed = 40 + k
        checkpoint = os.path.join(folder, "branches_%s.safetensors" % name)
        names, init, losses, grad, final, continued = train(name, seed, torch.float32, checkpoint=checkpoint)
        _, _, losses64, grad64, final64, _ = train(name, seed, torch.float64, init)
        d = deviation(losses, losses64)
        for n in grad:
            d = max(d, deviation(grad[n], grad64[n]), deviation(final[n], final64[n]))
        out.append({
            "name": name, "seed": seed, "steps": STEPS, "lr": LR, "names": names, "init": init,
            "loss_history": [number(v, torch.float32) for v in losses],
            "grad_first_step": {n: numbers(g) for n, g in grad.items()},
            "final_params": {n: numbers(p) for n, p in final.items()},
            "checkpoint": os.path.basename(checkpoint), "continue_steps": CONTINUE, "continued": continued,
            "rtol": float("%.2g" % max(1e-5, 10 * d)), "atol": float("%.2g" % max(1e-6, 10 * d * 1e-3)),
        })
    return out


def main():
    folder, check = recording.folder_and_check(HERE)
    if not check:
        content = {"torch_version": torch.__version__, "data": "iris_std.csv", "cases": cases(folder)}
        path = os.path.join(folder, "branches.json")
        with open(path, "w") as f:
            f.write(recording.dumps(content))
        print("wrote " + path)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        content = {"torch_version": torch.__version__, "data": "iris_std.csv", "cases": cases(scratch)}
        written = {"branches.json": recording.dumps(content)}
        failed = False
        for name in ["branches.json"] + [c["checkpoint"] for c in content["cases"]]:
            with open(os.path.join(folder, name), "rb") as f:
                committed = f.read()
            if name in written:
                fresh = written[name].encode()
            else:
                with open(os.path.join(scratch, name), "rb") as f:
                    fresh = f.read()
            same = committed == fresh
            print(("same: " if same else "DIFFERS: ") + os.path.join(folder, name))
            failed = failed or not same
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
