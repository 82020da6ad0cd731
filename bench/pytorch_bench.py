#!/usr/bin/python3
"""The PyTorch contender of bench_training: the same workloads, data, batches and initial
parameters as bench/common.cpp, timed in the same units, written as Google-Benchmark-like JSON.

Run with Debian's /usr/bin/python3 (python3-torch, PyTorch 1.13):

    /usr/bin/python3 bench/pytorch_bench.py --out build/bench/pytorch.json \
        [--repetitions 5] [--min-time 0.5] [--filter W3]

Every benchmark is first shown to train: its float32 run is compared with the same model trained
in float64 (loss within 1e-3 relative, loss decrease within 2e-2), exactly the rules of
bench/common.cpp. A failing benchmark is reported with error_occurred, like SkipWithError.
Keep the constants below in step with bench/common.cpp.
"""

import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "examples", "data")
MASK = (1 << 64) - 1

LOSS_TOLERANCE = 1e-3
PROGRESS_TOLERANCE = 2e-2
GRADIENT_TOLERANCE = 1e-3


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform01(self):
        return (self.next() >> 40) * 2.0 ** -24


def permutation(n, seed):
    p = list(range(n))
    rng = SplitMix64(seed)
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        p[i], p[j] = p[j], p[i]
    return p


def load_csv(name):
    with open(os.path.join(DATA, name)) as f:
        header = f.readline().strip().split(",")
        assert header[-1] == "target", name
        rows = [[float(v) for v in line.strip().split(",")] for line in f if line.strip()]
    return [r[:-1] for r in rows], [r[-1] for r in rows]


def prepared(features, targets, seed):
    order = permutation(len(features), seed)
    x = torch.tensor([features[r] for r in order], dtype=torch.float32)
    y = torch.tensor([targets[r] for r in order], dtype=torch.float32)
    return x, y


def diabetes():
    features, targets = load_csv("diabetes.csv")
    rows, cols = len(features), len(features[0])
    for c in range(cols):  # population std, accumulated in row order in double, as common.cpp
        s = 0.0
        for r in range(rows):
            s += features[r][c]
        mean = s / rows
        ss = 0.0
        for r in range(rows):
            d = features[r][c] - mean
            ss += d * d
        sd = math.sqrt(ss / rows)
        for r in range(rows):
            features[r][c] = (features[r][c] - mean) / sd
    return prepared(features, targets, 1)


def digits():
    features, targets = load_csv("digits.csv")
    features = [[v / 16.0 for v in row] for row in features]
    return prepared(features, targets, 2)


LINEAR = dict(sizes=(10, 1), act=None, loss="mse", seed=10)
MLP_TANH = dict(sizes=(10, 32, 1), act="tanh", loss="mse", seed=11)
MLP_DIGITS = dict(sizes=(64, 64, 10), act="relu", loss="cross_entropy", seed=12)
MLP_WIDE = dict(sizes=(64, 256, 256, 10), act="relu", loss="cross_entropy", seed=13)
# examples/digits_cnn's network (common.hpp's cnn); fans are the fan_in of each layer's rule.
DIGITS_CNN = dict(sizes=(64, 10), act="relu", loss="cross_entropy", seed=14, cnn=True)

# name: (kind, data, model, optimiser, lr, batch, verify_runs, unit)
WORKLOADS = {
    "W1": ("train", "diabetes", LINEAR, "sgd", 1e-3, None, 100, "step"),
    "W2": ("train", "diabetes", LINEAR, "adam", 1e-3, 32, 20, "epoch"),
    "W3": ("train", "diabetes", MLP_TANH, "adam", 1e-3, 32, 20, "epoch"),
    "W4": ("train", "digits", MLP_DIGITS, "adam", 1e-3, 64, 5, "epoch"),
    "W1fwd": ("forward", "diabetes", LINEAR, None, 0, None, 1, "forward"),
    "W5": ("gradient", "diabetes", LINEAR, None, 0, None, 1, "gradient"),
    "W3fwd": ("forward", "diabetes", MLP_TANH, None, 0, None, 1, "forward"),
    "W3grad": ("gradient", "diabetes", MLP_TANH, None, 0, None, 1, "gradient"),
    "W7": ("train", "digits", MLP_WIDE, "adam", 1e-3, None, 10, "step"),
    "W8": ("train", "digits", MLP_WIDE, "adam", 1e-3, 256, 2, "epoch"),
    "W9": ("train", "digits", DIGITS_CNN, "adam", 1e-3, 64, 5, "epoch"),
}
# Also timed on two threads (torch.set_num_threads(2) and OpenBLAS's pool), as BM_<name>_pytorch_2t.
TWO_THREADS = ("W7", "W8")


