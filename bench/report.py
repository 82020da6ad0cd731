#!/usr/bin/python3
"""Turns bench_training's and pytorch_bench.py's JSON into one table (workload x contender,
median time, ratio to the better hand-written loop), an SVG chart of the ratios, and optionally
the results section of docs/performance.md. Standard library only.

    /usr/bin/python3 bench/report.py build/bench/cpp.json build/bench/pytorch.json \
        [--svg docs/perf_ratios.svg] [--update-docs docs/performance.md] \
        [--compiler "g++ 12.2.0"] [--flags "-O3 -march=native"]
"""

import argparse
import datetime
import html
import json
import math
import re
import sys

WORKLOADS = [
    ("W1", "linear, full batch, SGD", "us/step"),
    ("W2", "linear, batch 32, Adam", "us/epoch"),
    ("W3", "MLP 10-32-1 tanh, batch 32, Adam", "us/epoch"),
    ("W4", "MLP 64-64-10 relu + CE, batch 64, Adam", "us/epoch"),
    ("W5", "gradient of full-batch linear mse", "us/gradient"),
    ("W1fwd", "forward only, W1's model, 442 rows", "us/forward"),
    ("W3fwd", "forward only, W3's model, 442 rows", "us/forward"),
    ("W3grad", "gradient, W3's model, 442 rows", "us/gradient"),
]
# W6: gradient cost / forward-only cost, per contender
RATIOS = [("W6 linear", "W5", "W1fwd"), ("W6 MLP", "W3grad", "W3fwd")]
CONTENDERS = ["typegrad", "hand", "hand_fastmath", "eigen", "libtorch", "pytorch"]
HAND = ("hand", "hand_fastmath")
COLOURS = {"typegrad": "#d62728", "hand": "#7f7f7f", "hand_fastmath": "#bcbd22", "eigen": "#1f77b4",
           "libtorch": "#ff7f0e", "pytorch": "#9467bd"}
BEGIN, END = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"


def load(paths):
    """{(workload, contender): {"time": us, "error": str|None, "ref": float}} and contexts."""
    results, contexts = {}, []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        contexts.append(doc.get("context", {}))
        for b in doc.get("benchmarks", []):
            run = b.get("run_name", b["name"])
            m = re.fullmatch(r"BM_([A-Za-z0-9]+)_(\w+?)(?:/.*)?", run)
            if not m:
                continue
            key = (m.group(1), m.group(2))
            entry = results.setdefault(key, {"time": None, "error": None, "ref": None})
            if b.get("error_occurred"):
                entry["error"] = b.get("error_message", "error")
            if "ref_loss" in b and b.get("aggregate_name") not in ("stddev", "cv"):
                entry["ref"] = b["ref_loss"]
            if b.get("aggregate_name") == "median" or (b.get("run_type") == "iteration" and entry["time"] is None
                                                        and not b.get("error_occurred")):
                scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
                entry["time"] = b["real_time"] * scale
    return results, contexts


def best_hand(results, w):
    times = [results[(w, h)]["time"] for h in HAND
             if (w, h) in results and results[(w, h)]["time"] and not results[(w, h)]["error"]]
    return min(times) if times else None


def rows(results):
    """[(label, unit, {contender: (value, ratio or None, error)})] for the table and the chart."""
    out = []
    for w, what, unit in WORKLOADS:
        base = best_hand(results, w)
        cells = {}
        for c in CONTENDERS:
            e = results.get((w, c))
            if not e:
                continue
            if e["error"] or e["time"] is None:
                cells[c] = (None, None, e["error"] or "no time")
            else:
                cells[c] = (e["time"], e["time"] / base if base else None, None)
        out.append((f"{w}: {what}", unit, cells))
    for label, num, den in RATIOS:
        cells = {}
        for c in CONTENDERS:
            a, b = results.get((num, c)), results.get((den, c))
            if a and b and a["time"] and b["time"] and not a["error"] and not b["error"]:
                cells[c] = (a["time"] / b["time"], None, None)
        out.append((f"{label}: {num} / {den}", "ratio", cells))
    return out


def fmt_time(v):
    return f"{v:.3g}" if v < 100 else f"{v:,.0f}"


def table(results):
    present = [c for c in CONTENDERS if any(k[1] == c for k in results)]
    lines = ["| workload | unit | " + " | ".join(present) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in present) + " |"]
    for label, unit, cells in rows(results):
        out = []
        for c in present:
            if c not in cells:
                out.append("-")
                continue
            v, ratio, err = cells[c]
            if err:
                out.append("ERROR")
            elif unit == "ratio":
                out.append(f"{v:.2f}")
            else:
                out.append(f"{fmt_time(v)} ({ratio:.2f}x)" if ratio else fmt_time(v))
        lines.append(f"| {label} | {unit} | " + " | ".join(out) + " |")
    return "\n".join(lines), present


def errors(results):
    return [f"BM_{w}_{c}: {e['error']}" for (w, c), e in sorted(results.items()) if e["error"]]


