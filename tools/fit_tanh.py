#!/usr/bin/python3
"""The coefficients of typegrad's tanh on float lanes (include/typegrad/detail/math.hpp, tanh_float).

tanh(x) is approximated on [0, 9] by x P(x^2) / Q(x^2) with P and Q of degree 4, Q(0) = 1, chosen
for the least maximum relative error: a linear least-squares fit of P(s) - f(s) Q(s) = 0 (f the
exact tanh(x) / x) on Chebyshev-clustered points, reweighted by each point's error a few hundred
times (Lawson's iteration), keeping the best fit seen. Past 9, tanh rounds to 1 in float. The fit
rises past 1 beyond 9 (by 4e-7 at 9.5, 1.9e-6 at 10): tanh_float clamps the lanes at 10, where
the value rounded in float, with or without fused multiply-adds, is above 1, and then clamps the
result to [-1, 1], so that tanh saturates at exactly ±1. Needs python3-torch (float64 least squares). Prints the coefficients
lowest degree first and the fit's error in exact arithmetic; the float evaluation's rounding adds
to it (tests/ops/lanes_math_test.cpp measures the sum).

    tools/fit_tanh.py [degree of P] [degree of Q] [end of the range]
"""
import math
import sys

import torch


def fit(m, n, end, points=6000, rounds=200):
    torch.set_default_dtype(torch.float64)
    k = torch.arange(points, dtype=torch.float64)
    x = torch.cat([end * (1 - torch.cos(math.pi * (k + 0.5) / points)) / 2, torch.linspace(1e-4, end, points)])
    s = x * x
    exact = torch.tanh(x)
    f = exact / x
    powers_p = torch.stack([s**i for i in range(m + 1)], 1)
    powers_q = torch.stack([s**j for j in range(1, n + 1)], 1)
    a = torch.cat([powers_p, -f[:, None] * powers_q], 1)
    weight = torch.ones_like(x)
    best = None
    for _ in range(rounds):
        w = (weight / f)[:, None]  # relative error
        c = torch.linalg.lstsq(a * w, f * w[:, 0]).solution
        p, q = c[: m + 1], torch.cat([torch.ones(1), c[m + 1 :]])
        approx = x * (powers_p @ p) / (1 + powers_q @ q[1:])
        err = ((approx - exact) / exact).abs()
        if best is None or err.max() < best[0]:
            best = (err.max().item(), p.tolist(), q.tolist())
        weight = weight * (err / err.max()).sqrt() + 1e-12
        weight = weight / weight.sum() * len(weight)
    return best


if __name__ == "__main__":
    m, n = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (4, 4)
    end = float(sys.argv[3]) if len(sys.argv) > 3 else 9.0
    error, p, q = fit(m, n, end)
    print(f"maximum relative error in exact arithmetic: {error:.3g}")
    print("P:", ", ".join(f"{v:.9g}" for v in p))
    print("Q:", ", ".join(f"{v:.9g}" for v in q))
