#!/usr/bin/env python3
"""Records PyTorch DistributedDataParallel training (torch 1.13, gloo backend, 2 processes on
127.0.0.1) into ddp_torch.json, which ddp_replay_test.cpp replays under mpiexec -np 2 with
typegrad::distributed::data_parallel and compares step by step.

The run, per case:
  model = Sequential(Linear(64, 16), ReLU(), Linear(16, 10)), rank 0's initial weights recorded in
  "init"; rank 1 starts from other weights, which DDP's broadcast replaces by rank 0's;
  data = tests/golden/data/digits_std.csv (float32), cross-entropy;
  sampler = torch.utils.data.DistributedSampler(shuffle=True, seed=SEED), epoch 0: its permutation
  (torch.randperm with a generator seeded SEED) and each rank's list are recorded, and the C++
  replay deals the same lists from the permutation with typegrad's distributed_sampler;
  per step: opt.zero_grad(); then `accumulate` micro-batches of BATCH rows per rank, all but the
  last under ddp.no_sync(); loss.backward() each; opt.step(). Every parameter is recorded after
  every step, and each rank's micro-batch losses.

Tolerances (rtol, atol per case): the same loop run in float64 deviates from the float32 recording
by at most D elementwise (relative to max(|x|, 1e-3)); rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D
* 1e-3), the floors of tests/golden/README.md. Usage: record_ddp.py [--check] [out.json]
"""
import faulthandler
import json
import os
import queue
import socket
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DistributedSampler

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "golden", "data", "digits_std.csv")
WORLD = 2
BATCH = 16
SEED = 3
CASES = [
    {"name": "sgd_momentum", "optimizer": "SGD", "kwargs": {"lr": 0.1, "momentum": 0.9}, "accumulate": 1, "steps": 6},
    {"name": "adam_no_sync2", "optimizer": "Adam", "kwargs": {"lr": 0.01}, "accumulate": 2, "steps": 5},
]


def f32(v):
    """A float32 value as the shortest decimal that reads back to it (JSON stays small)."""
    return float(f"{v:.9g}")


def flat(p):
    return [f32(v) for v in p.detach().double().flatten().tolist()]


def load_data(dtype):
    with open(DATA) as f:
        next(f)
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    x = torch.tensor([r[:-1] for r in rows], dtype=torch.float32).to(dtype)
    y = torch.tensor([int(r[-1]) for r in rows], dtype=torch.long)
    return x, y


def model_of(seed, dtype):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10)).to(dtype)


def worker(rank, port, dtype, out):
    torch.set_num_threads(1)
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # gloo's pairs on loopback too, not the host name's address
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    x, y = load_data(dtype)
    sampler = DistributedSampler(range(len(y)), num_replicas=WORLD, rank=rank, shuffle=True, seed=SEED)
    sampler.set_epoch(0)
    mine = list(sampler)
    results = []
    for case in CASES:
        model = model_of(0 if rank == 0 else 1 + rank, dtype)
        ddp = DDP(model)  # broadcasts rank 0's parameters
        init = {n: flat(p) for n, p in model.named_parameters()}
        opt = getattr(torch.optim, case["optimizer"])(ddp.parameters(), **case["kwargs"])
        trajectory = []
        micro = 0
        for _ in range(case["steps"]):
            opt.zero_grad()
            losses = []
            for a in range(case["accumulate"]):
                rows = mine[micro * BATCH:(micro + 1) * BATCH]
                micro += 1
                if a + 1 < case["accumulate"]:
                    with ddp.no_sync():
                        loss = F.cross_entropy(ddp(x[rows]), y[rows])
                        loss.backward()
                else:
                    loss = F.cross_entropy(ddp(x[rows]), y[rows])
                    loss.backward()
                losses.append(loss.item())
            opt.step()
            every = [torch.zeros(len(losses), dtype=torch.float64) for _ in range(WORLD)]
            dist.all_gather(every, torch.tensor(losses, dtype=torch.float64))
            trajectory.append({"losses": [[f32(v) for v in t.tolist()] for t in every],
                               "params": {n: flat(p) for n, p in model.named_parameters()}})
        results.append({"init": init, "trajectory": trajectory})
    if rank == 0:
        g = torch.Generator()
        g.manual_seed(SEED)
        order = torch.randperm(len(y), generator=g).tolist()
        lists = [None] * WORLD
        dist.all_gather_object(lists, mine)
        out.put({"order": order, "indices": lists, "results": results})
    else:
        dist.all_gather_object([None] * WORLD, mine)
    dist.destroy_process_group()


