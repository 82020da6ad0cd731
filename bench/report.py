#!/usr/bin/python3
"""Turns bench_training's, bench_deploy's and pytorch_bench.py's JSON into one table (workload x
contender, median time, ratio to the better hand-written loop), a PNG chart of the ratios drawn
with matplotlib (Debian's python3-matplotlib), and optionally the results section of
docs/performance.md.

    /usr/bin/python3 bench/report.py build/bench/cpp.json build/bench/deploy.json build/bench/pytorch.json \
        [--png docs/perf_ratios.png] [--update-docs docs/performance.md] \
        [--compiler "g++ 12.2.0"] [--flags "-O3 -march=native"] \
        [--extra x86-64=build/bench-x86-64/cpp.json] [--dispatch build/bench-dispatch/dispatch.json]
    /usr/bin/python3 bench/report.py --from-docs docs/performance.md --png docs/perf_ratios.png

--from-docs reads the results already stored in the Markdown file instead of JSON (to redraw the
chart without running the benchmarks).
"""

import argparse
import datetime
import json
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
    ("W7", "MLP 64-256-256-10 relu + CE, full batch, Adam", "us/step"),
    ("W8", "MLP 64-256-256-10 relu + CE, batch 256, Adam", "us/epoch"),
    ("W9", "CNN of examples/digits_cnn + CE, batch 64, Adam", "us/epoch"),
    ("P1", "one-row predict, MLP 10-32-1 tanh (bench_deploy)", "us/call"),
]
# W6: gradient cost / forward-only cost, per contender
RATIOS = [("W6 linear", "W5", "W1fwd"), ("W6 MLP", "W3grad", "W3fwd")]
CONTENDERS = ["typegrad", "hand", "hand_fastmath", "eigen", "libtorch", "pytorch"]
# Two threads (<contender>_2t) and PyTorch DDP over two processes: a table of their own, each
# time with its ratio to the better one-thread hand loop and its speed-up over its own one-thread
# contender (hand_2t is the fast-math loop on two threads, so against hand_fastmath).
THREADED = [("typegrad_2t", "typegrad"), ("hand_2t", "hand_fastmath"), ("eigen_2t", "eigen"),
            ("libtorch_2t", "libtorch"), ("pytorch_2t", "pytorch"), ("pytorch_ddp2", "pytorch")]
HAND = ("hand", "hand_fastmath")
COLOURS = {"typegrad": "#d62728", "hand": "#7f7f7f", "hand_fastmath": "#bcbd22", "eigen": "#1f77b4",
           "libtorch": "#ff7f0e", "pytorch": "#9467bd"}
BUILD_FLAGS = {"x86-64": "`-O3`, no `-march`: the portable baseline, SSE2", "avx2": "`-O3 -mavx2 -mfma`"}
BEGIN, END = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"


TIME_FIELD = "real_time"  # --time cpu: "cpu_time" (a process's CPU time for the two-thread contenders)


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
                entry["time"] = b[TIME_FIELD] * scale
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
                # A ratio stored with the results (--from-docs) is kept as it was computed.
                ratio = e.get("ratio") or (e["time"] / base if base else None)
                cells[c] = (e["time"], ratio, None)
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


def threaded_table(results):
    """Two threads: rows the workloads with a two-thread result, cells "time (ratio) [speed-up]"."""
    present = [(c, one) for c, one in THREADED if any(k[1] == c for k in results)]
    if not present:
        return ""
    lines = ["| workload | unit | " + " | ".join(c for c, _ in present) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in present) + " |"]
    for w, what, unit in WORKLOADS:
        if not any((w, c) in results for c, _ in present):
            continue
        base = best_hand(results, w)
        out = []
        for c, one in present:
            e = results.get((w, c))
            if not e:
                out.append("-")
            elif e["error"] or e["time"] is None:
                out.append("ERROR")
            else:
                cell = fmt_time(e["time"])
                if base:
                    cell += f" ({e['time'] / base:.2f}x)"
                single = results.get((w, one))
                if single and single["time"] and not single["error"]:
                    cell += f" [{single['time'] / e['time']:.2f}]"
                out.append(cell)
        lines.append(f"| {w}: {what} | {unit} | " + " | ".join(out) + " |")
    return "\n".join(lines)


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


def load_dispatch(path):
    """bench_dispatch's JSON: ({(workload, copy): entry}, dispatched target, [targets best first]),
    copy being "dispatch" or a target's name (xsimd's: sse2, fma3+avx2, avx512bw, ...)."""
    with open(path) as f:
        doc = json.load(f)
    context = doc.get("context", {})
    results = {}
    for b in doc.get("benchmarks", []):
        m = re.fullmatch(r"BM_([A-Za-z0-9]+)_typegrad_(\S+?)(?:/.*)?", b.get("run_name", b["name"]))
        if not m:
            continue
        entry = results.setdefault((m.group(1), m.group(2)), {"time": None, "error": None, "ref": None})
        if b.get("error_occurred"):
            entry["error"] = b.get("error_message", "error")
        if b.get("aggregate_name") == "median" or (b.get("run_type") == "iteration" and entry["time"] is None
                                                    and not b.get("error_occurred")):
            scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b.get("time_unit", "ns")]
            entry["time"] = b[TIME_FIELD] * scale
    targets = context.get("typegrad_dispatch_targets", "").split()
    return results, context.get("typegrad_dispatch_target", "?"), targets


