#!/usr/bin/python3
"""ctest's check of scripts/replay on architectures the replay tool is not compiled for.
Usage: check_unseen.py CACHE_DIR CASE.json...

1. Every case passes, each architecture compiled on demand into a fresh CACHE_DIR (module lists,
   and a golden kind of model with an optimiser the replay tool is not compiled for).
2. Again: every case passes, and no architecture is compiled a second time (the cache serves).
3. The first module-list case with one module changed (GELU's approximation, or LeakyReLU's slope) fails:
   the replay follows the recorded module list, not a model it would pass with anyway.
4. The first case with a BatchNorm, its momentum changed, fails: the momentum moves only the running
   statistics in training, so the replay compares them (final_buffers).
"""
import copy
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def replay(cache, cases):
    env = dict(os.environ, TYPEGRAD_REPLAY_CACHE=cache)
    p = subprocess.run([os.path.join(ROOT, "scripts", "replay")] + cases, env=env, capture_output=True, text=True)
    print(p.stdout + p.stderr)
    return p


def fail(why):
    print(f"check_unseen.py: {why}")
    sys.exit(1)


def main():
    cache, cases = sys.argv[1], sys.argv[2:]
    shutil.rmtree(cache, ignore_errors=True)
    first = replay(cache, cases)
    if first.returncode != 0 or first.stdout.count("PASS ") != len(cases):
        fail("the first replay did not pass every case")
    if first.stderr.count("compiling architecture") != len(cases):
        fail("the first replay did not compile each architecture once")
    second = replay(cache, cases)
    if second.returncode != 0 or second.stdout.count("PASS ") != len(cases):
        fail("the second replay did not pass every case")
    if "compiling" in second.stderr or second.stderr.count("compiled before") != len(cases):
        fail("the second replay compiled again instead of using the cache")

    def change_activation(m):
        if m["type"] == "GELU":
            m["approximate"] = "none" if m.get("approximate", "none") == "tanh" else "tanh"
        elif m["type"] == "LeakyReLU":
            m["negative_slope"] = 0.01 if m["negative_slope"] != 0.01 else 0.2
        else:
            return False
        return True

    def change_momentum(m):
        if m["type"] not in ("BatchNorm1d", "BatchNorm2d"):
            return False
        m["momentum"] = 0.1 if m.get("momentum", 0.1) != 0.1 else 0.3
        return True

    for change, what in ((change_activation, "a GELU or LeakyReLU"), (change_momentum, "a BatchNorm")):
        found = None
        for c in cases:
            case = json.load(open(c))
            if case["model"]["kind"] == "sequential" and any(change(copy.deepcopy(m)) for m in case["model"]["modules"]):
                found = c
                break
        if not found:
            fail(f"no case has {what} to change")
        changed = copy.deepcopy(case)
        next(m for m in changed["model"]["modules"] if change(m))
        mutated = os.path.join(cache, "changed_" + os.path.basename(found))
        changed["data_dir"] = os.path.join(os.path.dirname(os.path.abspath(found)), case.get("data_dir", "data"))
        with open(mutated, "w") as f:
            json.dump(changed, f)
        third = replay(cache, [mutated])
        if third.returncode == 0 or "FAIL " not in third.stdout:
            fail(f"{found} with {what} changed passed: the replay does not follow the module list")
    print("check_unseen.py: passed")


if __name__ == "__main__":
    main()
