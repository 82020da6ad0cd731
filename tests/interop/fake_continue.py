#!/usr/bin/python3
"""A stand-in, in torch, for typegrad's checkpoint-continuing program, to test exchange.py
before (and beside) the C++ one. Same command line:

    fake_continue.py IN.safetensors OUT.safetensors STEPS DATA.csv

Builds the model from IN's weight shapes (Linear layers, Tanh between), the optimiser named in
IN with IN's first group's lr (every other option comes from the file on load), loads IN,
trains STEPS full-batch steps and saves OUT."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import exchange  # noqa: E402  (also puts tools/interop on the path)
import safetensors_io  # noqa: E402
import torch  # noqa: E402
import typegrad_torch  # noqa: E402


def main(argv):
    if len(argv) != 5:
        print("usage: fake_continue.py IN.safetensors OUT.safetensors STEPS DATA.csv", file=sys.stderr)
        return 2
    src, dst, steps, data = argv[1], argv[2], int(argv[3]), argv[4]
    try:
        tensors, meta = safetensors_io.read(src)
        names = json.loads(meta["parameters"])
        shapes = [tensors[n].shape for n in names if n.endswith(".weight")]
        model = exchange.model_like(shapes)
        if tensors[names[0]].dtype == "float64":
            model = model.double()
        lr = json.loads(meta["optimizer.param_groups"])[0]["lr"]
        opt = getattr(torch.optim, meta["optimizer"])(model.parameters(), lr=lr)
        extra = {k: v for k, v in typegrad_torch.load(src, model, opt).items()
                 if k not in typegrad_torch.RESERVED_KEYS}
        x, y = exchange.read_csv(data, next(model.parameters()).dtype)
        exchange.train(model, opt, x, y, steps)
        typegrad_torch.save(dst, model, opt, metadata=extra)
    except (OSError, ValueError, KeyError) as e:
        print(f"fake_continue: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