def dispatch_table(dispatch, native, builds):
    """The portable binary's typegrad rows beside the single-target builds' typegrad: per workload the
    dispatched copy, the baseline copy of the same binary, then each build's `typegrad` (builds:
    [(name, results)], native first); every time with its ratio to the native build's."""
    results, picked, targets = dispatch
    baseline = targets[-1] if len(targets) > 1 else None
    columns = [(f"dispatched ({picked})", results, "dispatch")]
    if baseline:
        columns.append((f"baseline copy ({baseline})", results, baseline))
    columns += [(f"build {name}", r, "typegrad") for name, r in builds]
    lines = ["| workload | unit | " + " | ".join(c for c, _, _ in columns) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in columns) + " |"]
    for w, what, unit in WORKLOADS:
        if (w, "dispatch") not in results:
            continue
        ref = native.get((w, "typegrad")) if native else None
        ref = ref["time"] if ref and not ref["error"] else None
        out = []
        for _, r, key in columns:
            e = r.get((w, key))
            if not e:
                out.append("-")
            elif e["error"] or e["time"] is None:
                out.append("ERROR")
            else:
                out.append(fmt_time(e["time"]) + (f" ({e['time'] / ref:.2f}x)" if ref else ""))
        lines.append(f"| {w}: {what} | {unit} | " + " | ".join(out) + " |")
    return "\n".join(lines)


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


