#pragma once
// Elementwise functions of one operand: square, exp, log, tanh, sigmoid, relu, softplus, abs, sqrt,
// pow with a constant exponent, clamp between constant bounds. Each states its value f(x) and its
// local derivative df(x, y) with y = f(x). At a kink or a pole the derivative is torch 1.13's.
#include <bit>
#include <cstdint>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {
namespace ops {

template <class V>
using value_t = std::remove_cvref_t<V>;

//! x².  d/dx = 2x.
struct square : detail::unary_elementwise<square> {
    static constexpr auto f(const auto& x) { return x * x; }
    static constexpr auto df(const auto& x, const auto&) { return x + x; }
};
//! eˣ.  d/dx = y.
struct exp : detail::unary_elementwise<exp> {
    static constexpr auto f(const auto& x) { return detail::exp(value_t<decltype(x)>(x)); }
    static constexpr auto df(const auto&, const auto& y) { return y; }
};
//! ln x.  d/dx = 1 / x (+inf at x = 0, as torch).
struct log : detail::unary_elementwise<log> {
    static constexpr auto f(const auto& x) { return detail::log(value_t<decltype(x)>(x)); }
    static constexpr auto df(const auto& x, const auto&) { return value_t<decltype(x)>(1) / x; }
};
//! tanh x.  d/dx = 1 - y².
struct tanh : detail::unary_elementwise<tanh> {
    static constexpr auto f(const auto& x) { return detail::tanh(value_t<decltype(x)>(x)); }
    static constexpr auto df(const auto&, const auto& y) { return value_t<decltype(y)>(1) - y * y; }
};
//! 1 / (1 + e⁻ˣ), finite for every x (e⁻ˣ overflowing to inf gives 0).  d/dx = y (1 - y).
struct sigmoid : detail::unary_elementwise<sigmoid> {
    static constexpr auto f(const auto& x) {
        using V = value_t<decltype(x)>;
        return V(1) / (V(1) + detail::exp(V(-x)));
    }
    static constexpr auto df(const auto&, const auto& y) { return y * (value_t<decltype(y)>(1) - y); }
};
//! max(x, 0).  d/dx = 0 for x <= 0, else 1: 0 at the kink x = 0 and 1 for NaN, as torch's
//! `threshold_backward` (so NaN propagates through both the value and the gradient).
struct relu : detail::unary_elementwise<relu> {
    static constexpr auto f(const auto& x) {
        using V = value_t<decltype(x)>;
        return detail::select(V(x) <= V(0), V(0), V(x));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = value_t<decltype(x)>;
        return detail::select(V(x) <= V(0), V(0), V(1));
    }
};
//! ln(1 + eˣ), computed as max(x, 0) + log1p(e^-|x|): no overflow for any x.  d/dx = sigmoid(x).
//! torch's `F.softplus` (beta 1, threshold 20) returns x itself for x > 20; the two differ there by
//! log1p(e⁻ˣ) < 2.1e-9, which float cannot represent next to x.
struct softplus : detail::unary_elementwise<softplus> {
    static constexpr auto f(const auto& x) {
        using V = value_t<decltype(x)>;
        return detail::max(V(x), V(0)) + detail::log1p(detail::exp(V(-detail::abs(V(x)))));
    }
    static constexpr auto df(const auto& x, const auto&) { return sigmoid::f(x); }
};
//! |x|.  d/dx = sign(x), with sign(0) = 0 and 0 for NaN, as torch's `sgn`.
struct abs : detail::unary_elementwise<abs> {
    static constexpr auto f(const auto& x) { return detail::abs(value_t<decltype(x)>(x)); }
    static constexpr auto df(const auto& x, const auto&) {
        using V = value_t<decltype(x)>;
        return detail::select(V(x) > V(0), V(1), detail::select(V(x) < V(0), V(-1), V(0)));
    }
};
//! √x.  d/dx = 1 / (2y): +inf at x = 0 (and NaN there when the incoming gradient is 0), exactly as
//! torch, whose backward is `grad / (2 * result)`.
struct sqrt : detail::unary_elementwise<sqrt> {
    static constexpr auto f(const auto& x) { return detail::sqrt(value_t<decltype(x)>(x)); }
    static constexpr auto df(const auto&, const auto& y) { return value_t<decltype(y)>(0.5) / y; }
};
//! xᶜ for the compile-time constant c = bit_cast<double>(Bits).  d/dx = c xᶜ⁻¹, and 0 for c = 0
//! (torch's special case: 0 at x = 0 too). An integer c (|c| <= 64) is computed by repeated
//! multiplication, so negative x is fine; otherwise x < 0 gives NaN, as torch. At x = 0:
//! c = 1 gives 1, c > 1 gives 0, 0 < c < 1 gives +inf, c < 0 gives -inf or +inf, all as torch.
template <std::uint64_t Bits>
struct pow : detail::unary_elementwise<pow<Bits>> {
    static constexpr double c = std::bit_cast<double>(Bits);
    static constexpr bool integral = c >= -64 && c <= 64 && c == static_cast<double>(static_cast<long long>(c));

