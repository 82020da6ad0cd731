#!/usr/bin/python3
"""Writes tests/lbfgs/reference/lbfgs.json from torch 1.13 (run with Debian's /usr/bin/python3).

Every case trains a model on a whole dataset (one batch) with torch.optim.LBFGS: `steps` calls of
opt.step(closure), the closure being `opt.zero_grad(); loss = loss_fn(model(X), y);
loss.backward(); return loss`. Models and data:

- "logreg": Linear(30, 1), BCEWithLogitsLoss, tests/golden/data/breast_cancer_std.csv (569 rows);
- "mlp": Linear(10, 16), Tanh, Linear(16, 1), MSELoss, tests/golden/data/diabetes_std.csv (442
  rows) with the target divided by 100 (the C++ test divides it too).

Each case runs in float32 and float64 from the same initial parameters (torch's default init
under a fixed seed, in float32; written as exact doubles, so both runs start from the same
numbers) and the same data (the CSV's decimal text read as float32 or as float64). Recorded per
dtype: the loss each step() returns, state['func_evals'], state['n_iter'] and len(old_dirs) after
each step, and the parameters after the last step.

"float32_vs_float64" measures how far float32 rounding moves a case's trajectory, which bounds how
closely a float32 replay (whose rounding differs from torch's) can follow torch's float32 run: the
largest difference from the float64 run (losses relative, parameters absolute) over the float32
run and NUDGED more float32 runs whose initial values are each moved by one float32 ulp up or down
(a pattern drawn from a fixed seed), which stand for other roundings of the same computation.
"""
import csv
import json
import os
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "golden", "data")
OUT = os.path.join(HERE, "reference", "lbfgs.json")
torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=UserWarning)


def read_csv(name):
    with open(os.path.join(DATA, name)) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    t = header.index("target")
    feats = [[float(v) for i, v in enumerate(r) if i != t] for r in body]
    target = [float(r[t]) for r in body]
    return feats, target


def make_model(kind):
    if kind == "logreg":
        return torch.nn.Sequential(torch.nn.Linear(30, 1))
    return torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))


MODELS = {
    "logreg": dict(data="breast_cancer_std.csv", loss="bce_with_logits", seed=3, target_scale=1.0),
    "mlp": dict(data="diabetes_std.csv", loss="mse", seed=5, target_scale=100.0),
}

CASES = [
    ("logreg_none", "logreg", dict(lr=0.5, max_iter=10, history_size=5), 3),
    ("logreg_strong_wolfe", "logreg", dict(lr=1, max_iter=10, history_size=5, line_search_fn="strong_wolfe"), 4),
    ("logreg_strong_wolfe_defaults", "logreg", dict(line_search_fn="strong_wolfe"), 2),
    ("mlp_none", "mlp", dict(lr=0.5, max_iter=8, history_size=4), 4),
    ("mlp_strong_wolfe", "mlp", dict(lr=1, max_iter=8, history_size=4, line_search_fn="strong_wolfe"), 4),
    ("mlp_strong_wolfe_max_eval", "mlp",
     dict(lr=1, max_iter=20, max_eval=12, history_size=10, line_search_fn="strong_wolfe"), 3),
]


def initial(kind):
    torch.manual_seed(MODELS[kind]["seed"])
    model = make_model(kind)
    return {n: [float(v) for v in p.detach().reshape(-1).tolist()] for n, p in model.named_parameters()}


