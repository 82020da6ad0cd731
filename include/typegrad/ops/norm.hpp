#pragma once
// Layer normalisation (torch.nn.functional.layer_norm): each sample's features normalised over its
// trailing dimensions, by statistics of that sample alone. A file of its own because the op reads a
// whole group of elements for each of its outputs (a mean and a variance), takes torch's options
// (normalized_shape, eps, elementwise_affine) in its type, and states the initial values of its
// parameters (ones and zeros, torch's, not a random draw).
//
// The op works on one sample, as every op, so the SIMD sweep runs it a sample per lane; ops that
// couple the samples of a batch (batch normalisation) are another kind of node.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

namespace detail {

//! torch's default `eps` of `nn.LayerNorm` and `F.layer_norm`.
using default_layer_norm_eps = constant_leaf<std::bit_cast<std::uint64_t>(1e-5)>;

//! The statistics of a group of N elements: its mean as shift + offset, shift its first element and
//! offset the mean of the differences to it, and rstd = 1 / √(var + eps), var the biased variance
//! (torch's).
template <class V>
struct group_moments {
    V shift, offset, rstd;

    //! x - mean, as (x - shift) - offset: exact for a constant group (0), and without the rounding
    //! of the mean to the spacing of the numbers near it (a group at 1000 ± 0.01 in float keeps
    //! its digits).
    constexpr V centered(const V& x) const { return V(x - shift) - offset; }
};

//! The moments of x[base], ..., x[base + N - 1], in two passes (the mean, then the mean of the
//! squared differences to it).
template <std::size_t N, class V, class X>
constexpr group_moments<V> moments(const X& x, std::size_t base, double eps) {
    group_moments<V> m{x[base], V(0), V(0)};
    V s = V(x[base]) - m.shift;
    for (std::size_t j = 1; j < N; ++j)
        s += V(x[base + j]) - m.shift;
    m.offset = s / splat<V>(static_cast<double>(N));
    V q = m.centered(x[base]);
    q *= q;
    for (std::size_t j = 1; j < N; ++j) {
        const V d = m.centered(x[base + j]);
        q = detail::fma(d, d, q);
    }
    const V var = q / splat<V>(static_cast<double>(N));
    m.rstd = V(1) / detail::sqrt(V(var + splat<V>(eps)));
    return m;
}

//! What a normalisation op with operands (x, weight, bias) states alike: the result has x's shape;
//! x's adjoint is written once per element, weight's and bias's are sums; torch's initial weight 1
//! and bias 0 (`reset_parameters`).
struct affine_normalisation {
    template <std::size_t I>
    static constexpr bool writes_once = I == 0;
    template <class SX, class... SP>
    using result_shape = SX;
    //! The initial value of operand I: weight 1, bias 0.
    template <std::size_t I>
    static constexpr double initial_value = I == 1 ? 1.0 : 0.0;
};

}  // namespace detail

namespace ops {

//! Layer normalisation of Groups groups of N consecutive elements each (the input's shape is
//! [..., normalized_shape], N the size of normalized_shape), with eps = bit_cast<double>(EpsBits);
//! operands (x) or, with elementwise affine, (x, weight, bias), weight and bias of N elements shared
//! by the groups. Per group, x̂ⱼ = (xⱼ - mean) / σ with σ = √(var + eps), var the biased variance,
//! and yⱼ = x̂ⱼ weightⱼ + biasⱼ (or x̂ⱼ).
//!
//! d/dx: with gⱼ = gyⱼ weightⱼ (or gyⱼ), dxⱼ = (gⱼ - mean(g) - x̂ⱼ mean(g x̂)) / σ;
//! d/dweightⱼ = Σ over groups gyⱼ x̂ⱼ; d/dbiasⱼ = Σ over groups gyⱼ.
//!
//! Edges: a constant group (var = 0) gives x̂ = 0 exactly, so y = bias exactly (torch 1.13's float32
//! kernel gives bias within a few ulp of the mean times 1/√eps), and σ = √eps, so the gradient is
//! finite: dxⱼ = (gⱼ - mean(g)) / √eps, large (316 (gⱼ - mean(g)) for eps = 1e-5), as torch's;
//! d/dweight = 0. With eps = 0 a constant group gives 0 · ∞ = NaN, as torch's.
template <std::size_t Groups, std::size_t N, std::uint64_t EpsBits>
struct layer_norm : detail::affine_normalisation {
    static constexpr double eps = std::bit_cast<double>(EpsBits);
    static constexpr std::size_t groups = Groups, normalized_size = N;

    template <class Y, class X, class... P>
    static constexpr void forward(Y& y, const X& x, const P&... p) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        for (std::size_t g = 0; g < Groups; ++g) {
            const std::size_t base = g * N;
            const auto m = detail::moments<N, V>(x, base, eps);
            for (std::size_t j = 0; j < N; ++j) {
                const V xhat = m.centered(x[base + j]) * m.rstd;
                if constexpr (sizeof...(P) == 2)
                    y[base + j] = affine(xhat, j, p...);
                else
                    y[base + j] = xhat;
            }
        }
    }