def attempt(dtype, seconds):
    """One recording by two fresh processes on a fresh port; None if a worker failed or the two did
    not finish within `seconds` (both are then ended)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(r, port, dtype, q)) for r in range(WORLD)]
    for p in procs:
        p.start()
    deadline = time.monotonic() + seconds
    res = None
    while res is None:
        try:
            res = q.get(timeout=1)
        except queue.Empty:
            failed = any(p.exitcode not in (None, 0) for p in procs)
            if failed or time.monotonic() > deadline:
                for p in procs:
                    p.kill()
                    p.join()
                why = "a worker failed" if failed else f"no result within {seconds} s"
                print(f"record_ddp.py: {why} (port {port}); starting again", file=sys.stderr)
                return None
    # The result is whole once rank 0 has sent it (after the last collective), but a worker can
    # still stall on its way out (gloo's teardown, the interpreter's exit) on a loaded machine: it
    # gets until the deadline, at least 30 s, and is then ended; the result stands.
    for p in procs:
        p.join(max(30.0, deadline - time.monotonic()))
        if p.exitcode is None:
            print(f"record_ddp.py: a worker had not exited {seconds} s after its start; ended", file=sys.stderr)
            p.kill()
            p.join()
        elif p.exitcode != 0:
            raise SystemExit(f"record_ddp.py: a worker exited with {p.exitcode}")
    return res


def run(dtype):
    # The port is free when chosen but may be taken before rank 0 listens on it, and a loaded
    # machine may stall the rendezvous: a run takes seconds, so a failed or stalled one is started
    # again on a new port, three times at most, within ctest's 300 s.
    for _ in range(3):
        res = attempt(dtype, 80)
        if res is not None:
            return res
    raise SystemExit("record_ddp.py: three runs of the two processes failed")


def deviation(a, b):
    worst = 0.0
    for sa, sb in zip(a["trajectory"], b["trajectory"]):
        for n in sa["params"]:
            for u, v in zip(sa["params"][n], sb["params"][n]):
                worst = max(worst, abs(u - v) / max(abs(v), 1e-3))
    return worst


def record(with_float64=True):
    f32 = run(torch.float32)
    f64 = run(torch.float64) if with_float64 else f32
    cases = []
    for case, r32, r64 in zip(CASES, f32["results"], f64["results"]):
        d = deviation(r64, r32)
        cases.append(dict(case, rtol=max(1e-5, 10 * d), atol=max(1e-6, 10 * d * 1e-3), float64_deviation=d, **r32))
    return {"torch_version": torch.__version__, "backend": "gloo", "world_size": WORLD, "batch_per_rank": BATCH,
            "data": "tests/golden/data/digits_std.csv", "model": "Sequential(Linear(64, 16), ReLU(), Linear(16, 10))",
            "loss": "cross_entropy", "sampler": {"seed": SEED, "epoch": 0, "shuffle": True, "drop_last": False,
                                                  "order": f32["order"], "indices": f32["indices"]},
            "cases": cases}


def main():
    # Where the parent waits, should ctest's timeout come first (a hang then names its line).
    faulthandler.dump_traceback_later(270, exit=False)
    args = [a for a in sys.argv[1:] if a != "--check"]
    path = args[0] if args else os.path.join(HERE, "ddp_torch.json")
    rec = record(with_float64="--check" not in sys.argv)
    if "--check" in sys.argv:
        with open(path) as f:
            old = json.load(f)
        worst = 0.0
        for c_old, c_new in zip(old["cases"], rec["cases"]):
            for so, sn in zip(c_old["trajectory"], c_new["trajectory"]):
                for n in so["params"]:
                    for u, v in zip(sn["params"][n], so["params"][n]):
                        if abs(u - v) > c_old["atol"] + c_old["rtol"] * abs(v):
                            print(f"record_ddp.py: {c_old['name']} {n}: {u} now, {v} recorded")
                            return 1
                        worst = max(worst, abs(u - v))
        if old["sampler"]["indices"] != rec["sampler"]["indices"]:
            print("record_ddp.py: DistributedSampler deals other lists now")
            return 1
        print(f"record_ddp.py: {path} matches a new recording (largest difference {worst:.3g})")
        return 0
    with open(path, "w") as f:
        json.dump(rec, f, separators=(",", ":"))
        f.write("\n")
    print(f"record_ddp.py: wrote {path}; float64 deviations: " +
          ", ".join(f"{c['name']} {c['float64_deviation']:.3g}" for c in rec["cases"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
