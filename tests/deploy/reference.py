"""PyTorch 1.13's values for the deploy tests' static_asserts (tests/deploy/predict_test.cpp).

Run: /usr/bin/python3 tests/deploy/reference.py
It builds the models of tests/deploy/models.hpp with the same fixed weights, in float32, and prints
their outputs for the fixed inputs as C++ constants.
"""
import torch


def fixed_weight(p, k):
    return (((37 * k + 11 * p + 5) % 101) - 50) / 128.0


def fill(params):
    with torch.no_grad():
        for p, t in enumerate(params):
            flat = t.view(-1)
            for k in range(flat.numel()):
                flat[k] = fixed_weight(p, k)


def literal(v):
    return repr(float(v)) + "f"


mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
fill(mlp.parameters())
x = torch.tensor([0.5, -1.25, 2.0, 0.75], dtype=torch.float32)
with torch.no_grad():
    y = mlp(x)
print("// mlp(" + ", ".join(repr(float(v)) for v in x) + ")")
print("constexpr float torch_mlp[3] = {" + ", ".join(literal(v) for v in y) + "};")

# The regression's data (models.hpp, linreg_data) and its standardizer: mean and population std in
# float64, 0 where the std is 0; the standardised features rounded to float32.
rows = [[float((r * (c + 2) % 7) * (c + 1) + 10 * c) for c in range(3)] + [5.0] for r in range(8)]
data = torch.tensor(rows, dtype=torch.float32).double()
mean = data.mean(0)
std = ((data - mean) ** 2).mean(0).sqrt()
std[3] = 0.0  # a constant column: exactly 0, as tg::data::standardizer makes it
linreg = torch.nn.Linear(4, 1)
fill(linreg.parameters())
raw = torch.tensor([3.0, 14.0, 25.5, 5.0], dtype=torch.float32)
z = torch.where(std == 0, torch.zeros_like(mean), (raw.double() - mean) / torch.where(std == 0, torch.ones_like(std), std)).float()
with torch.no_grad():
    y = linreg(z)
print("// linreg(" + ", ".join(repr(float(v)) for v in raw) + "), raw features")
print("constexpr float torch_linreg = " + literal(y[0]) + ";")

# The relu variants as layers (models.hpp, rect), with the same fixed weights.
nn = torch.nn
rect = nn.Sequential(nn.Linear(4, 6), nn.GELU(), nn.Linear(6, 6), nn.GELU(approximate="tanh"), nn.Linear(6, 6),
                     nn.SiLU(), nn.Linear(6, 6), nn.ELU(alpha=0.5), nn.Linear(6, 6), nn.LeakyReLU(0.2),
                     nn.Linear(6, 3))
fill(rect.parameters())
for name, raw in (("torch_rect", [0.5, -1.25, 2.0, 0.75]), ("torch_rect_b", [-3.0, 1.5, -0.25, 2.5])):
    x = torch.tensor(raw, dtype=torch.float32)
    with torch.no_grad():
        y = rect(x)
    print("// rect(" + ", ".join(repr(float(v)) for v in x) + ")")
    print("constexpr float " + name + "[3] = {" + ", ".join(literal(v) for v in y) + "};")
