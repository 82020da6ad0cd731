#!/usr/bin/python3
"""Driver of the PyTorch <-> typegrad checkpoint exchange tests (docs/interop.md).

    exchange.py --cxx PROGRAM --optimizer NAME --direction {torch_to_typegrad,typegrad_to_torch}
                [--steps K] [--option KEY=JSON ...] [--data CSV] [--keep DIR]

The setting: tests/golden/data/diabetes_std.csv as one batch in file order (float32, as
written), torch.nn.Sequential(Linear(10, 16), Tanh(), Linear(16, 1)) drawn by
torch.manual_seed(0), loss F.mse_loss(model(x), y) on [rows, 1] (the golden cases' mse: the
mean over the rows of (pred - y)^2), float32, one thread; a step is zero_grad, backward, step.

PROGRAM is run as ``PROGRAM IN.safetensors OUT.safetensors STEPS DATA.csv``: it loads IN
(parameters, optimiser kind, options and state), trains STEPS steps and saves OUT, both in
typegrad's checkpoint layout. PROGRAM may be a command line ("python3 fake_continue.py").

torch_to_typegrad: torch trains K steps and saves IN; PROGRAM continues K steps; OUT must
  match torch trained 2K steps uninterrupted.
typegrad_to_torch: torch saves its state before the first step; PROGRAM trains K steps; OUT
  must match torch after K steps; torch loads OUT, trains K more, and must match 2K steps.

Each comparison is per tensor, parameters and optimiser state: |x - ref| <= atol + rtol |ref|
with the golden cases' rule (tests/golden/README.md): the tolerance covers 10 times the largest
deviation of two variants of the reference run -- in float64, and with the rows in reverse
order -- here with rtol held at its floor 1e-5 and atol = max(1e-6, 10 dev - 1e-5 |ref|).
Integer scalars (step, LBFGS's n_iter and func_evals) must be equal. The groups' options in OUT must equal torch's. Prints the
max abs/rel difference of every tensor; exits 1 on any mismatch or when PROGRAM fails.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import recording  # noqa: E402

torch = recording.torch_or_skip("exchange.py")
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tools", "interop"))
import safetensors_io  # noqa: E402
import typegrad_torch  # noqa: E402

torch.set_num_threads(1)

# Non-default options that exercise each optimiser's state, with learning rates that move the
# loss visibly in 2 x 50 steps without diverging.
OPTIONS = {
    "SGD": dict(lr=0.001, momentum=0.9),
    "Adam": dict(lr=0.05, amsgrad=True),
    "AdamW": dict(lr=0.05, weight_decay=0.1),
    "RMSprop": dict(lr=0.01, centered=True, momentum=0.5),
    "Adagrad": dict(lr=0.5, lr_decay=0.01, initial_accumulator_value=1.0),
    "NAdam": dict(lr=0.05),
    "RAdam": dict(lr=0.05),
    "Adadelta": dict(lr=1.0, eps=1e-4),
    "Adamax": dict(lr=0.05),
    "ASGD": dict(lr=0.001, t0=10),
    "Rprop": dict(lr=0.01),
    # A step of LBFGS is up to max_iter iterations: 3 steps fill the history and drop pairs.
    "LBFGS": dict(lr=1, max_iter=5, history_size=4, line_search_fn="strong_wolfe"),
}
# Scalars that count (torch's Python ints): equal, not within a tolerance.
COUNTS = (".step", ".n_iter", ".func_evals")
DATA = os.path.join(ROOT, "tests", "golden", "data", "diabetes_std.csv")
RTOL, ATOL_FLOOR = 1e-5, 1e-6
# --dtype float64: the tolerance of tests/lbfgs/reference_test.cpp's float64 replay of torch for
# the parameters (1e-8 absolute); for the state the same 1e-8 of the tensor's largest value (the
# state's scales differ: gradients of hundreds, ro of thousands; and a rounding of an order of
# summation is relative to the sum's scale, not to each entry's).
PARAM_ATOL64, STATE_RTOL64 = 1e-8, 1e-8


def read_csv(path, dtype=torch.float32):
    """(X [rows, features], y [rows]) as `dtype`: each value parsed as a double (then, for
    float32, cast to float)."""
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    if header[-1] != "target":
        raise ValueError(f"{path}: the last column is {header[-1]!r}, not 'target'")
    a = np.array(rows, dtype=np.float64).astype(np.float32 if dtype == torch.float32 else np.float64)
    return torch.from_numpy(a[:, :-1].copy()), torch.from_numpy(a[:, -1].copy())


def model_like(shapes):
    """Sequential of Linear layers with Tanh between, from the weights' shapes [out, in]."""
    layers = []
    for i, (out, inp) in enumerate(shapes):
        layers.append(torch.nn.Linear(inp, out))
        if i + 1 < len(shapes):
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def make(name, options, dtype=torch.float32):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)).to(dtype)
    return model, getattr(torch.optim, name)(model.parameters(), **options)