def set_threads(n):
    """torch's intra-op pool and, when libblas.so.3 is OpenBLAS, its pool (which
    OPENBLAS_NUM_THREADS=1 otherwise holds to one thread)."""
    torch.set_num_threads(n)
    try:
        import ctypes
        ctypes.CDLL("libblas.so.3").openblas_set_num_threads(n)
    except (OSError, AttributeError):
        pass


def cnn_model():
    """common.hpp's cnn: Conv2d(1, 8, 3, padding=1), ReLU, MaxPool2d(2), Conv2d(8, 16, 3, padding=1),
    ReLU, MaxPool2d(2), Flatten, Linear(64, 10), on images [N, 1, 8, 8]."""
    nn = torch.nn
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64, 10))


def initial_parameters(model):
    """torch.nn.Linear's rule U(-1/sqrt(in), 1/sqrt(in)) from splitmix64, as common.cpp; for the
    CNN fan_in = in channels x 3 x 3 for a convolution."""
    rng = SplitMix64(model["seed"])
    out = []
    if model.get("cnn"):
        for shape, fan_in in (((8, 1, 3, 3), 9), ((16, 8, 3, 3), 72), ((10, 64), 64)):
            bound = 1.0 / math.sqrt(fan_in)
            w = [(2.0 * rng.uniform01() - 1.0) * bound for _ in range(math.prod(shape))]
            b = [(2.0 * rng.uniform01() - 1.0) * bound for _ in range(shape[0])]
            out.append(torch.tensor(w, dtype=torch.float32).view(shape))
            out.append(torch.tensor(b, dtype=torch.float32))
        return out
    sizes = model["sizes"]
    for i, o in zip(sizes, sizes[1:]):
        bound = 1.0 / math.sqrt(i)
        w = [(2.0 * rng.uniform01() - 1.0) * bound for _ in range(i * o)]
        b = [(2.0 * rng.uniform01() - 1.0) * bound for _ in range(o)]
        out.append(torch.tensor(w, dtype=torch.float32).view(o, i))
        out.append(torch.tensor(b, dtype=torch.float32))
    return out


class Run:
    """One workload in one dtype: model, optimiser, batches (views made once)."""

    def __init__(self, name, data, dtype):
        kind, dname, model, opt, lr, batch, verify_runs, unit = WORKLOADS[name]
        self.kind, self.model_spec, self.opt_name, self.lr = kind, model, opt, lr
        self.verify_runs, self.unit = verify_runs, unit
        x, y = data[dname]
        self.x = x.to(dtype)
        self.y = y.view(-1, 1).to(dtype) if model["loss"] == "mse" else y.long()
        rows = self.x.shape[0]
        batch = batch or rows
        self.batches = [(self.x[b:b + batch], self.y[b:b + batch]) for b in range(0, rows, batch)]
        layers = []
        sizes = model["sizes"]
        for l, (i, o) in enumerate(zip(sizes, sizes[1:])):
            if l > 0:
                layers.append(torch.nn.Tanh() if model["act"] == "tanh" else torch.nn.ReLU())
            layers.append(torch.nn.Linear(i, o))
        self.model = (cnn_model() if model.get("cnn") else torch.nn.Sequential(*layers)).to(dtype)
        self.dtype = dtype
        self.criterion = (torch.nn.functional.mse_loss if model["loss"] == "mse"
                          else torch.nn.functional.cross_entropy)  # log_softmax + nll, mean
        self.last_loss = 0.0
        self.reset()

    def reset(self):
        with torch.no_grad():
            for p, v in zip(self.model.parameters(), initial_parameters(self.model_spec)):
                p.copy_(v.to(self.dtype))
        params = self.model.parameters()
        if self.opt_name == "adam":
            self.opt = torch.optim.Adam(params, lr=self.lr, betas=(0.9, 0.999), eps=1e-8)
        else:
            self.opt = torch.optim.SGD(params, lr=self.lr)
        self.opt.zero_grad()

    def run(self):
        if self.kind == "train":
            model, criterion, opt = self.model, self.criterion, self.opt
            for xb, yb in self.batches:
                opt.zero_grad()
                loss = criterion(model(xb), yb)
                loss.backward()
                opt.step()
        elif self.kind == "forward":
            with torch.no_grad():
                self.last_loss = self.criterion(self.model(self.x), self.y).item()
        else:
            self.opt.zero_grad()
            self.criterion(self.model(self.x), self.y).backward()

    def loss(self):
        if self.kind != "train":
            return self.last_loss
        with torch.no_grad():
            return self.criterion(self.model(self.x), self.y).item()

    def parameters(self):
        return [p.detach().clone() for p in self.model.parameters()]

    def gradient(self):
        return torch.cat([p.grad.detach().reshape(-1).double() for p in self.model.parameters()])