def run(kind, kwargs, steps, init, dtype):
    m = MODELS[kind]
    feats, target = read_csv(m["data"])
    X = torch.tensor(feats, dtype=dtype)
    y = torch.tensor(target, dtype=dtype).reshape(-1, 1) / m["target_scale"]
    model = make_model(kind).to(dtype)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(torch.tensor(init[n], dtype=torch.float64).reshape(p.shape))
    loss_fn = torch.nn.BCEWithLogitsLoss() if m["loss"] == "bce_with_logits" else torch.nn.MSELoss()
    opt = torch.optim.LBFGS(model.parameters(), **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        return loss

    out = dict(losses=[], func_evals=[], n_iter=[], history=[])
    for _ in range(steps):
        out["losses"].append(float(opt.step(closure)))
        st = opt.state[opt._params[0]]
        out["func_evals"].append(st["func_evals"])
        out["n_iter"].append(st["n_iter"])
        out["history"].append(len(st["old_dirs"]))
    out["final_loss"] = float(closure())
    out["final_params"] = {n: [float(v) for v in p.detach().reshape(-1).tolist()] for n, p in model.named_parameters()}
    return out


NUDGED = 4


def nudged(init, k):
    gen = torch.Generator().manual_seed(1000 + k)
    out = {}
    for n, vs in init.items():
        v = torch.tensor(vs, dtype=torch.float32)
        up = torch.randint(0, 2, v.shape, generator=gen).bool()
        out[n] = [float(x) for x in torch.where(up, torch.nextafter(v, v + 1), torch.nextafter(v, v - 1)).tolist()]
    return out


def gaps(a, b):
    loss_gap = max(rel(x, y) for x, y in zip(a["losses"] + [a["final_loss"]], b["losses"] + [b["final_loss"]]))
    param_gap = max(abs(x - y) for n in b["final_params"] for x, y in zip(a["final_params"][n], b["final_params"][n]))
    return loss_gap, param_gap


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


# Quadratics f(x) = ½ xᵀAx − bᵀx (tests/lbfgs/quadratic.hpp: A tridiagonal, 2 + k on the diagonal
# and −1 beside it; b_k = 1 − k/4; x_k = 1 + (k mod 3)/2 at the start), float64, to check the
# stopping rules (tolerance_grad, tolerance_change, max_iter, max_eval) against torch's.
QUADRATICS = [
    (12, dict(max_iter=100, line_search_fn="strong_wolfe"), 2),
    (12, dict(max_iter=100, tolerance_change=0, line_search_fn="strong_wolfe"), 2),
    (8, dict(max_iter=100, tolerance_grad=1e-2, tolerance_change=0, line_search_fn="strong_wolfe"), 2),
    (12, dict(lr=0.5, max_iter=1000, max_eval=100000, tolerance_grad=0, tolerance_change=1e-3), 1),
    (12, dict(lr=0.5, max_iter=1000, max_eval=100000, tolerance_grad=0, tolerance_change=1e-3,
              line_search_fn="strong_wolfe"), 1),
    (30, dict(lr=0.2, max_iter=4, history_size=3), 3),
    (30, dict(max_iter=50, max_eval=7, line_search_fn="strong_wolfe"), 2),
]


def run_quadratic(n, kwargs, steps):
    dtype = torch.float64
    x = torch.tensor([1 + 0.5 * (k % 3) for k in range(n)], dtype=dtype, requires_grad=True)
    b = torch.tensor([1 - 0.25 * k for k in range(n)], dtype=dtype)
    A = torch.zeros(n, n, dtype=dtype)
    for k in range(n):
        A[k, k] = 2 + k
        if k > 0:
            A[k, k - 1] = -1
        if k + 1 < n:
            A[k, k + 1] = -1
    opt = torch.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        f = 0.5 * x @ (A @ x) - b @ x
        f.backward()
        return f

    out = dict(losses=[], func_evals=[], n_iter=[], history=[])
    for _ in range(steps):
        out["losses"].append(float(opt.step(closure)))
        st = opt.state[x]
        out["func_evals"].append(st["func_evals"])
        out["n_iter"].append(st["n_iter"])
        out["history"].append(len(st["old_dirs"]))
    out["final_x"] = [float(v) for v in x.detach().tolist()]
    return out


def main():
    cases = []
    for name, kind, kwargs, steps in CASES:
        init = initial(kind)
        runs = {k: run(kind, kwargs, steps, init, dt) for k, dt in (("float32", torch.float32), ("float64", torch.float64))}
        a, b = runs["float32"], runs["float64"]
        plain = gaps(a, b)
        others = [gaps(run(kind, kwargs, steps, nudged(init, k), torch.float32), b) for k in range(NUDGED)]
        loss_gap = max(g[0] for g in [plain] + others)
        param_gap = max(g[1] for g in [plain] + others)
        scale = max(abs(v) for vs in b["final_params"].values() for v in vs)
        print("%-30s loss rel gap %.2e (plain run %.2e)  param gap %.2e (%.2e; max |param| %.2f)  evals f32 %s f64 %s" %
              (name, loss_gap, plain[0], param_gap, plain[1], scale, a["func_evals"], b["func_evals"]))
        cases.append(dict(name=name, model=kind, options=kwargs, steps=steps, init=init, **{
            k: runs[k] for k in runs}, float32_vs_float64=dict(loss_rel=loss_gap, param_abs=param_gap)))
    quadratics = []
    for n, kwargs, steps in QUADRATICS:
        q = run_quadratic(n, kwargs, steps)
        print("quadratic n=%d %s: n_iter %s func_evals %s" % (n, kwargs, q["n_iter"], q["func_evals"]))
        quadratics.append(dict(n=n, options=kwargs, steps=steps, float64=q))
    with open(OUT, "w") as f:
        json.dump(dict(torch_version=torch.__version__, models=MODELS, cases=cases, quadratics=quadratics), f,
                  separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
