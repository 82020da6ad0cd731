#pragma once
// The smooth and leaky variants of relu that torch.nn offers as activations: gelu (the exact erf
// form and the tanh approximation), silu, elu and leaky_relu. A file of its own beside
// activations.hpp because these need erf on lane values, and take torch's options
// (approximate, alpha, negative_slope) as compile-time constants. Each op states f(x) and its
// local derivative with torch 1.13's formulas (its autograd kernels' arithmetic, so that the
// derivative at a kink and at NaN is the one torch gives).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/ops/activations.hpp>

namespace TYPEGRAD_NS {

namespace detail {

namespace cx {
//! erf in constant evaluation: Taylor's series for |x| < 2.5, Laplace's continued fraction of erfc
//! beyond (both within a few ulp of double there), ±1 from |x| >= 6 on (erfc(6) < 2.2e-17).
constexpr double erf(double x) {
    if (x != x)
        return x;
    const double a = x < 0 ? -x : x;
    double r;
    if (a < 2.5) {
        double term = a, sum = a;  // Σ (-1)ⁿ a²ⁿ⁺¹ / (n! (2n + 1))
        for (int n = 1; n < 80; ++n) {
            term *= -a * a / n;
            sum += term / (2 * n + 1);
        }
        r = sum * 1.1283791670955125739;  // 2 / √π
    } else if (a < 6) {
        double t = a;  // erfc(a) = e^-a² / (√π (a + (1/2) / (a + 1 / (a + (3/2) / (a + ...)))))
        for (int k = 120; k >= 1; --k)
            t = a + (k * 0.5) / t;
        r = 1.0 - cx::exp(-a * a) / (1.7724538509055160273 * t);
    } else {
        r = 1.0;
    }
    return x < 0 ? -r : r;
}
}  // namespace cx

// On SIMD lanes through math_batch (detail/math.hpp), as log: xsimd's float kernel selects on
// integer lanes, which xsimd 8.1 does not compile for AVX-512BW with GCC.

//! The error function on a lane value (xsimd's erf for SIMD lanes).
template <class V>
constexpr V erf(V x) {
    if constexpr (is_batch_v<V>) {
        return with_finite_argument(x, 30.0, [](const V& v) {  // erf ±30: ±1
            return via_math_batch(v, [](const auto& w) { return xsimd::erf(w); });
        });
    } else {
        if (std::is_constant_evaluated())
            return static_cast<V>(cx::erf(x));
        return std::erf(x);
    }
}
//! torch's defaults: `nn.LeakyReLU(negative_slope=0.01)`, `nn.ELU(alpha=1.0)`.
using default_negative_slope = constant_leaf<std::bit_cast<std::uint64_t>(0.01)>;
using default_elu_alpha = constant_leaf<std::bit_cast<std::uint64_t>(1.0)>;

}  // namespace detail

namespace ops {

//! GELU, the exact form: x Φ(x) = x · 0.5 (1 + erf(x / √2)).  d/dx = Φ(x) + x φ(x), with
//! φ(x) = e^(-x²/2) / √(2π): 0.5 at 0. torch's `gelu_backward` (approximate="none").
struct gelu : detail::unary_elementwise<gelu> {
    static constexpr double sqrt1_2 = 0.70710678118654752440;  // 1 / √2, torch's kAlpha
    static constexpr double beta = 0.39894228040143267794;     // 1 / √(2π), torch's kBeta
    static constexpr auto f(const auto& x) {
        using V = std::remove_cvref_t<decltype(x)>;
        return V(x) * detail::splat<V>(0.5) * (V(1) + detail::erf(V(x) * detail::splat<V>(sqrt1_2)));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = std::remove_cvref_t<decltype(x)>;
        const V cdf = detail::splat<V>(0.5) * (V(1) + detail::erf(V(x) * detail::splat<V>(sqrt1_2)));
        const V pdf = detail::splat<V>(beta) * detail::exp(V(x) * V(x) * detail::splat<V>(-0.5));
        return cdf + V(x) * pdf;
    }
};

//! GELU, the tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).  d/dx as torch's
//! `gelu_backward` (approximate="tanh"): 0.5 (1 + t) + 0.5 x (1 - t²) √(2/π) (1 + 3 · 0.044715 x²),
//! t the tanh: 0.5 at 0. Past |x| ≈ 7e12 in float (1e102 in double) x³ overflows and the
//! derivative is NaN (inf · 0), as torch's.
struct gelu_tanh : detail::unary_elementwise<gelu_tanh> {
    static constexpr double beta = 0.79788456080286535588;  // √2 · (2 / √π) · 0.5 = √(2/π), torch's kBeta
    static constexpr double kappa = 0.044715;
    static constexpr auto inner_tanh(const auto& x) {
        using V = std::remove_cvref_t<decltype(x)>;
        const V cube = V(x) * V(x) * V(x);
        return detail::tanh_near_one(V(detail::splat<V>(beta) * (V(x) + detail::splat<V>(kappa) * cube)));
    }
    static constexpr auto f(const auto& x) {
        using V = std::remove_cvref_t<decltype(x)>;
        return detail::splat<V>(0.5) * V(x) * (V(1) + inner_tanh(V(x)));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = std::remove_cvref_t<decltype(x)>;
        const V t = inner_tanh(V(x));
        const V left = detail::splat<V>(0.5) * V(x);
        const V right = V(1) + t;
        const V inner_derivative = detail::splat<V>(beta) * (V(1) + detail::splat<V>(3 * kappa) * (V(x) * V(x)));
        return detail::splat<V>(0.5) * right + left * (V(1) - t * t) * inner_derivative;
    }
};

//! SiLU (swish): x σ(x), computed as x / (1 + e⁻ˣ) as torch's kernel.  d/dx = σ(x) (1 + x (1 - σ(x))):
//! 0.5 at 0; NaN at ±inf (inf · 0), as torch's `silu_backward`.
struct silu : detail::unary_elementwise<silu> {
    static constexpr auto f(const auto& x) {
        using V = std::remove_cvref_t<decltype(x)>;
        return V(x) / (V(1) + detail::exp(V(-x)));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = std::remove_cvref_t<decltype(x)>;
        const V s = V(1) / (V(1) + detail::exp(V(-x)));
        return s * (V(1) + V(x) * (V(1) - s));
    }
};

//! ELU with the constant α = bit_cast<double>(AlphaBits): x for x > 0, (eˣ - 1) α for x <= 0, as
//! torch 1.13's kernel computes it (eˣ - 1, not expm1: so elu(-2⁻²⁷) is 0 in float, as torch's).
//! d/dx = 1 for x > 0, α eˣ for x <= 0: **α at the kink x = 0**, and 1 for NaN, as torch's
//! `elu_backward` (`where(x <= 0, α eˣ, 1)`).
template <std::uint64_t AlphaBits>
struct elu : detail::unary_elementwise<elu<AlphaBits>> {
    static constexpr double alpha = std::bit_cast<double>(AlphaBits);
    static constexpr auto f(const auto& x) {
        using V = std::remove_cvref_t<decltype(x)>;
        return detail::select(V(x) <= V(0), V((detail::exp(V(x)) - V(1)) * detail::splat<V>(alpha)), V(x));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = std::remove_cvref_t<decltype(x)>;
        return detail::select(V(x) <= V(0), V(detail::splat<V>(alpha) * detail::exp(V(x))), V(1));
    }
};

//! Leaky ReLU with the constant slope s = bit_cast<double>(SlopeBits): x for x > 0, s x otherwise.
//! d/dx = 1 for x > 0, else s: **s at the kink x = 0**, and s for NaN, as torch's
//! `leaky_relu_backward` (`where(x > 0, 1, s)`).
template <std::uint64_t SlopeBits>
struct leaky_relu : detail::unary_elementwise<leaky_relu<SlopeBits>> {
    static constexpr double slope = std::bit_cast<double>(SlopeBits);
    static constexpr auto f(const auto& x) {
        using V = std::remove_cvref_t<decltype(x)>;
        return detail::select(V(x) > V(0), V(x), V(V(x) * detail::splat<V>(slope)));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = std::remove_cvref_t<decltype(x)>;
        return detail::select(V(x) > V(0), V(1), detail::splat<V>(slope));
    }
};

}  // namespace ops

//! Elementwise GELU. `tg::gelu(x)` is the exact form, torch's `F.gelu(x)` (approximate="none");
//! `tg::gelu<"tanh">(x)` the tanh approximation, `F.gelu(x, approximate="tanh")`. Same shape as x.
template <fixed_string Approximate = "none", Expression A>
constexpr auto gelu(A) {
    constexpr bool known = Approximate.view() == "none" || Approximate.view() == "tanh";
    if constexpr (error::check<known>(error::fault<error::gelu_approximate_is_unknown>)) {
        if constexpr (Approximate.view() == "tanh")
            return node<ops::gelu_tanh, A>{};
        else
            return node<ops::gelu, A>{};
    } else {
        return error::stand_in<typename A::shape_type>{};
    }
}

//! Elementwise SiLU, x σ(x). Same shape as x. torch: `F.silu(x)`.
template <Expression A>
constexpr auto silu(A) {
    return node<ops::silu, A>{};
}

//! Elementwise ELU with the compile-time constant α (default 1): `tg::elu(x)`, `tg::elu(x, 0.5_c)`.
//! Same shape as x. torch: `F.elu(x, alpha=α)`.
template <Expression A, class Alpha = detail::default_elu_alpha>
constexpr auto elu(A a, Alpha = {}) {
    return detail::with_constant<ops::elu, error::elu_alpha_is_not_a_constant, Alpha>(a);
}

//! Elementwise leaky ReLU with the compile-time constant slope s (default 0.01):
//! `tg::leaky_relu(x)`, `tg::leaky_relu(x, 0.2_c)`. Same shape as x.
//! torch: `F.leaky_relu(x, negative_slope=s)`.
template <Expression A, class Slope = detail::default_negative_slope>
constexpr auto leaky_relu(A a, Slope = {}) {
    return detail::with_constant<ops::leaky_relu, error::leaky_relu_slope_is_not_a_constant, Slope>(a);
}

}  // namespace TYPEGRAD_NS