def loss_of(run64, params):
    """fp64 full-data loss of `params` using the float64 run's model."""
    with torch.no_grad():
        saved = [p.clone() for p in run64.model.parameters()]
        for p, v in zip(run64.model.parameters(), params):
            p.copy_(v.double())
        value = run64.criterion(run64.model(run64.x), run64.y).item()
        for p, v in zip(run64.model.parameters(), saved):
            p.copy_(v)
    return value


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def verify(name, data):
    """Returns (ok, message, value, reference), the rules of common.cpp."""
    r32 = Run(name, data, torch.float32)
    r64 = Run(name, data, torch.float64)
    if r32.kind == "train":
        initial = loss_of(r64, initial_parameters(r64.model_spec))
        for _ in range(r32.verify_runs):
            r32.run()
            r64.run()
        own, ref = r32.loss(), r64.loss()
        if not relative(own, ref) <= LOSS_TOLERANCE:
            return False, f"after {r32.verify_runs} {r32.unit}s the loss is {own}, the fp64 reference {ref}", own, ref
        progress, ref_progress = initial - loss_of(r64, r32.parameters()), initial - ref
        if not relative(progress, ref_progress) <= PROGRESS_TOLERANCE:
            return False, f"the loss fell by {progress}, the fp64 reference's by {ref_progress}", own, ref
        return True, "", own, ref
    r32.run()
    r64.run()
    if r32.kind == "forward":
        own, ref = r32.loss(), r64.loss()
        ok = relative(own, ref) <= LOSS_TOLERANCE
        return ok, "" if ok else f"forward loss {own}, the fp64 reference {ref}", own, ref
    g, gref = r32.gradient(), r64.gradient()
    worst = (g - gref).abs().max().item()
    scale = gref.abs().max().item()
    ok = worst <= GRADIENT_TOLERANCE * scale
    return ok, "" if ok else f"gradient off by {worst} (scale {scale})", g.norm().item(), gref.norm().item()


def time_once(run, iterations):
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(iterations):
        run.run()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(run, min_time, repetitions):
    """Google Benchmark's scheme: grow the iteration count until one repetition lasts min_time,
    then time `repetitions` repetitions of that many iterations. Returns per-iteration seconds."""
    iterations = 1
    while True:
        wall, _ = time_once(run, iterations)
        if wall >= min_time or iterations >= 10 ** 9:
            break
        iterations = max(iterations + 1, int(iterations * min(10.0, 1.4 * min_time / max(wall, 1e-9))))
    reps = []
    for _ in range(repetitions):
        wall, cpu = time_once(run, iterations)
        reps.append((wall / iterations, cpu / iterations))
    return iterations, reps


def aggregate(name, unit, iterations, reps, counters, threads=1):
    out = []
    walls = [w for w, _ in reps]
    cpus = [c for _, c in reps]
    for agg, fn in (("mean", statistics.mean), ("median", statistics.median),
                    ("stddev", lambda v: statistics.stdev(v) if len(v) > 1 else 0.0)):
        out.append(dict(name=f"{name}_{agg}", run_name=name, run_type="aggregate",
                        repetitions=len(reps), threads=threads, aggregate_name=agg, aggregate_unit="time",
                        iterations=len(reps), real_time=fn(walls) * 1e6, cpu_time=fn(cpus) * 1e6,
                        time_unit="us", label=unit, **counters))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    ap.add_argument("--filter", default="", help="regex on the benchmark name")
    args = ap.parse_args()

    data = {"diabetes": diabetes(), "digits": digits()}
    results = []
    runs = [(name, 1, f"BM_{name}_pytorch") for name in WORKLOADS]
    runs += [(name, 2, f"BM_{name}_pytorch_2t") for name in TWO_THREADS]
    for name, threads, bench in runs:
        if args.filter and not re.search(args.filter, bench):
            continue
        set_threads(threads)
        ok, message, value, reference = verify(name, data)
        counters = dict(loss=value, ref_loss=reference)
        if not ok:
            results.append(dict(name=bench, run_name=bench, run_type="iteration", error_occurred=True,
                                error_message=message, **counters))
            print(f"{bench:<28} ERROR {message}", file=sys.stderr)
            continue
        run = Run(name, data, torch.float32)
        iterations, reps = measure(run, args.min_time, args.repetitions)
        results += aggregate(bench, WORKLOADS[name][7], iterations, reps, counters, threads)
        median = statistics.median(w for w, _ in reps) * 1e6
        print(f"{bench:<28} {median:12.2f} us  ({iterations} iterations x {args.repetitions})", file=sys.stderr)
    set_threads(1)

    context = dict(date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), host_name=platform.node(),
                   executable=sys.executable, python=platform.python_version(),
                   torch=torch.__version__, torch_num_threads=torch.get_num_threads(),
                   library_build_type="release")
    with open(args.out, "w") as f:
        json.dump(dict(context=context, benchmarks=results), f, indent=2)


if __name__ == "__main__":
    main()
