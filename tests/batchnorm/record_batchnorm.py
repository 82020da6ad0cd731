#!/usr/bin/python3
"""Records torch 1.13's BatchNorm1d and BatchNorm2d in training (Debian's python3-torch,
/usr/bin/python3), which replay_test.cpp replays. Usage:

    record_batchnorm.py [--check] [folder]   (default: this script's folder)

writes batchnorm.json, or with --check compares with the committed file (exit 1 on a difference,
77 without torch). Two cases, each trained in float32 and in float64 from the same initial values,
model.train(), F.cross_entropy, SGD with momentum 0.9, consecutive batches of 32 rows (the last one shorter):

mlp: Sequential(Linear(4, 8), BatchNorm1d(8), ReLU(), Linear(8, 3)) on tests/golden/data/iris_std.csv,
  lr 0.1, every batch of one epoch (32, 32, 32, 32, 22 rows);
cnn: Sequential(Unflatten(1, (1, 8, 8)), Conv2d(1, 4, 3), BatchNorm2d(4), ReLU(), Flatten(),
  Linear(144, 10)) on the first 96 rows of tests/golden/data/digits_std.csv, lr 0.05, 3 batches.

Per case and precision: the loss of every step, the final parameters, the running statistics after
(running_mean, running_var, num_batches_tracked), and the evaluation loss (model.eval()) of the
final model over the rows trained on. The float32 tolerances are record_torch.py's: rtol = max(1e-5,
10 D), atol = max(1e-6, 10 D * 1e-3), D the float64 run's largest deviation from the float32 one
relative to max(|x|, 1e-3).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recording  # noqa: E402
from recording import load_golden, number, numbers  # noqa: E402

torch = recording.torch_or_skip("record_batchnorm.py")
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 32
torch.set_num_threads(1)


def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3))


def cnn():
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Unflatten(1, (1, 8, 8)), torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                               torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 10))


CASES = [("mlp", mlp, "iris_std.csv", 150, 0.1), ("cnn", cnn, "digits_std.csv", 96, 0.05)]


def train(make, data, rows, lr, dtype, init=None):
    model = make().to(dtype)
    recording.load_init(model, init, dtype)
    x, y = load_golden(data, dtype)
    x, y = x[:rows], y[:rows]
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    start = {n: numbers(p) for n, p in model.named_parameters()}
    model.train()
    losses = []
    for first in range(0, rows, BATCH):
        opt.zero_grad()
        loss = F.cross_entropy(model(x[first:first + BATCH]), y[first:first + BATCH])
        loss.backward()
        losses.append(loss.item())
        opt.step()
    model.eval()
    with torch.no_grad():
        eval_loss = F.cross_entropy(model(x), y).item()
    buffers = {n: (numbers(b) if b.dtype != torch.long else b.tolist()) for n, b in model.named_buffers()}
    out = {
        "losses": [number(v, dtype) for v in losses],
        "final_params": {n: numbers(p) for n, p in model.named_parameters()},
        "buffers": buffers,
        "eval_loss": number(eval_loss, dtype),
    }
    return start, out


def flat(run):
    values = list(run["losses"]) + [run["eval_loss"]]
    for group in ("final_params", "buffers"):
        for v in run[group].values():
            values += v if isinstance(v, list) else [v]
    return values


def record():
    cases = []
    for name, make, data, rows, lr in CASES:
        init, f32 = train(make, data, rows, lr, torch.float32)
        _, f64 = train(make, data, rows, lr, torch.float64, init)
        deviation = max(abs(a - b) / max(abs(b), 1e-3) for a, b in zip(flat(f32), flat(f64)))
        cases.append({
            "name": name, "data": data, "rows": rows, "batch": BATCH, "lr": lr, "init": init,
            "float32": f32, "float64": f64,
            "rtol": max(1e-5, 10 * deviation), "atol": max(1e-6, 10 * deviation * 1e-3),
        })
    return {"cases": cases}


if __name__ == "__main__":
    sys.exit(recording.write_or_check({"batchnorm.json": record()}, recording.folder_and_check(HERE)))