def chart(results, path):
    """A PNG (matplotlib) of every workload's ratio to the better hand-written loop, per contender:
    horizontal bars on a log scale, 1x marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = [(label.split(":")[0], cells) for label, unit, cells in rows(results) if unit != "ratio"]
    data = [(name, cells) for name, cells in data if any(c[1] for c in cells.values())]
    present = [c for c in CONTENDERS if any(c in cells and cells[c][1] for _, cells in data)]
    if not data or not present:
        print("report.py: no ratios to draw", file=sys.stderr)
        return
    bar = 0.8 / len(present)
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(data) * max(len(present), 3) / 3 + 1.6))
    ratios = [cells[c][1] for _, cells in data for c in present if c in cells and cells[c][1]]
    lo = min([0.5] + [r / 1.3 for r in ratios])
    for k, c in enumerate(present):
        ys, widths, errors = [], [], []
        for i, (_, cells) in enumerate(data):
            y = i + (k - (len(present) - 1) / 2) * bar
            if c in cells and cells[c][1]:
                ys.append(y)
                widths.append(cells[c][1])
            elif c in cells:
                errors.append(y)
        bars = ax.barh(ys, [w - lo for w in widths], left=lo, height=bar * 0.92, color=COLOURS[c], label=c)
        for rect, w in zip(bars, widths):
            ax.text(w * 1.04, rect.get_y() + rect.get_height() / 2, f"{w:.2f}", va="center", fontsize=6.5)
        for y in errors:
            ax.text(lo * 1.05, y, f"{c}: ERROR", va="center", fontsize=6.5, color="red")
    ax.set_xscale("log")
    ax.set_xlim(lo, max(ratios + [2]) * 2.2)
    ax.axvline(1, color="black", linewidth=0.9)
    ax.set_yticks(range(len(data)))
    ax.set_yticklabels([name for name, _ in data])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.grid(True, axis="x", which="both", alpha=0.25)
    ax.set_xlabel("time / better hand-written loop (log scale; lower is faster)")
    ax.set_title("typegrad and its peers against the better hand-written loop")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=len(present), frameon=False)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def load_docs_table(path):
    """The results stored in a Markdown file's results section (what --update-docs wrote), in
    load()'s form, so that the chart can be redrawn without running the benchmarks again."""
    with open(path) as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"report.py: {path}: no results section ({BEGIN} ... {END})")
    lines = [l for l in doc[doc.index(BEGIN):doc.index(END)].splitlines() if l.startswith("|")]
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    names = header[2:]
    results = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        w = cells[0].split(":")[0]
        if cells[1] == "ratio":
            continue
        for c, text in zip(names, cells[2:]):
            if text == "-":
                continue
            entry = {"time": None, "error": None, "ref": None}
            if text == "ERROR":
                entry["error"] = "ERROR (stored)"
            else:
                entry["time"] = float(text.split(" ")[0].replace(",", ""))
                ratio = re.search(r"\(([0-9.]+)x\)", text)
                if ratio:
                    entry["ratio"] = float(ratio.group(1))
            results[(w, c)] = entry
    return results


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
    ap.add_argument("json", nargs="*", help="Google Benchmark JSON files (bench_training, bench_deploy, "
                    "pytorch_bench.py)")
    ap.add_argument("--from-docs", metavar="MD", help="read the results stored in this Markdown file instead")
    ap.add_argument("--png", help="write the ratio chart here (matplotlib)")
    ap.add_argument("--update-docs", help="replace the results section of this Markdown file")
    ap.add_argument("--compiler", default="")
    ap.add_argument("--flags", default="")
    ap.add_argument("--time", choices=("real", "cpu"), default="real",
                    help="wall-clock (default) or CPU time; on a busy machine CPU time is the steadier "
                    "measure of one thread, wall-clock the only measure of what a second thread saves")
    ap.add_argument("--label", default="", help="a heading printed above the table (the build's name)")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=JSON",
                    help="bench_training's JSON from another build (e.g. x86-64=build/bench-x86-64/cpp.json): "
                    "a table of its own, ratios to that build's better hand loop")
    ap.add_argument("--dispatch", metavar="JSON",
                    help="bench_dispatch's JSON (the portable binary that picks its target at run time): a "
                    "table of its typegrad rows beside those of the native build and the --extra builds")
    args = ap.parse_args()

    global TIME_FIELD
    TIME_FIELD = "cpu_time" if args.time == "cpu" else "real_time"
    if args.from_docs:
        results, contexts = load_docs_table(args.from_docs), []
    elif args.json:
        results, contexts = load(args.json)
    else:
        ap.error("give JSON files or --from-docs")
    text, present = table(results)
    if args.label:
        print(f"## {args.label}\n")
    print(text)
    threaded = threaded_table(results)
    if threaded:
        print("\nTwo threads (ratio to the better one-thread hand loop) [the same contender's one-thread "
              "time / this one's: the speed-up]:\n")
        print(threaded)
    extras, builds = [], [("native", results)]
    for spec in args.extra:
        name, _, path = spec.partition("=")
        extra_results, _ = load([path])
        builds.append((name, extra_results))
        extra_text, _ = table(extra_results)
        extra_threaded = threaded_table(extra_results)
        extras.append((name, extra_text, extra_threaded))
        print(f"\nBuild {name} (bench_training only; ratios to this build's better hand loop):\n")
        print(extra_text)
        if extra_threaded:
            print("\n" + extra_threaded)
        for p in errors(extra_results):
            print(f"error ({name}):", p, file=sys.stderr)
    dispatched = ""
    if args.dispatch:
        dispatch = load_dispatch(args.dispatch)
        dispatched = dispatch_table(dispatch, results, builds)
        print("\nThe portable binary (bench_dispatch: built for the baseline, it trains with the copy of its "
              "training code for the CPU's best target), typegrad only; ratios to the native build's typegrad:\n")
        print(dispatched)
        for (w, c), e in sorted(dispatch[0].items()):
            if e["error"]:
                print(f"error (bench_dispatch): BM_{w}_typegrad_{c}: {e['error']}", file=sys.stderr)
    problems = errors(results)
    for p in problems:
        print("error:", p, file=sys.stderr)
    mismatches = reference_mismatches(results)
    for m in mismatches:
        print("reference mismatch:", m, file=sys.stderr)
    if args.png:
        chart(results, args.png)
    if args.update_docs:
        torch = next((c.get("torch") for c in contexts if c.get("torch")), "")
        section = "\n".join([
            BEGIN,
            f"Measured {datetime.date.today().isoformat()} on {cpu()}; "
            f"compiler {args.compiler or 'unknown'}; flags `{args.flags}`; "
            f"PyTorch/libtorch {torch or 'n/a'}, one thread. Median of 5 repetitions, "
            f"{'CPU-time' if args.time == 'cpu' else 'wall-clock'} microseconds; in brackets the ratio to the better "
            "of `hand` and `hand_fastmath`.",
            "",
            text,
            "",
            *(["Two threads (wall-clock; ratio to the better one-thread hand loop) [the same contender's "
               "one-thread time / this one's: the speed-up]; `hand_2t` is the fast-math loop with OpenMP, `pytorch_ddp2` "
               "DistributedDataParallel over two processes (gloo):", "", threaded, ""] if threaded else []),
            *[line for name, extra_text, extra_threaded in extras for line in
              [f"Build `{name}` ({BUILD_FLAGS.get(name, name)}), the C++ contenders only, ratios to this "
               "build's better hand loop:", "", extra_text, ""] + ([extra_threaded, ""] if extra_threaded else [])],
            *(["The portable binary `bench_dispatch` (built with no `-m` flag; it trains with the copy of its "
               "training code built for the CPU's best target), typegrad only, beside each build's typegrad; "
               "ratios to the native build's typegrad:", "", dispatched, ""] if dispatched else []),
            "![ratio to the better hand-written loop](perf_ratios.png)",
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
