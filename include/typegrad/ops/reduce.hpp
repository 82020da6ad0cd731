#pragma once
// Reductions of one operand to a scalar: sum and mean over its elements.
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {
namespace ops {

//! Σᵢ aᵢ → scalar.  d/daᵢ = 1.
struct sum : detail::adds_each_once {
    template <class S>
    using result_shape = scalar_shape;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        auto acc = a[0];
        for (std::size_t i = 1; i < detail::extent<A>; ++i)
            acc += a[i];
        y[0] = acc;
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y&, const A&) {
        for (std::size_t i = 0; i < detail::extent<A>; ++i)
            ga[i] += gy[0];
    }
};

//! (1/n) Σᵢ aᵢ → scalar.  d/daᵢ = 1/n.
struct mean : detail::adds_each_once {
    template <class S>
    using result_shape = scalar_shape;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        auto acc = a[0];
        for (std::size_t i = 1; i < detail::extent<A>; ++i)
            acc += a[i];
        y[0] = acc / V(static_cast<detail::scalar_of_t<V>>(detail::extent<A>));
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y&, const A&) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        const V g = gy[0] / V(static_cast<detail::scalar_of_t<V>>(detail::extent<A>));
        for (std::size_t i = 0; i < detail::extent<A>; ++i)
            ga[i] += g;
    }
};

}  // namespace ops

//! Sum of all elements, a scalar. torch: `x.sum()`.
template <Expression A>
constexpr auto sum(A) {
    return node<ops::sum, A>{};
}
//! Mean of all elements, a scalar. torch: `x.mean()`.
template <Expression A>
constexpr auto mean(A) {
    return node<ops::mean, A>{};
}

}  // namespace TYPEGRAD_NS
