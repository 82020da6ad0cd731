#pragma once
// Elementwise functions of one operand: square, exp, log, tanh, sigmoid, relu.
// Each states its value f(x) and its local derivative df(x, y) with y = f(x).
#include <typegrad/core/elementwise.hpp>
#include <typegrad/detail/math.hpp>

namespace typegrad {
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
//! ln x.  d/dx = 1 / x.
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
//! max(x, 0).  d/dx = 1 for x > 0, else 0 (torch's choice at the kink x = 0).
struct relu : detail::unary_elementwise<relu> {
    static constexpr auto f(const auto& x) {
        using V = value_t<decltype(x)>;
        return detail::max(V(x), V(0));
    }
    static constexpr auto df(const auto& x, const auto&) {
        using V = value_t<decltype(x)>;
        return detail::select(V(x) > V(0), V(1), V(0));
    }
};

}  // namespace ops

//! Elementwise x². torch: `torch.square(x)`.
template <Expression A> constexpr auto square(A) { return node<ops::square, A>{}; }
//! Elementwise eˣ. torch: `torch.exp(x)`.
template <Expression A> constexpr auto exp(A) { return node<ops::exp, A>{}; }
//! Elementwise natural logarithm. torch: `torch.log(x)`.
template <Expression A> constexpr auto log(A) { return node<ops::log, A>{}; }
//! Elementwise hyperbolic tangent. torch: `torch.tanh(x)`.
template <Expression A> constexpr auto tanh(A) { return node<ops::tanh, A>{}; }
//! Elementwise logistic function. torch: `torch.sigmoid(x)`.
template <Expression A> constexpr auto sigmoid(A) { return node<ops::sigmoid, A>{}; }
//! Elementwise max(x, 0). torch: `torch.relu(x)`.
template <Expression A> constexpr auto relu(A) { return node<ops::relu, A>{}; }

}  // namespace typegrad
