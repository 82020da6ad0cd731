#!/usr/bin/python3
"""tools/replay/sequential.py on torch.nn.Embedding: a Sequential that starts with one is the typegrad
stack tg::Embedding<Num, Dim>, ... on one input column; the options typegrad does not take, and an
Embedding after another module, are refused. Exit 77 without torch (Debian's python3-torch)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "replay"))
import recording  # noqa: E402
import sequential  # noqa: E402

torch = recording.torch_or_skip("check_sequential.py")
nn = torch.nn

failed = []


def expect(what, got, want):
    if got != want:
        failed.append(f"{what}: got {got!r}, expected {want!r}")


model = nn.Sequential(nn.Embedding(5, 3), nn.Tanh(), nn.Linear(3, 2))
modules = sequential.modules_of(model)
expect("modules", modules[0], {"type": "Embedding", "num_embeddings": 5, "embedding_dim": 3})
expect("type", sequential.typegrad_type(modules), "tg::sequential<tg::Embedding<5, 3>, tg::Tanh, tg::Linear<3, 2>>")
case = {"model": {"kind": "sequential", "modules": modules}, "loss": "mse", "optimizer": {"name": "SGD"}}
expect("input", 'tg::input<"x", 1>' in sequential.source(case), True)
# torch's state_dict names are typegrad's: the table is "0.weight".
expect("names", [n for n, _ in model.named_parameters()], ["0.weight", "2.weight", "2.bias"])

for bad, why in ((nn.Sequential(nn.Embedding(5, 3, padding_idx=0), nn.Linear(3, 1)), "padding_idx"),
                 (nn.Sequential(nn.Embedding(5, 3, max_norm=1.0), nn.Linear(3, 1)), "max_norm"),
                 (nn.Sequential(nn.Linear(1, 1), nn.Embedding(5, 3)), "after another module")):
    try:
        sequential.modules_of(bad)
        failed.append(f"{why}: not refused")
    except sequential.Unsupported as e:
        expect(why, why in str(e), True)

print("\n".join(failed) if failed else "check_sequential.py: ok")
sys.exit(1 if failed else 0)
