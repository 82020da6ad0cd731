#!/usr/bin/python3
"""Writes tests/optim/reference/*.json from torch 1.13 (run with Debian's /usr/bin/python3).

optimizers.json: for every optimiser and option combination below, a tiny problem of three
parameters ("w": 11 values, "b": 3, "s": 1; sizes chosen to exercise full SIMD batches and the
padded tail), stepped `steps` times in float32 and in float64. The gradient of each step is
a * (p - t) + 0.5 * sin(1.3 * step + index) computed by torch from its own parameters and written
out, so the C++ replay feeds exactly the same gradients and checks only the optimiser. Recorded:
the parameters after every step, the optimiser state of every parameter after the steps in STATE_AT.

schedulers.json: every scheduler over SGD / Adam with two parameter groups (lr 0.1 and 0.02):
each group's lr (and momentum or betas[0]) before each of `steps` optimiser steps.
"""
import json
import warnings
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")
torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=UserWarning)

SIZES = [("w", 11), ("b", 3), ("s", 1)]
STEPS = 25
STATE_AT = (0, 1, 2, 7, 16, STEPS - 1)  # 0-based steps after which the state is written


def init_params(dtype):
    out = []
    for k, (name, n) in enumerate(SIZES):
        vals = [0.7 * math.cos(0.9 * i + k) - 0.2 for i in range(n)]
        out.append(torch.nn.Parameter(torch.tensor(vals, dtype=dtype)))
    return out


def grads_for(params, step, dtype):
    gs = []
    for k, p in enumerate(params):
        n = p.numel()
        a = torch.tensor([1.0 + 0.25 * i for i in range(n)], dtype=dtype)
        t = torch.tensor([0.3 * math.sin(i + k) for i in range(n)], dtype=dtype)
        wave = torch.tensor([0.5 * math.sin(1.3 * step + i + 3 * k) for i in range(n)], dtype=dtype)
        gs.append(a * (p.detach() - t) + wave)
    return gs


def short(v, dtype):
    # float32 values with 9 significant digits round-trip exactly; doubles keep repr.
    return float("%.9g" % v) if dtype == torch.float32 else v


def flat(x):
    if isinstance(x, torch.Tensor):
        if x.dim() == 0:
            return short(x.item(), x.dtype)
        return [short(v, x.dtype) for v in x.detach().reshape(-1).tolist()]
    return x


def run_optimizer(name, kwargs, dtype, groups):
    params = init_params(dtype)
    names = [n for n, _ in SIZES]
    if groups:
        used = set()
        spec = []
        for g in groups:
            ps = [params[names.index(n)] for n in g["params"]]
            used.update(g["params"])
            d = dict(g["options"])
            if "betas" in d:
                d["betas"] = tuple(d["betas"])
            spec.append(dict(params=ps, **d))
        rest = [params[i] for i, n in enumerate(names) if n not in used]
        spec.insert(0, dict(params=rest))
        kw = dict(kwargs)
        opt = getattr(torch.optim, name)(spec, **kw)
    else:
        kw = dict(kwargs)
        opt = getattr(torch.optim, name)(params, **kw)
    init = {n: flat(p) for n, p in zip(names, params)}
    grads, after, states = [], [], []
    for step in range(STEPS):
        gs = grads_for(params, step, dtype)
        for p, g in zip(params, gs):
            p.grad = g.clone()
        grads.append({n: flat(g) for n, g in zip(names, gs)})
        opt.step()
        after.append({n: flat(p) for n, p in zip(names, params)})
        if step in STATE_AT:
            states.append(dict(after_step=step, params={n: {k: flat(v) for k, v in opt.state[p].items() if v is not None}
                                                        for n, p in zip(names, params)}))
    return dict(init=init, grads=grads, params=after, state=states)


def kw_json(kwargs):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}


OPTIMIZER_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.2, maximize=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, momentum=0.8, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5, eps=1e-8)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.2, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1, maximize=True)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08), maximize=True)),
]

GROUP_CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1),
     [dict(params=["b", "s"], options=dict(weight_decay=0.0, lr=0.2))]),
    ("Adam", dict(lr=0.05, weight_decay=0.1),
     [dict(params=["b"], options=dict(weight_decay=0.0, betas=(0.5, 0.9))), dict(params=["s"], options=dict(lr=0.01, amsgrad=True))]),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1),
     [dict(params=["b", "s"], options=dict(initial_accumulator_value=1.0, lr=0.3))]),
]


def record_optimizers():
    cases = []
    for name, kwargs in OPTIMIZER_CASES:
        case = dict(name=name, options=kw_json(kwargs), groups=[])
        for dt, key in ((torch.float32, "float32"), (torch.float64, "float64")):
            case[key] = run_optimizer(name, kwargs, dt, None)
        cases.append(case)
    for name, kwargs, groups in GROUP_CASES:
        gj = [dict(params=g["params"], options=kw_json(g["options"])) for g in groups]
        case = dict(name=name, options=kw_json(kwargs), groups=gj)
        for dt, key in ((torch.float32, "float32"), (torch.float64, "float64")):
            case[key] = run_optimizer(name, kwargs, dt, gj)
        cases.append(case)
    # Full option lists as torch reports them (defaults filled in) make the JSON self-describing.
    with open(os.path.join(OUT, "optimizers.json"), "w") as f:
        json.dump(dict(torch_version=torch.__version__, steps=STEPS, sizes=SIZES, cases=cases), f, separators=(',', ':'))