def mse_step(model, opt, x, target):
    """One step of mse on (x, target); returns the loss before it. LBFGS calls the closure itself,
    maybe many times, and returns its first loss; the others compute it once, then step."""
    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), target)
        loss.backward()
        return loss
    if isinstance(opt, torch.optim.LBFGS):
        return opt.step(closure)
    loss = closure()
    opt.step()
    return loss


def train(model, opt, x, y, steps):
    dtype = next(model.parameters()).dtype
    x, target = x.to(dtype), y.to(dtype).unsqueeze(1)
    return [mse_step(model, opt, x, target).item() for _ in range(steps)]


def snapshot(model, opt):
    """name -> float64 array of every parameter and state entry, named as in the file."""
    out = {n: p.detach().double().numpy().copy() for n, p in model.named_parameters()}
    name_of = {id(p): n for n, p in model.named_parameters()}
    for p, st in opt.state.items():
        if isinstance(opt, torch.optim.LBFGS):  # its lists as the file holds them
            st = typegrad_torch.lbfgs_state_to_file(st)
        for key, v in st.items():
            if v is None:
                continue
            out[f"{typegrad_torch.STATE_PREFIX}{name_of[id(p)]}.{key}"] = (
                v.detach().double().numpy().copy() if torch.is_tensor(v) else np.array(float(v)))
    return out


def reference(name, options, x, y, k, dtype=torch.float32):
    """torch's run, after k and after 2k steps: (snapshots, per-tensor largest deviation of the
    float64 and reversed-rows runs from it (float32 only; None in float64), losses)."""
    model, opt = make(name, options, dtype)
    losses = train(model, opt, x, y, k)
    ref = [snapshot(model, opt)]
    losses += train(model, opt, x, y, k)
    ref.append(snapshot(model, opt))
    if dtype == torch.float64:
        return ref, [None, None], losses
    dev = [{key: np.zeros_like(v) for key, v in r.items()} for r in ref]
    backwards = torch.arange(x.shape[0] - 1, -1, -1)
    for dtype, xs, ys in ((torch.float64, x, y), (torch.float32, x[backwards], y[backwards])):
        m, o = make(name, options, dtype)
        for i in range(2):
            train(m, o, xs, ys, k)
            for key, v in snapshot(m, o).items():
                dev[i][key] = np.maximum(dev[i][key], np.abs(v - ref[i][key]))
    return ref, dev, losses


def compare(label, got, ref, dev, params=()):
    """Each tensor of `got` against `ref`; `dev` the deviations of torch's variants (float32), or
    None for float64's fixed tolerances (`params`: the names of the parameters)."""
    print(f"--- {label}")
    ok = True
    for k in sorted(set(got) | set(ref)):
        if k not in got or k not in ref:
            print(f"  MISMATCH {k}: {'missing from the file' if k in ref else 'not in torch state'}")
            ok = False
            continue
        g, r = got[k], ref[k]
        if g.shape != r.shape:
            print(f"  MISMATCH {k}: shape {list(g.shape)}, torch's is {list(r.shape)}")
            ok = False
            continue
        diff = np.abs(g - r)
        rel = diff / np.maximum(np.abs(r), np.finfo(np.float32).tiny)
        if k.endswith(COUNTS):
            atol, good = 0.0, bool(np.all(diff == 0))
        elif dev is None:  # float64
            atol = PARAM_ATOL64 if k in params else STATE_RTOL64 * float(np.max(np.abs(r), initial=0.0))
            good = bool(np.all(diff <= atol))
        else:
            atol = max(ATOL_FLOOR, float(np.max(10 * dev[k] - RTOL * np.abs(r), initial=0.0)))
            good = bool(np.all(diff <= atol + RTOL * np.abs(r)))
        ok &= good
        print(f"  {'ok      ' if good else 'MISMATCH'} {k}: max abs {diff.max(initial=0):.3g}, "
              f"max rel {rel.max(initial=0):.3g} (atol {atol:.3g}, rtol {RTOL if dev is not None else 0:g})")
    return ok


def file_values(path):
    tensors, meta = safetensors_io.read(path)
    typegrad_torch.check_layout(path, tensors, meta)
    return {k: v.astype(np.float64) for k, v in tensors.items()
            if not k.startswith(typegrad_torch.TYPEGRAD_ONLY_PREFIXES)}, meta