    template <std::size_t I, class G, class GY, class Y, class X, class... P>
    static constexpr void vjp(G& ga, const GY& gy, const Y&, const X& x, const P&... p) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        if constexpr (I == 0) {
            for (std::size_t g = 0; g < Groups; ++g) {
                const std::size_t base = g * N;
                const auto m = detail::moments<N, V>(x, base, eps);
                V sum_g = V(0), sum_gx = V(0);
                for (std::size_t j = 0; j < N; ++j) {
                    const V gj = upstream(gy, base, j, p...);
                    const V xhat = m.centered(x[base + j]) * m.rstd;
                    sum_g += gj;
                    sum_gx = detail::fma(gj, xhat, sum_gx);
                }
                const V mean_g = sum_g / detail::splat<V>(static_cast<double>(N));
                const V mean_gx = sum_gx / detail::splat<V>(static_cast<double>(N));
                for (std::size_t j = 0; j < N; ++j) {
                    const V xhat = m.centered(x[base + j]) * m.rstd;
                    ga[base + j] += m.rstd * (upstream(gy, base, j, p...) - mean_g - xhat * mean_gx);
                }
            }
        } else if constexpr (I == 1) {
            std::array<detail::group_moments<V>, Groups> m{};
            for (std::size_t g = 0; g < Groups; ++g)
                m[g] = detail::moments<N, V>(x, g * N, eps);
            for (std::size_t j = 0; j < N; ++j) {
                V acc = V(gy[j]) * V(m[0].centered(x[j]) * m[0].rstd);
                for (std::size_t g = 1; g < Groups; ++g)
                    acc = detail::fma(V(gy[g * N + j]), V(m[g].centered(x[g * N + j]) * m[g].rstd), acc);
                ga[j] += acc;
            }
        } else {
            for (std::size_t j = 0; j < N; ++j) {
                V acc = gy[j];
                for (std::size_t g = 1; g < Groups; ++g)
                    acc += gy[g * N + j];
                ga[j] += acc;
            }
        }
    }

private:
    template <class V, class W, class B>
    static constexpr V affine(const V& xhat, std::size_t j, const W& w, const B& b) {
        return detail::fma(xhat, V(w[j]), V(b[j]));
    }
    template <class GY, class... P>
    static constexpr auto upstream(const GY& gy, std::size_t base, std::size_t j, const P&... p) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        if constexpr (sizeof...(P) == 2)
            return V(V(gy[base + j]) * V(first(p...)[j]));
        else
            return V(gy[base + j]);
    }
    template <class W, class B>
    static constexpr const W& first(const W& w, const B&) {
        return w;
    }
};

}  // namespace ops

//! Whether to give layer_norm its elementwise weight and bias: `tg::elementwise_affine<false>` as
//! layer_norm's third argument is torch's `elementwise_affine=False`.
template <bool Affine>
struct elementwise_affine_t {
    static constexpr bool value = Affine;
};
template <bool Affine>
inline constexpr elementwise_affine_t<Affine> elementwise_affine{};

namespace detail {

//! Whether NS (rank >= 1) is SX or the trailing dimensions of SX.
template <class SX, class NS>
constexpr bool trailing_dims_match() {
    return []<std::size_t... X, std::size_t... M>(shape<X...>*, shape<M...>*) {
        constexpr std::array<std::size_t, sizeof...(X)> x{X...};
        constexpr std::array<std::size_t, sizeof...(M)> m{M...};
        if (m.size() == 0 || m.size() > x.size())
            return false;
        for (std::size_t k = 0; k < m.size(); ++k)
            if (m[m.size() - 1 - k] != x[x.size() - 1 - k])
                return false;
        return true;
    }
    (static_cast<SX*>(nullptr), static_cast<NS*>(nullptr));
}

template <fixed_string Name, class NS, class Eps, bool Affine, Expression X>
constexpr auto layer_norm_builder(X) {
    using SX = typename X::shape_type;
    constexpr bool eps_ok = error::check<ConstantLeaf<Eps>>(error::fault<error::layer_norm_eps_is_not_a_constant>);
    constexpr bool shape_ok = trailing_dims_match<SX, NS>();
    [[maybe_unused]] constexpr bool checked =
        error::check<shape_ok>(error::fault<error::layer_norm_shape_mismatch<error::shaped<error::normalized_shape, NS>,
                                                                             error::shaped<error::input, SX>>>);
    if constexpr (!eps_ok || !shape_ok) {
        return error::stand_in<SX>{};
    } else {
        using op = ops::layer_norm<SX::size / NS::size, NS::size, std::bit_cast<std::uint64_t>(Eps::value)>;
        if constexpr (Affine)
            return node<op, X, param_leaf<Name + fixed_string(".weight"), NS>,
                        param_leaf<Name + fixed_string(".bias"), NS>>{};
        else
            return node<op, X>{};
    }
}

}  // namespace detail

//! Layer normalisation over the trailing dimensions [Dims...] of x (all of x's shape, or its last
//! dimensions: x [C, L] with Dims = L normalises each channel): (x - mean) / √(var + eps) · weight +
//! bias, mean and biased variance over each group of Dims elements of one sample; parameters
//! `Name.weight` and `Name.bias` of shape [Dims...] (torch's initial values 1 and 0), or none with
//! `tg::elementwise_affine<false>`. Same shape as x. eps a compile-time constant (default 1e-5):
//! `tg::layer_norm<"ln", 8>(x)`, `tg::layer_norm<"ln", 8>(x, 1e-6_c)`,
//! `tg::layer_norm<"ln", 8>(x, 1e-5_c, tg::elementwise_affine<false>)`.
//! torch: `torch.nn.LayerNorm((Dims...), eps=eps, elementwise_affine=...)`, named "ln".
template <fixed_string Name, std::size_t... Dims, Expression X, class Eps = detail::default_layer_norm_eps,
          bool Affine = true>
constexpr auto layer_norm(X x, Eps = {}, elementwise_affine_t<Affine> = {}) {
    return detail::layer_norm_builder<Name, shape<Dims...>, Eps, Affine>(x);
}

}  // namespace TYPEGRAD_NS
