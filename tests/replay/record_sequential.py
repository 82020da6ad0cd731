#!/usr/bin/python3
"""Records the reference cases of tests/replay: torch.nn.Sequential models whose architecture the
replay tool is not compiled for, so that scripts/replay compiles each on demand
(tools/replay/sequential.py). Usage:

    record_sequential.py [--check] [folder]   (default: this script's folder)

writes <case>.json in the golden cases' format (tests/golden/README.md) with model kind
"sequential" and its module list (or a golden kind the tool lacks the optimiser for), or with
--check records again and compares with the committed
files (exit 1 on a difference, 77 without torch).

The loop is the golden cases' loop (zero_grad, backward, step) in float32, one thread, model.train(),
on the full batch, or for a case with "batch" on shuffled batches of that many rows of the first
"rows" rows (one permutation per epoch, the batches written out). A model with batch normalisation
also records its running statistics after the last step ("final_buffers").
Tolerances as the golden cases': the same run in float64 deviates from the float32 one by at most
D (relative to max(|x|, 1e-3)); rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D * 1e-3).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "replay"))
import recording  # noqa: E402
import sequential  # noqa: E402

torch = recording.torch_or_skip("record_sequential.py")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DATA_DIR = "../golden/data"


def iris_layernorm_gelu():
    return nn.Sequential(nn.Linear(4, 12), nn.LayerNorm(12), nn.GELU(approximate="tanh"), nn.Linear(12, 3))


def iris_silu_leaky():
    return nn.Sequential(nn.Linear(4, 10), nn.SiLU(), nn.Linear(10, 10), nn.LeakyReLU(0.2), nn.Linear(10, 3))


def iris_mlp_tanh():
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def iris_batchnorm():
    return nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16, eps=1e-3, momentum=0.2), nn.ReLU(), nn.Linear(16, 3))


def digits_conv_batchnorm():
    # No bias before the normalisation, which would cancel it: its gradient would be rounding noise,
    # which Adam scales up to full steps.
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(144, 10))


CASES = [
    {"name": "iris_layernorm_gelu_adam", "make": iris_layernorm_gelu, "data": "iris_std.csv",
     "loss": "cross_entropy", "optimizer": ("Adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-08,
                                                     "weight_decay": 0, "amsgrad": False, "maximize": False}),
     "steps": 15, "seed": 7},
    {"name": "iris_silu_leaky_rmsprop", "make": iris_silu_leaky, "data": "iris_std.csv",
     "loss": "cross_entropy", "optimizer": ("RMSprop", {"lr": 0.005, "alpha": 0.99, "eps": 1e-08, "weight_decay": 0,
                                                        "momentum": 0.5, "centered": False, "maximize": False}),
     "steps": 15, "seed": 11},
    # A golden kind of model ("mlp") with widths and an optimiser the replay tool is not compiled
    # for: scripts/replay compiles it on demand as the module list it stands for.
    {"name": "iris_mlp_tanh_adagrad", "make": iris_mlp_tanh, "data": "iris_std.csv", "loss": "cross_entropy",
     "optimizer": ("Adagrad", {"lr": 0.05, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0,
                               "eps": 1e-10, "maximize": False}),
     "steps": 15, "seed": 5, "model": {"kind": "mlp", "layers": [4, 8, 3], "activation": "tanh"}},
    # Batch normalisation: batch statistics in training, the running statistics compared after.
    {"name": "iris_batchnorm_sgd", "make": iris_batchnorm, "data": "iris_std.csv", "loss": "cross_entropy",
     "optimizer": ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False,
                           "maximize": False}),
     "steps": 12, "seed": 3, "batch": 50, "rows": 150},
    {"name": "digits_conv_batchnorm_adam", "make": digits_conv_batchnorm, "data": "digits_std.csv",
     "loss": "cross_entropy", "optimizer": ("Adam", {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-08,
                                                     "weight_decay": 0, "amsgrad": False, "maximize": False}),
     "steps": 8, "seed": 9, "batch": 32, "rows": 128},
]


def f32(v):
    return float(f"{v:.9g}")


def flat(t):
    return [f32(v) for v in t.detach().double().flatten().tolist()]


def batches(case, rows):
    """The rows of every step: all of them, or shuffled batches of case["batch"] of the first
    case["rows"] (a permutation per epoch from torch.randperm, seeded by the case's seed)."""
    if "batch" not in case:
        return [list(range(rows))] * case["steps"]
    g = torch.Generator().manual_seed(case["seed"])
    out = []
    while len(out) < case["steps"]:
        order = torch.randperm(case["rows"], generator=g).tolist()
        out += [order[i:i + case["batch"]] for i in range(0, case["rows"], case["batch"])]
    return out[:case["steps"]]


def run(case, dtype):
    torch.manual_seed(case["seed"])
    model = case["make"]()
    init = {n: flat(p) for n, p in model.named_parameters()}
    model = model.to(dtype)
    classes = case["loss"] == "cross_entropy"
    x, y = recording.load_golden(case["data"], dtype, classes=classes)
    target = y if classes else y.unsqueeze(1)
    loss_fn = {"cross_entropy": F.cross_entropy, "mse": F.mse_loss,
               "bce_with_logits": F.binary_cross_entropy_with_logits}[case["loss"]]
    name, kwargs = case["optimizer"]
    opt = getattr(torch.optim, name)(model.parameters(), **{k: tuple(v) if k == "betas" else v
                                                            for k, v in kwargs.items()})
    out = {"init": init, "loss_history": [], "lr_history": [], "batches": batches(case, len(y))}
    model.train()
    for step in range(case["steps"]):
        opt.zero_grad()
        rows = out["batches"][step]
        loss = loss_fn(model(x[rows]), target[rows])
        loss.backward()
        out["loss_history"].append(loss.item())
        out["lr_history"].append(opt.param_groups[0]["lr"])
        if step == 0:
            out["grad_first_step"] = {n: flat(p.grad) for n, p in model.named_parameters()}
        opt.step()
    out["final_params"] = {n: flat(p) for n, p in model.named_parameters()}
    out["final_buffers"] = {n: flat(b) for n, b in model.named_buffers()}
    first = next(iter(model.parameters()))
    state = {}
    for k, v in opt.state[first].items():
        if not torch.is_tensor(v):
            state[k] = v
        else:
            state[k] = int(v.item()) if k == "step" else (flat(v) if v.dim() > 0 else float(v.item()))
    out["final_state"] = state
    out["modules"] = sequential.modules_of(case["make"]())
    out["rows"] = len(y)
    return out


def deviation(a, b, keys):
    worst = 0.0
    for k in keys:
        for n in a[k]:
            for u, v in zip(a[k][n], b[k][n]):
                worst = max(worst, abs(u - v) / max(abs(v), 1e-3))
    return worst


def record(case):
    torch.set_num_threads(1)
    r32, r64 = run(case, torch.float32), run(case, torch.float64)
    d = deviation(r64, r32, ["grad_first_step", "final_params", "final_buffers"])
    for u, v in zip(r64["loss_history"], r32["loss_history"]):
        d = max(d, abs(u - v) / max(abs(v), 1e-3))
    rtol, atol = max(1e-5, 10 * d), max(1e-6, 10 * d * 1e-3)
    name, kwargs = case["optimizer"]
    first = next(iter(r32["init"]))
    return {
        "name": case["name"], "torch_version": torch.__version__, "dtype": "float32", "data": case["data"],
        "data_dir": DATA_DIR, "model": case.get("model", {"kind": "sequential", "modules": r32["modules"]}),
        "loss": case["loss"],
        "seed": case["seed"], "init": r32["init"], "optimizer": dict({"name": name}, **kwargs),
        "batches": r32["batches"], "accumulate": 1, "zero_grad": True,
        "steps": case["steps"], "loss_history": [f32(v) for v in r32["loss_history"]],
        "lr_history": r32["lr_history"], "grad_first_step": r32["grad_first_step"],
        "final_params": r32["final_params"],
        **({"final_buffers": r32["final_buffers"]} if r32["final_buffers"] else {}),
        "final_state": {"param": first, "state": r32["final_state"], "rtol": rtol, "atol": atol},
        "rtol": rtol, "atol": atol, "float64_deviation": d,
    }


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    folder = args[0] if args else HERE
    status = 0
    for case in CASES:
        rec = record(case)
        path = os.path.join(folder, case["name"] + ".json")
        if "--check" in sys.argv:
            with open(path) as f:
                old = json.load(f)
            if json.dumps(old, sort_keys=True) != json.dumps(json.loads(json.dumps(rec)), sort_keys=True):
                print(f"record_sequential.py: {path} differs from a new recording")
                status = 1
            else:
                print(f"record_sequential.py: {path} matches a new recording")
        else:
            with open(path, "w") as f:
                json.dump(rec, f, indent=1)
                f.write("\n")
            print(f"record_sequential.py: wrote {path} (float64 deviation {rec['float64_deviation']:.3g})")
    return status


if __name__ == "__main__":
    sys.exit(main())
