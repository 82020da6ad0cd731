#!/usr/bin/python3
"""PyTorch DistributedDataParallel on W7 (bench/common.hpp): two processes on 127.0.0.1 with the
gloo backend, one thread each, each process taking a contiguous half of the full batch; the time
of a step is measured on rank 0. Written as Google-Benchmark-like JSON (BM_W7_pytorch_ddp2), as
pytorch_bench.py writes its results.

    /usr/bin/python3 bench/pytorch_ddp_bench.py --out build/bench/ddp.json [--repetitions 5] [--min-time 0.5]

A step is the full-batch mean loss: each rank sums its rows' losses and divides by the batch's
rows over the world size, so that DDP's average of the two gradients is the full batch's gradient
exactly. Before it is timed, rank 0 checks the training against the same model trained in float64
in one process (pytorch_bench.py's rules: loss within 1e-3 relative after W7's verification steps,
loss decrease within 2e-2).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pytorch_bench as pb  # noqa: E402  (the data, the model and the reference)

NAME = "W7"
WORLD = 2
BENCH = "BM_W7_pytorch_ddp2"


def worker(rank, args, port, queue):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    pb.set_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    data = {"digits": pb.digits()}
    run = pb.Run(NAME, data, torch.float32)
    rows = run.x.shape[0]
    half = (rows + WORLD - 1) // WORLD
    xb, yb = run.x[rank * half:(rank + 1) * half], run.y[rank * half:(rank + 1) * half]
    scale = WORLD / rows  # sum of this rank's losses * WORLD / rows; DDP divides by WORLD
    model = torch.nn.parallel.DistributedDataParallel(run.model)

    def reset():
        run.reset()  # initial parameters (the same on both ranks) and a fresh Adam
        run.opt = torch.optim.Adam(model.parameters(), lr=run.lr, betas=(0.9, 0.999), eps=1e-8)

    def step():
        run.opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xb), yb, reduction="sum") * scale
        loss.backward()
        run.opt.step()

    # Shown to train: rank 0 compares with the float64 single-process reference.
    reset()
    for _ in range(run.verify_runs):
        step()
    ok, message, own, ref = True, "", 0.0, 0.0
    if rank == 0:
        r64 = pb.Run(NAME, data, torch.float64)
        initial = pb.loss_of(r64, pb.initial_parameters(r64.model_spec))
        for _ in range(r64.verify_runs):
            r64.run()
        own, ref = run.loss(), r64.loss()
        progress, ref_progress = initial - pb.loss_of(r64, run.parameters()), initial - ref
        if not pb.relative(own, ref) <= pb.LOSS_TOLERANCE:
            ok, message = False, f"after {run.verify_runs} steps the loss is {own}, the fp64 reference {ref}"
        elif not pb.relative(progress, ref_progress) <= pb.PROGRESS_TOLERANCE:
            ok, message = False, f"the loss fell by {progress}, the fp64 reference's by {ref_progress}"
    verdict = torch.tensor([1 if ok else 0])
    dist.broadcast(verdict, 0)
    if not verdict.item():
        if rank == 0:
            queue.put(dict(ok=False, message=message, loss=own, ref_loss=ref))
        dist.destroy_process_group()
        return

    # Google Benchmark's scheme, the iteration count chosen on rank 0 and broadcast.
    reset()
    iterations = 1
    while True:
        dist.barrier()
        start = time.perf_counter()
        for _ in range(iterations):
            step()
        wall = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
        dist.broadcast(wall, 0)
        if wall.item() >= args.min_time or iterations >= 10 ** 6:
            break
        iterations = max(iterations + 1, int(iterations * min(10.0, 1.4 * args.min_time / max(wall.item(), 1e-9))))
    reps = []
    for _ in range(args.repetitions):
        dist.barrier()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(iterations):
            step()
        reps.append(((time.perf_counter() - wall) / iterations, (time.process_time() - cpu) / iterations))
    if rank == 0:
        queue.put(dict(ok=True, reps=reps, iterations=iterations, loss=own, ref_loss=ref))
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="JSON file to write")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition")
    ap.add_argument("--port", type=int, default=29517)
    args = ap.parse_args()

    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.spawn(worker, args=(args, args.port, queue), nprocs=WORLD, join=True)
    r = queue.get()
    counters = dict(loss=r["loss"], ref_loss=r["ref_loss"])
    if not r["ok"]:
        results = [dict(name=BENCH, run_name=BENCH, run_type="iteration", error_occurred=True,
                        error_message=r["message"], **counters)]
        print(f"{BENCH:<28} ERROR {r['message']}", file=sys.stderr)
    else:
        results = pb.aggregate(BENCH, "step", r["iterations"], r["reps"], counters, WORLD)
        median = statistics.median(w for w, _ in r["reps"]) * 1e6
        print(f"{BENCH:<28} {median:12.2f} us  ({r['iterations']} iterations x {args.repetitions}, rank 0; "
              "cpu time is rank 0's process)", file=sys.stderr)
    context = dict(date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), host_name=platform.node(),
                   executable=sys.executable, python=platform.python_version(), torch=torch.__version__,
                   processes=WORLD, backend="gloo", library_build_type="release")
    with open(args.out, "w") as f:
        json.dump(dict(context=context, benchmarks=results), f, indent=2)


if __name__ == "__main__":
    main()
