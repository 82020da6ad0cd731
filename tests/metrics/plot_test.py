#!/usr/bin/python3
"""scripts/plot on two generated logs (the PNG exists, is a PNG, of a sensible size) and on
malformed ones (exit 1, a message naming file and line). Exits 77 (skipped) without matplotlib.

    plot_test.py SCRIPTS_PLOT WORKDIR
"""

import os
import shutil
import struct
import subprocess
import sys


def run(plot, *args):
    return subprocess.run(["/usr/bin/python3", plot, *args], capture_output=True, text=True)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    plot, work = sys.argv[1], sys.argv[2]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("plot_test.py: matplotlib is not installed", file=sys.stderr)
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []

    def expect(cond, what):
        print(("ok    " if cond else "FAIL  ") + what)
        if not cond:
            failures.append(what)

    rows_a = "".join(f"{e},{14 * (e + 1)},0.001,{100 / (e + 1):.6g},{90 / (e + 1):.6g},{0.5 + e / 40:.6g}\n"
                     for e in range(10))
    rows_b = "".join(f"{e},{7 * (e + 1)},0.01,{80 / (e + 2):.6g},{70 / (e + 2):.6g}\n" for e in range(6))
    a = write(os.path.join(work, "sgd.csv"), "epoch,step,lr,train_loss,val_loss,val_r2\n" + rows_a)
    b = write(os.path.join(work, "adam.csv"), "epoch,step,lr,train_loss,val_loss\n" + rows_b)
    out = os.path.join(work, "curve.png")
    r = run(plot, a, b, "-o", out)
    expect(r.returncode == 0, f"two logs plot (exit {r.returncode}: {r.stderr.strip()})")
    size = png_size(out) if os.path.exists(out) else None
    expect(size is not None, "the output is a PNG file")
    if size:
        w, h = size
        expect(600 <= w <= 3000 and 200 <= h <= 2000, f"the PNG is {w} x {h} pixels: three panels side by side")
        expect(os.path.getsize(out) > 10000, f"the PNG holds a drawing ({os.path.getsize(out)} bytes)")

    def expect_error(name, text, message):
        path = write(os.path.join(work, name), text)
        r = run(plot, a, path, "-o", os.path.join(work, "bad.png"))
        expect(r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr,
               f"{name}: exit 1 and '{message}' (exit {r.returncode}: {r.stderr.strip()})")

    expect_error("short_row.csv", "epoch,step,lr,train_loss,val_acc\n0,1,0.1,2.0,0.5\n1,2,0.1,1.5\n",
                 "short_row.csv:3: expected 5 fields as in the header, found 4")
    expect_error("not_number.csv", "epoch,step,lr,train_loss\n0,1,0.1,abc\n",
                 "not_number.csv:2: expected a number in column 'train_loss', found 'abc'")
    expect_error("bad_header.csv", "epoch,lr,train_loss\n0,0.1,2\n",
                 "bad_header.csv:1: expected the header to start with epoch,step,lr,train_loss")
    expect_error("bad_metric.csv", "epoch,step,lr,train_loss,accuracy\n0,1,0.1,2,0.5\n",
                 "bad_metric.csv:1: expected validation columns named val_<metric>, found 'accuracy'")
    expect_error("header_only.csv", "epoch,step,lr,train_loss\n", "header_only.csv:2: expected at least one row")
    expect_error("epochs.csv", "epoch,step,lr,train_loss\n0,1,0.1,2\n0,2,0.1,1\n",
                 "epochs.csv:3: expected epochs in increasing order")
    r = run(plot, os.path.join(work, "missing.csv"), "-o", os.path.join(work, "x.png"))
    expect(r.returncode == 1 and "missing.csv: no such file" in r.stderr, f"a missing file ({r.stderr.strip()})")
    expect(not os.path.exists(os.path.join(work, "bad.png")), "no picture is written for a malformed log")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
