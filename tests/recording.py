"""What the torch recorders of tests/ share (tests/layers, tests/dropout, tests/replay,
tests/distributed): torch or the skip status, float32 numbers as JSON keeps them, the golden data
files, and the recorder's command line with its write-or-compare step.

    import recording
    torch = recording.torch_or_skip("record_x.py")   # exit 77 without python3-torch
    x, y = recording.load_golden("iris_std.csv", torch.float64)
    sys.exit(recording.write_or_check({"x.json": content}, recording.folder_and_check(HERE)))
"""
import json
import math
import os
import sys

GOLDEN_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "data")


def torch_or_skip(script):
    """The torch module, or exit 77 (ctest's skip status) without Debian's python3-torch."""
    try:
        import torch
    except ImportError:
        print(f"{script}: no torch (python3-torch): skipped")
        sys.exit(77)
    return torch


def number(v, dtype):
    """A value of a tensor of `dtype` as the JSON keeps it: float32 values with 9 significant digits
    (they read back to the same float), non-finite values as the strings "nan", "inf", "-inf"."""
    import torch

    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return float("%.9g" % v) if dtype == torch.float32 else v


def numbers(t):
    """A tensor's values, flattened, as number() writes them."""
    return [number(v, t.dtype) for v in t.detach().reshape(-1).tolist()]


def load_golden(name, dtype, classes=True):
    """tests/golden/data/<name>: the features (float32 values, then cast to dtype) and the targets
    (class indices as torch.long, or values in dtype)."""
    import torch

    with open(os.path.join(GOLDEN_DATA, name)) as f:
        next(f)
        rows = [[float(v) for v in line.split(",")] for line in f if line.strip()]
    x = torch.tensor([r[:-1] for r in rows], dtype=torch.float32).to(dtype)
    if classes:
        return x, torch.tensor([int(r[-1]) for r in rows], dtype=torch.long)
    return x, torch.tensor([r[-1] for r in rows], dtype=torch.float32).to(dtype)


def folder_and_check(default_folder):
    """The recorder's command line, `[--check] [folder]`: (folder, whether to compare)."""
    args = [a for a in sys.argv[1:] if a != "--check"]
    return (args[0] if args else default_folder), "--check" in sys.argv[1:]


def dumps(content):
    """The JSON text of a recording: compact, one line."""
    return json.dumps(content, separators=(",", ":")) + "\n"


def write_or_check(files, folder_check):
    """Writes each {file name: content} into the folder, or with --check compares the new text
    with the committed file's; the exit status (1 if a file differs)."""
    folder, check = folder_check
    failed = False
    for name, content in files.items():
        text = dumps(content)
        path = os.path.join(folder, name)
        if check:
            with open(path) as f:
                same = f.read() == text
            print(("same: " if same else "DIFFERS: ") + path)
            failed = failed or not same
        else:
            with open(path, "w") as f:
                f.write(text)
            print("wrote " + path)
    return 1 if failed else 0


def load_init(model, init, dtype):
    """Sets each parameter to init[name] (flat values, torch's layout) when init is given."""
    import torch

    if init is None:
        return
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(torch.tensor(init[n], dtype=dtype).reshape(p.shape))


def cross_entropy_steps(model, opt, x, y, steps, before_step=None):
    """The golden loop on one batch: `steps` times before_step(step) (if given), zero_grad, the
    cross-entropy of model(x) against y, backward, step. The losses and the first step's
    gradients (by parameter name)."""
    import torch.nn.functional as F

    losses, first_grad = [], None
    for step in range(steps):
        if before_step is not None:
            before_step(step)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            first_grad = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        opt.step()
    return losses, first_grad
