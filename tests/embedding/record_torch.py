#!/usr/bin/python3
"""Records torch 1.13 training a small model with two embedded feature columns (Debian's
python3-torch, /usr/bin/python3), which reference_test.cpp replays. Usage:

    record_torch.py [--check] [folder]   (default: this script's folder)

writes embedding.json, or with --check compares with the committed file (exit 1 on a difference, 77
without torch):

data: ROWS rows of four columns (a, i, b, j): a and b drawn from N(0, 1), i an index in [0, 5), j an
  index in [0, 3), as float32 values; the target a - 0.5 b + u[i] + v[j] + noise/10, with fixed u, v.

model: emb1 = Embedding(5, 3) at column 1, emb2 = Embedding(3, 2) at column 3,
  h = cat(emb1(x[:, 1]), emb2(x[:, 3]), x[:, [0, 2]]), y = fc2(tanh(fc1(h))), fc1 = Linear(7, 8),
  fc2 = Linear(8, 1); F.mse_loss over the whole set, Adam(lr=0.05), STEPS steps of zero_grad /
  backward / step, in float32 and in float64 from the same initial parameters (torch's own: the
  tables N(0, 1), the dense layers uniform in ±1/√fan_in): the loss of every step, the gradient of
  the first step and the final parameters. Tolerances of the float32 run as record_torch.py's of
  tests/layers: rtol = max(1e-5, 10 D), atol = max(1e-6, 10 D * 1e-3), D the float64 run's largest
  deviation from the float32 one relative to max(|x|, 1e-3); of the float64 run rtol 1e-6, atol 1e-8
  (twenty Adam steps amplify the rounding of gradients that nearly cancel: typegrad's float64 run
  ends within 2e-9 of torch's, where the float32 one ends within 1e-5).

Float32 numbers are written with 9 significant digits (they read back to the same float).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import recording  # noqa: E402
from recording import number, numbers  # noqa: E402

torch = recording.torch_or_skip("record_torch.py")
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = 48
STEPS = 20
LR = 0.05
torch.set_num_threads(1)


def data():
    gen = torch.Generator().manual_seed(11)
    a = torch.randn(ROWS, generator=gen)
    b = torch.randn(ROWS, generator=gen)
    i = torch.randint(0, 5, (ROWS,), generator=gen).to(torch.float32)
    j = torch.randint(0, 3, (ROWS,), generator=gen).to(torch.float32)
    u = torch.tensor([-1.0, 0.5, 2.0, 0.0, -0.5])
    v = torch.tensor([0.3, -0.8, 1.1])
    noise = torch.randn(ROWS, generator=gen) * 0.1
    x = torch.stack([a, i, b, j], dim=1).to(torch.float32)
    y = (a - 0.5 * b + u[i.long()] + v[j.long()] + noise).to(torch.float32)
    return x, y


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb1 = torch.nn.Embedding(5, 3)
        self.emb2 = torch.nn.Embedding(3, 2)
        self.fc1 = torch.nn.Linear(7, 8)
        self.fc2 = torch.nn.Linear(8, 1)

    def forward(self, x):
        h = torch.cat([self.emb1(x[:, 1].long()), self.emb2(x[:, 3].long()), x[:, [0, 2]]], dim=1)
        return self.fc2(torch.tanh(self.fc1(h))).squeeze(1)


def train(dtype, init=None):
    torch.manual_seed(3)
    model = Model().to(dtype)
    recording.load_init(model, init, dtype)
    x, y = (t.to(dtype) for t in data())
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    start = {n: numbers(p) for n, p in model.named_parameters()}
    losses, first_grad = [], None
    for step in range(STEPS):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            first_grad = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        opt.step()
    final = {n: p.detach().clone() for n, p in model.named_parameters()}
    return start, losses, first_grad, final


def deviation(a, b):
    a = torch.as_tensor(a, dtype=torch.float64).reshape(-1)
    b = torch.as_tensor(b, dtype=torch.float64).reshape(-1)
    return float(((a - b).abs() / torch.clamp(b.abs(), min=1e-3)).max())


def run(dtype, losses, grad, final, rtol, atol):
    return {"dtype": str(dtype)[6:], "loss_history": [number(v, dtype) for v in losses],
            "grad_first_step": {n: numbers(g) for n, g in grad.items()},
            "final_params": {n: numbers(p) for n, p in final.items()}, "rtol": rtol, "atol": atol}


def main():
    x, y = data()
    init, losses, grad, final = train(torch.float32)
    _, losses64, grad64, final64 = train(torch.float64, init)
    d = deviation(losses, losses64)
    for n in grad:
        d = max(d, deviation(grad[n], grad64[n]), deviation(final[n], final64[n]))
    content = {
        "torch_version": torch.__version__, "steps": STEPS, "lr": LR,
        "features": numbers(x), "targets": numbers(y), "init": init,
        "runs": [run(torch.float32, losses, grad, final, float("%.2g" % max(1e-5, 10 * d)),
                     float("%.2g" % max(1e-6, 10 * d * 1e-3))),
                 run(torch.float64, losses64, grad64, final64, 1e-6, 1e-8)],
    }
    return recording.write_or_check({"embedding.json": content}, recording.folder_and_check(HERE))


if __name__ == "__main__":
    sys.exit(main())