def compare_options(path, meta, opt):
    ok = True
    if meta.get("optimizer") != type(opt).__name__:
        print(f"  MISMATCH {path}: optimizer {meta.get('optimizer')!r}, torch's is {type(opt).__name__}")
        return False
    groups = json.loads(meta["optimizer.param_groups"])
    for g, (group, want) in enumerate(zip(groups, opt.state_dict()["param_groups"])):
        for k, v in want.items():
            if k == "params" or k in typegrad_torch.IMPLEMENTATION_OPTIONS:
                continue
            got = group.get(k, "<missing>")
            v = list(v) if isinstance(v, tuple) else v
            same = (got == v) if not isinstance(v, float) else (
                isinstance(got, (int, float)) and not isinstance(got, bool) and abs(got - v) <= 1e-12 * abs(v))
            if not same:
                print(f"  MISMATCH param_groups[{g}].{k}: {got!r}, torch's is {v!r}")
                ok = False
    if len(groups) != len(opt.param_groups):
        print(f"  MISMATCH {len(groups)} param_groups, torch has {len(opt.param_groups)}")
        ok = False
    if ok:
        print(f"  ok       optimizer {meta['optimizer']}, param_groups options equal torch's")
    return ok


def run_program(cxx, src, dst, steps, data):
    cmd = shlex.split(cxx) + [src, dst, str(steps), data]
    print("$ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    result = subprocess.run(cmd)
    if result.returncode != 0:
        print(f"FAIL: PROGRAM exited with {result.returncode}")
        return False
    if not os.path.exists(dst):
        print(f"FAIL: PROGRAM wrote no {dst}")
        return False
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cxx", required=True, help="the program (or command line) that continues training")
    ap.add_argument("--optimizer", required=True, choices=sorted(OPTIONS))
    ap.add_argument("--direction", required=True, choices=["torch_to_typegrad", "typegrad_to_torch"])
    ap.add_argument("--steps", type=int, default=50, help="K (default 50)")
    ap.add_argument("--option", action="append", default=[], metavar="KEY=JSON",
                    help="override an optimiser option, e.g. --option lr=0.1 --option 'betas=[0.8,0.9]'")
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                    help="the model's dtype; float64 compares with fixed tolerances")
    ap.add_argument("--keep", metavar="DIR", help="write IN/OUT here and keep them")
    args = ap.parse_args(argv)

    options = dict(OPTIONS[args.optimizer])
    for item in args.option:
        key, _, value = item.partition("=")
        value = json.loads(value)
        options[key] = tuple(value) if isinstance(value, list) else value
    dtype = getattr(torch, args.dtype)
    x, y = read_csv(args.data, dtype)
    names = [n for n, _ in make(args.optimizer, options)[0].named_parameters()]
    k = args.steps
    print(f"{args.optimizer}({', '.join(f'{a}={b}' for a, b in options.items())}), {args.direction}, "
          f"K = {k}, {x.shape[0]} rows, {args.dtype}", flush=True)
    (ref_k, ref_2k), (dev_k, dev_2k), losses_2k = reference(args.optimizer, options, x, y, k, dtype)
    print(f"torch loss: {losses_2k[0]:.6g} at step 1, {losses_2k[k - 1]:.6g} at step {k}, "
          f"{losses_2k[-1]:.6g} at step {2 * k}")

    tmp = tempfile.TemporaryDirectory() if not args.keep else None
    folder = args.keep or tmp.name
    os.makedirs(folder, exist_ok=True)
    src = os.path.join(folder, f"{args.optimizer}_{args.direction}_in.safetensors")
    dst = os.path.join(folder, f"{args.optimizer}_{args.direction}_out.safetensors")
    try:
        model, opt = make(args.optimizer, options, dtype)
        if args.direction == "torch_to_typegrad":
            train(model, opt, x, y, k)
        typegrad_torch.save(src, model, opt, metadata={"user.exchange": args.direction})
        if not run_program(args.cxx, src, dst, k, args.data):
            return 1
        try:
            got, meta = file_values(dst)
        except (ValueError, OSError) as e:
            print(f"FAIL: {e}")
            return 1
        if args.direction == "torch_to_typegrad":
            ok = compare(f"OUT (PROGRAM, steps {k + 1}..{2 * k}) vs torch after {2 * k} steps", got, ref_2k, dev_2k, names)
            ok &= compare_options(dst, meta, make(args.optimizer, options)[1])
        else:
            ok = compare(f"OUT (PROGRAM, steps 1..{k}) vs torch after {k} steps", got, ref_k, dev_k, names)
            ok &= compare_options(dst, meta, make(args.optimizer, options)[1])
            # torch resumes from OUT, with default options: they must come from the file.
            model, opt = make(args.optimizer, {"lr": 1e-3}, dtype)
            typegrad_torch.load(dst, model, opt)
            train(model, opt, x, y, k)
            ok &= compare(f"torch loaded OUT, steps {k + 1}..{2 * k}, vs torch after {2 * k} steps",
                          snapshot(model, opt), ref_2k, dev_2k, names)
    finally:
        if tmp:
            tmp.cleanup()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