SCHED_STEPS = 60
SCHEDULER_CASES = [
    ("SGD", dict(momentum=0.9), "StepLR", dict(step_size=7, gamma=0.5)),
    ("SGD", dict(momentum=0.9), "MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("SGD", dict(), "ExponentialLR", dict(gamma=0.93)),
    ("SGD", dict(), "CosineAnnealingLR", dict(T_max=20, eta_min=0.001)),
    ("SGD", dict(), "CosineAnnealingLR", dict(T_max=100)),
    ("SGD", dict(), "LinearLR", dict(start_factor=0.1, total_iters=15)),
    ("SGD", dict(), "LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=40)),
    ("SGD", dict(), "ConstantLR", dict(factor=0.25, total_iters=9)),
    ("SGD", dict(), "PolynomialLR", dict(total_iters=30, power=2.0)),
    ("SGD", dict(), "CosineAnnealingWarmRestarts", dict(T_0=7, T_mult=2, eta_min=0.001)),
    ("SGD", dict(), "CosineAnnealingWarmRestarts", dict(T_0=9)),
    ("SGD", dict(momentum=0.9), "OneCycleLR", dict(max_lr=0.3, total_steps=60)),
    ("SGD", dict(momentum=0.9), "OneCycleLR", dict(max_lr=0.3, total_steps=60, anneal_strategy="linear", three_phase=True, pct_start=0.25, div_factor=10.0, final_div_factor=100.0)),
    ("Adam", dict(), "OneCycleLR", dict(max_lr=0.01, epochs=6, steps_per_epoch=10, base_momentum=0.8, max_momentum=0.9)),
    ("SGD", dict(momentum=0.9), "OneCycleLR", dict(max_lr=0.3, total_steps=60, cycle_momentum=False)),
    ("SGD", dict(momentum=0.9), "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=8)),
    ("SGD", dict(momentum=0.9), "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=10, mode="triangular2")),
    ("SGD", dict(momentum=0.9), "CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.97)),
    ("Adam", dict(), "CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=6, cycle_momentum=False)),
    ("SGD", dict(), "ReduceLROnPlateau", dict(factor=0.5, patience=3, threshold=0.01, cooldown=2, min_lr=0.004)),
    ("SGD", dict(), "ReduceLROnPlateau", dict(mode="max", factor=0.3, patience=2, threshold=0.05, threshold_mode="abs")),
]


def plateau_metric(step):
    # A noisy, slowly improving loss with plateaus.
    return 1.0 / (1 + 0.05 * step) + 0.08 * math.sin(0.7 * step) + (0.2 if 20 <= step < 35 else 0.0)


def record_schedulers():
    cases = []
    for opt_name, opt_kw, name, kw in SCHEDULER_CASES:
        p1 = torch.nn.Parameter(torch.zeros(2))
        p2 = torch.nn.Parameter(torch.zeros(2))
        opt = getattr(torch.optim, opt_name)([dict(params=[p1]), dict(params=[p2], lr=0.02)], lr=0.1, **opt_kw)
        sched = getattr(torch.optim.lr_scheduler, name)(opt, **kw)
        lrs, moms, metrics = [], [], []
        mkey = "betas" if "betas" in opt.defaults else "momentum"
        for step in range(SCHED_STEPS):
            lrs.append([g["lr"] for g in opt.param_groups])
            moms.append([(g[mkey][0] if mkey == "betas" else g[mkey]) for g in opt.param_groups])
            for p in (p1, p2):
                p.grad = torch.ones(2)
            opt.step()
            if name == "ReduceLROnPlateau":
                m = plateau_metric(step)
                if kw.get("mode") == "max":
                    m = -m
                metrics.append(m)
                sched.step(m)
            else:
                sched.step()
        cases.append(dict(optimizer=dict(name=opt_name, lr=0.1, group_lrs=[0.1, 0.02], **opt_kw),
                          scheduler=dict(name=name, **kw), lr_history=lrs, momentum_history=moms,
                          metrics=metrics))
    # Composite schedulers and callables, fixed recipes mirrored in schedulers_test.cpp.
    def composite(make):
        p1 = torch.nn.Parameter(torch.zeros(2))
        p2 = torch.nn.Parameter(torch.zeros(2))
        opt = torch.optim.SGD([dict(params=[p1]), dict(params=[p2], lr=0.02)], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(SCHED_STEPS):
            lrs.append([g["lr"] for g in opt.param_groups])
            opt.step()
            sched.step()
        return lrs
    S = torch.optim.lr_scheduler
    extra = dict(
        LambdaLR=composite(lambda o: S.LambdaLR(o, lambda e: 0.95 ** e)),
        MultiplicativeLR=composite(lambda o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.99)),
        SequentialLR=composite(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                             S.ExponentialLR(o, gamma=0.9),
                                                             S.CosineAnnealingLR(o, T_max=10)], milestones=[10, 30])),
        ChainedScheduler=composite(lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4),
                                                                 S.ExponentialLR(o, gamma=0.95),
                                                                 S.StepLR(o, step_size=10, gamma=0.5)])),
    )
    with open(os.path.join(OUT, "schedulers.json"), "w") as f:
        json.dump(dict(torch_version=torch.__version__, steps=SCHED_STEPS, cases=cases, composite=extra), f, separators=(',', ':'))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    record_optimizers()
    record_schedulers()