    template <class V>
    static constexpr V power(const V& x, double e) {
        if constexpr (integral)
            return detail::powi(x, static_cast<long long>(e));
        else
            return detail::pow(x, e);
    }
    static constexpr auto f(const auto& x) { return power(value_t<decltype(x)>(x), c); }
    static constexpr auto df(const auto& x, const auto&) {
        using V = value_t<decltype(x)>;
        if constexpr (c == 0)
            return V(0);
        else
            return detail::splat<V>(c) * power(V(x), c - 1);
    }
};
//! min(max(x, lo), hi) for compile-time constants lo <= hi (the bits of two doubles); NaN stays NaN.
//! d/dx = 1 where lo <= x <= hi, bounds included, else 0 (also 0 for NaN), as torch's
//! `clamp_backward` (`grad * ((self >= min) & (self <= max))`).
template <std::uint64_t LoBits, std::uint64_t HiBits>
struct clamp : detail::unary_elementwise<clamp<LoBits, HiBits>> {
    static constexpr double lo = std::bit_cast<double>(LoBits), hi = std::bit_cast<double>(HiBits);

    static constexpr auto f(const auto& x) {
        using V = value_t<decltype(x)>;
        const V l = detail::splat<V>(lo), h = detail::splat<V>(hi);
        return detail::select(V(x) < l, l, detail::select(V(x) > h, h, V(x)));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = value_t<decltype(x)>;
        return detail::select(V(x) >= detail::splat<V>(lo), detail::select(V(x) <= detail::splat<V>(hi), V(1), V(0)),
                              V(0));
    }
};

}  // namespace ops

namespace detail {
//! The bits of a compile-time constant's value, as ops carry it (Clang 14 takes no double template
//! arguments).
template <ConstantLeaf C>
inline constexpr std::uint64_t bits_of = std::bit_cast<std::uint64_t>(C::value);

//! The builder of an elementwise op with a compile-time constant parameter C (pow's exponent, elu's
//! alpha, leaky_relu's slope): the node of `Op<bits of C>` over A; when C is not a constant,
//! `NotConstant`'s message and a stand-in of A's shape.
template <template <std::uint64_t> class Op, class NotConstant, class C, Expression A>
constexpr auto with_constant(A) {
    if constexpr (error::check<ConstantLeaf<C>>(error::fault<NotConstant>))
        return node<Op<bits_of<C>>, A>{};
    else
        return error::stand_in<typename A::shape_type>{};
}
}  // namespace detail

//! Elementwise x². torch: `torch.square(x)`.
template <Expression A>
constexpr auto square(A) {
    return node<ops::square, A>{};
}
//! Elementwise eˣ. torch: `torch.exp(x)`.
template <Expression A>
constexpr auto exp(A) {
    return node<ops::exp, A>{};
}
//! Elementwise natural logarithm. torch: `torch.log(x)`.
template <Expression A>
constexpr auto log(A) {
    return node<ops::log, A>{};
}
//! Elementwise hyperbolic tangent. torch: `torch.tanh(x)`.
template <Expression A>
constexpr auto tanh(A) {
    return node<ops::tanh, A>{};
}
//! Elementwise logistic function. torch: `torch.sigmoid(x)`.
template <Expression A>
constexpr auto sigmoid(A) {
    return node<ops::sigmoid, A>{};
}
//! Elementwise max(x, 0). torch: `torch.relu(x)`.
template <Expression A>
constexpr auto relu(A) {
    return node<ops::relu, A>{};
}
//! Elementwise ln(1 + eˣ), finite for every finite x. torch: `F.softplus(x)`.
template <Expression A>
constexpr auto softplus(A) {
    return node<ops::softplus, A>{};
}
//! Elementwise |x|. torch: `torch.abs(x)`.
template <Expression A>
constexpr auto abs(A) {
    return node<ops::abs, A>{};
}
//! Elementwise √x. torch: `torch.sqrt(x)`.
template <Expression A>
constexpr auto sqrt(A) {
    return node<ops::sqrt, A>{};
}

//! Elementwise xᶜ for a compile-time constant c: `tg::pow(x, 3_c)`, `tg::pow(x, -0.5_c)`. Same shape
//! as x. torch: `torch.pow(x, c)`.
template <Expression A, Expression C>
constexpr auto pow(A a, C) {
    return detail::with_constant<ops::pow, error::pow_exponent_is_not_a_constant, C>(a);
}
//! Elementwise xᴺ for an integer N: `tg::pow<3>(x)`. torch: `torch.pow(x, N)`.
template <long long N, Expression A>
constexpr auto pow(A a) {
    return pow(a, constant<N>);
}

//! Elementwise min(max(x, lo), hi) for compile-time constants lo <= hi: `tg::clamp(x, -1_c, 1_c)`.
//! Same shape as x. torch: `torch.clamp(x, lo, hi)`.
template <Expression A, Expression Lo, Expression Hi>
constexpr auto clamp(A, Lo, Hi) {
    if constexpr (error::check < ConstantLeaf<Lo> &&
                  ConstantLeaf < Hi >> (error::fault<error::clamp_bounds_are_not_constants>)) {
        [[maybe_unused]] constexpr bool checked =
            error::check<(Lo::value <= Hi::value)>(error::fault<error::clamp_bounds_out_of_order>);
        return node<ops::clamp<detail::bits_of<Lo>, detail::bits_of<Hi>>, A>{};
    } else {
        return error::stand_in<typename A::shape_type>{};
    }
}

}  // namespace TYPEGRAD_NS
