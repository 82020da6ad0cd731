#pragma once
// Normalised exponentials of a vector: logsumexp (→ scalar), softmax and log_softmax (→ vector).
// All three shift by the largest element before exponentiating, so no finite input overflows:
// logits of ±100 give finite values and gradients in float too.
#include <cstddef>
#include <limits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {
namespace detail {

//! The shift m of a stable logsumexp: the largest element, or 0 when that is ±inf (torch's rule,
//! so that all -inf gives -inf, and +inf gives +inf, rather than inf - inf).
template <class A>
constexpr auto softmax_shift(const A& a) {
    auto m = a[0];
    for (std::size_t i = 1; i < extent<A>; ++i)
        m = detail::max(m, a[i]);
    using V = decltype(m);
    return detail::select(detail::abs(m) == splat<V>(std::numeric_limits<double>::infinity()), V(0), m);
}

//! log Σᵢ e^aᵢ, stably.
template <class A>
constexpr auto logsumexp(const A& a) {
    const auto m = softmax_shift(a);
    auto s = detail::exp(a[0] - m);
    for (std::size_t i = 1; i < extent<A>; ++i)
        s += detail::exp(a[i] - m);
    return m + detail::log(s);
}

}  // namespace detail

namespace ops {

//! log Σᵢ e^aᵢ → scalar.  d/daᵢ = gy e^(aᵢ - y) (the softmax of a).
struct logsumexp : detail::adds_each_once {
    template <class S>
    using result_shape = scalar_shape;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        y[0] = detail::logsumexp(a);
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y& y, const A& a) {
        for (std::size_t i = 0; i < detail::extent<A>; ++i)
            ga[i] += gy[0] * detail::exp(a[i] - y[0]);
    }
};

//! yᵢ = aᵢ - logsumexp(a), same shape as a.  d/daᵢ = gyᵢ - e^yᵢ Σⱼ gyⱼ.
struct log_softmax : detail::adds_each_once {
    template <class S>
    using result_shape = S;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        const auto lse = detail::logsumexp(a);
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            y[i] = a[i] - lse;
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y& y, const A&) {
        auto total = gy[0];
        for (std::size_t i = 1; i < detail::extent<Y>; ++i)
            total += gy[i];
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            ga[i] += gy[i] - detail::exp(y[i]) * total;
    }
};

//! yᵢ = e^aᵢ / Σⱼ e^aⱼ, same shape as a.  d/daᵢ = yᵢ (gyᵢ - Σⱼ gyⱼ yⱼ).
struct softmax : detail::adds_each_once {
    template <class S>
    using result_shape = S;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        const auto m = detail::softmax_shift(a);
        auto s = detail::exp(a[0] - m);
        y[0] = s;
        for (std::size_t i = 1; i < detail::extent<Y>; ++i) {
            y[i] = detail::exp(a[i] - m);
            s += y[i];
        }
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            y[i] /= s;
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y& y, const A&) {
        auto inner = gy[0] * y[0];
        for (std::size_t i = 1; i < detail::extent<Y>; ++i)
            inner = detail::fma(gy[i], y[i], inner);
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            ga[i] += y[i] * (gy[i] - inner);
    }
};

}  // namespace ops

namespace detail {
template <Expression A>
constexpr void check_vector_operand() {
    using S = typename A::shape_type;
    [[maybe_unused]] constexpr bool checked =
        error::check<(S::rank <= 1)>(error::fault<error::operand_is_not_a_vector<error::shaped<error::operand, S>>>);
}
}  // namespace detail

//! log Σᵢ e^xᵢ of a vector, a scalar; finite for any finite x. torch: `torch.logsumexp(x, 0)`.
template <Expression A>
constexpr auto logsumexp(A) {
    detail::check_vector_operand<A>();
    return node<ops::logsumexp, A>{};
}
//! The softmax of a vector, a vector of the same length summing to 1. torch: `torch.softmax(x, 0)`.
template <Expression A>
constexpr auto softmax(A) {
    detail::check_vector_operand<A>();
    return node<ops::softmax, A>{};
}
//! The log of the softmax of a vector, xᵢ - logsumexp(x), a vector of the same length.
//! torch: `torch.log_softmax(x, 0)`.
template <Expression A>
constexpr auto log_softmax(A) {
    detail::check_vector_operand<A>();
    return node<ops::log_softmax, A>{};
}

}  // namespace TYPEGRAD_NS
