#pragma once
// The plumbing shared by elementwise ops, written once: the loops, scalar broadcasting (an operand
// of size 1 meets one of any size), and the VJP of a broadcast operand (a sum over the elements).
// An elementwise op only states its value and its local derivatives.
#include <cstddef>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::detail {

//! Broadcast rule of elementwise ops: equal sizes, or one side of size 1. The result takes the
//! larger shape.
template <class A, class B>
using broadcast_shape = std::conditional_t<(B::size > A::size) || (B::size == A::size && B::rank > A::rank), B, A>;

template <class SA, class SB>
inline constexpr bool broadcastable = SA::size == SB::size || SA::size == 1 || SB::size == 1;

//! Checks an elementwise op's operands at its public builder.
template <Expression A, Expression B>
constexpr bool check_elementwise() {
    using SA = typename A::shape_type;
    using SB = typename B::shape_type;
    [[maybe_unused]] constexpr bool checked = error::check<broadcastable<SA, SB>>(
        error::fault<error::elementwise_shape_mismatch<error::shaped<error::lhs, SA>, error::shaped<error::rhs, SB>>>);
    return checked;
}

//! Base of an elementwise op of one operand. `Derived` provides `f(x)` and `df(x, y)` (with y = f(x)).
template <class Derived>
struct unary_elementwise : adds_each_once {
    template <class S>
    using result_shape = S;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        if constexpr (std::is_floating_point_v<V>) {
            // One sample (the scalar lane type) at run time, e.g. tg::predict_one: the elements side
            // by side in SIMD registers, so that a layer's tanh or exp is a vector call, not one per unit.
            if (extent<Y> >= xsimd::batch<V>::size && !std::is_constant_evaluated()) {
                using B = xsimd::batch<V>;
                constexpr std::size_t n = extent<Y>, full = n / B::size * B::size;
                alignas(B::arch_type::alignment()) V in[B::size], out[B::size];
                for (std::size_t i = 0; i < full; i += B::size) {
                    for (std::size_t l = 0; l < B::size; ++l)
                        in[l] = a[i + l];
                    Derived::f(B::load_aligned(in)).store_aligned(out);
                    for (std::size_t l = 0; l < B::size; ++l)
                        y[i + l] = out[l];
                }
                for (std::size_t i = full; i < n; ++i)
                    y[i] = Derived::f(a[i]);
                return;
            }
        }
        for (std::size_t i = 0; i < extent<Y>; ++i)
            y[i] = Derived::f(a[i]);
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y& y, const A& a) {
        for (std::size_t i = 0; i < extent<Y>; ++i)
            ga[i] += gy[i] * Derived::df(a[i], y[i]);
    }
};

//! Base of an elementwise op of two operands with scalar broadcast. `Derived` provides `f(a, b)`,
//! `da(a, b, y)` and `db(a, b, y)`.
template <class Derived>
struct binary_elementwise : adds_each_once {
    template <class SA, class SB>
    using result_shape = broadcast_shape<SA, SB>;

    template <class Y, class A, class B>
    static constexpr void forward(Y& y, const A& a, const B& b) {
        for (std::size_t i = 0; i < extent<Y>; ++i)
            y[i] = Derived::f(at(a, i), at(b, i));
    }
    template <std::size_t I, class G, class GY, class Y, class A, class B>
    static constexpr void vjp(G& g, const GY& gy, const Y& y, const A& a, const B& b) {
        constexpr bool reduce = extent<G> == 1 && extent < Y >> 1;
        if constexpr (reduce) {
            auto acc = gy[0] * local<I>(at(a, 0), at(b, 0), y[0]);
            for (std::size_t i = 1; i < extent<Y>; ++i)
                acc += gy[i] * local<I>(at(a, i), at(b, i), y[i]);
            g[0] += acc;
        } else {
            for (std::size_t i = 0; i < extent<Y>; ++i)
                g[i] += gy[i] * local<I>(at(a, i), at(b, i), y[i]);
        }
    }

private:
    template <class A>
    static constexpr auto at(const A& a, std::size_t i) {
        if constexpr (extent<A> == 1)
            return a[0];
        else
            return a[i];
    }
    template <std::size_t I, class X, class Z, class Y>
    static constexpr auto local(const X& a, const Z& b, const Y& y) {
        if constexpr (I == 0)
            return Derived::da(a, b, y);
        else
            return Derived::db(a, b, y);
    }
};

}  // namespace TYPEGRAD_NS::detail
