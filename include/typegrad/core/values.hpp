#pragma once
// The buffers an evaluation works on. An op reads operands with `a[i]` and adds adjoints with
// `ga[i] += ...`, whatever holds them: a node's own lanes, a parameter (the same number broadcast to
// every lane), or a constant.
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/math.hpp>

namespace TYPEGRAD_NS::detail {

//! N lane values: one per element of a node's shape (each lane value holding one or more samples).
template <class V, std::size_t N>
struct lanes {
    static constexpr std::size_t size = N;
    V v[N];  // written before it is read: by the loads, the forward sweep, or clear_adjoint
    constexpr V& operator[](std::size_t i) noexcept { return v[i]; }
    constexpr const V& operator[](std::size_t i) const noexcept { return v[i]; }
};

//! A parameter's values seen from the lanes: element i is broadcast to every sample.
template <class V, class T, std::size_t N>
struct broadcast_view {
    static constexpr std::size_t size = N;
    const T* p;
    constexpr V operator[](std::size_t i) const noexcept { return V(p[i]); }
    constexpr T scalar(std::size_t i) const noexcept { return p[i]; }
};

//! A compile-time constant seen from the lanes.
template <class V>
struct constant_value_view {
    static constexpr std::size_t size = 1;
    double value;
    constexpr V operator[](std::size_t) const noexcept { return V(static_cast<scalar_of_t<V>>(value)); }
};

//! Adjoint storage seen through a pointer (a parameter's per-lane gradient accumulators).
template <class V, std::size_t N>
struct adjoint_view {
    static constexpr std::size_t size = N;
    V* p;
    constexpr V& operator[](std::size_t i) const noexcept { return p[i]; }
};

//! A node's adjoint as its first contribution sees it: `g[i] += x` assigns x. Any other use of the
//! element does not compile, so an op that reads its operand's adjoint cannot opt in by mistake.
template <class Lanes>
struct first_write {
    static constexpr std::size_t size = Lanes::size;
    Lanes& target;
    struct element {
        decltype(std::declval<Lanes&>()[0]) v;
        template <class E>
        constexpr void operator+=(const E& e) const {
            v = e;
        }
    };
    constexpr element operator[](std::size_t i) const noexcept { return {target[i]}; }
};

//! Base of an op whose vjp<I> writes each element of its operand's adjoint once, with `+=`, for
//! every operand: its first contribution may then assign instead (see autodiff/sweep.hpp).
struct adds_each_once {
    template <std::size_t I>
    static constexpr bool writes_once = true;
};

template <class A>
inline constexpr std::size_t extent = std::remove_cvref_t<A>::size;

}  // namespace TYPEGRAD_NS::detail