def reference_mismatches(results):
    """The C++ fp64 reference and PyTorch's float64 run must agree: same data, init, batches."""
    out = []
    for w, _, _ in WORKLOADS:
        refs = {c: results[(w, c)]["ref"] for c in CONTENDERS if (w, c) in results and results[(w, c)]["ref"]}
        if "pytorch" in refs and "hand" in refs:
            a, b = refs["pytorch"], refs["hand"]
            if abs(a - b) > 1e-6 * max(abs(b), 1e-300):
                out.append(f"{w}: fp64 reference {b} (C++) vs {a} (PyTorch float64)")
    return out


def svg(results, path):
    data = [(label.split(":")[0], cells) for label, unit, cells in rows(results) if unit != "ratio"]
    present = [c for c in CONTENDERS if any(c in cells and cells[c][1] for _, cells in data)]
    bar, gap, left, width = 11, 10, 80, 560
    lo, hi = 0.5, max([cells[c][1] for _, cells in data for c in present if c in cells and cells[c][1]] + [2])
    hi = 10 ** math.ceil(math.log10(hi))
    x = lambda r: left + width * (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    height = 40 + len(data) * (len(present) * bar + gap) + 30 + 18 * len(present)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="16" font-size="13">time / better hand-written loop (log scale; lower is faster)</text>']
    decades = []
    d = lo
    while d <= hi * 1.0001:
        decades.append(d)
        d = d * 2 if str(d)[0] in "15" and d * 2 <= hi else (d * 2.5 if str(d)[0] == "2" else d * 2)
    for tick in sorted(set(round(t, 6) for t in decades)):
        out.append(f'<line x1="{x(tick):.1f}" y1="28" x2="{x(tick):.1f}" y2="{height - 30 - 18 * len(present)}" '
                   f'stroke="{"#000" if tick == 1 else "#ddd"}"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{height - 16 - 18 * len(present)}" text-anchor="middle">{tick:g}x</text>')
    y = 32
    for name, cells in data:
        out.append(f'<text x="{left - 6}" y="{y + len(present) * bar / 2 + 4:.1f}" text-anchor="end">{html.escape(name)}</text>')
        for c in present:
            if c in cells and cells[c][1]:
                r = cells[c][1]
                out.append(f'<rect x="{x(lo):.1f}" y="{y}" width="{max(x(r) - x(lo), 1):.1f}" height="{bar - 1}" '
                           f'fill="{COLOURS[c]}"><title>{c} {name}: {r:.2f}x</title></rect>')
                out.append(f'<text x="{x(r) + 3:.1f}" y="{y + bar - 2}" font-size="9">{r:.2f}</text>')
            elif c in cells:
                out.append(f'<text x="{x(lo) + 3:.1f}" y="{y + bar - 2}" font-size="9" fill="red">{c}: ERROR</text>')
            y += bar
        y += gap
    y = height - 18 * len(present) + 4
    for c in present:
        out.append(f'<rect x="{left}" y="{y}" width="12" height="10" fill="{COLOURS[c]}"/>'
                   f'<text x="{left + 18}" y="{y + 9}">{c}</text>')
        y += 18
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        model = re.search(r"model name\s*:\s*(.*)", info).group(1).strip()
        flags = re.search(r"flags\s*:\s*(.*)", info).group(1).split()
        simd = [f for f in ("avx2", "fma", "avx512f") if f in flags]
        cores = len(re.findall(r"^processor", info, re.M))
        return f"{model}, {cores} logical cores, {' '.join(simd)}"
    except (OSError, AttributeError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="+", help="Google Benchmark JSON files (bench_training, pytorch_bench.py)")
    ap.add_argument("--svg", help="write the ratio chart here")
    ap.add_argument("--update-docs", help="replace the results section of this Markdown file")
    ap.add_argument("--compiler", default="")
    ap.add_argument("--flags", default="")
    args = ap.parse_args()

    results, contexts = load(args.json)
    text, present = table(results)
    print(text)
    problems = errors(results)
    for p in problems:
        print("error:", p, file=sys.stderr)
    mismatches = reference_mismatches(results)
    for m in mismatches:
        print("reference mismatch:", m, file=sys.stderr)
    if args.svg:
        svg(results, args.svg)
    if args.update_docs:
        torch = next((c.get("torch") for c in contexts if c.get("torch")), "")
        section = "\n".join([
            BEGIN,
            f"Measured {datetime.date.today().isoformat()} on {cpu()}; "
            f"compiler {args.compiler or 'unknown'}; flags `{args.flags}`; "
            f"PyTorch/libtorch {torch or 'n/a'}, one thread. Median of 5 repetitions, wall-clock "
            "microseconds; in brackets the ratio to the better of `hand` and `hand_fastmath`.",
            "",
            text,
            "",
            "![ratio to the better hand-written loop](perf_ratios.svg)",
            "",
            ("Errors: " + "; ".join(problems)) if problems else "Every contender passed its training check.",
            END,
        ])
        with open(args.update_docs) as f:
            doc = f.read()
        if BEGIN in doc and END in doc:
            doc = doc[:doc.index(BEGIN)] + section + doc[doc.index(END) + len(END):]
        else:
            doc += "\n" + section + "\n"
        with open(args.update_docs, "w") as f:
            f.write(doc)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
