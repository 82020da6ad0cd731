#!/usr/bin/env python3
"""Records torch.utils.data.DistributedSampler's index lists (torch 1.13) with the permutation torch
used, into sampler_torch.json: sampler_test.cpp checks that typegrad's distributed_sampler, given
torch's permutation, deals exactly the same lists. Usage: record_sampler.py [out.json]
(default: sampler_torch.json beside this script; --check compares instead of writing)."""
import json
import os
import sys

import torch
from torch.utils.data import DistributedSampler


def cases():
    out = []
    for rows in (1, 7, 10, 12, 103):
        for world in (1, 2, 3, 4, 8):
            for shuffle in (False, True):
                for drop_last in (False, True):
                    for epoch in (0, 3):
                        if not shuffle and epoch:
                            continue
                        g = torch.Generator()
                        g.manual_seed(5 + epoch)
                        order = torch.randperm(rows, generator=g).tolist() if shuffle else list(range(rows))
                        for rank in range(world):
                            s = DistributedSampler(range(rows), num_replicas=world, rank=rank, shuffle=shuffle,
                                                   seed=5, drop_last=drop_last)
                            s.set_epoch(epoch)
                            out.append({"rows": rows, "world_size": world, "rank": rank, "shuffle": shuffle,
                                        "drop_last": drop_last, "epoch": epoch, "order": order,
                                        "indices": list(s)})
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = [a for a in sys.argv[1:] if a != "--check"]
    path = args[0] if args else os.path.join(here, "sampler_torch.json")
    text = json.dumps(cases(), separators=(",", ":")) + "\n"
    if "--check" in sys.argv:
        with open(path) as f:
            if f.read() != text:
                print(f"record_sampler.py: {path} differs from what torch {torch.__version__} deals now")
                return 1
        print(f"record_sampler.py: {path} matches torch {torch.__version__}")
        return 0
    with open(path, "w") as f:
        f.write(text)
    print(f"record_sampler.py: wrote {path} (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
