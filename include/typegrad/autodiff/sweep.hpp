#pragma once
// The generated code: a forward sweep over the nodes in topological order, then a reverse sweep
// that adds each node's vector-Jacobian products into its operands' adjoints. Both are unrolled at
// compile time (fold expressions over the node list); each op's loops have compile-time trip counts.
//
// `V` is the lane value: a float/double (one sample; also usable in constant evaluation) or an xsimd
// batch (one sample per lane). Parameters are read broadcast to every lane; their adjoints go to
// per-lane accumulators that the caller sums over lanes once per batch.
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>

namespace typegrad::autodiff {

//! Whether the gradient flows through node N, i.e. N is or uses a parameter.
template <class N>
struct needs_adjoint;
template <class N>
inline constexpr bool needs_adjoint_v = needs_adjoint<N>::value;
template <class N>
    requires Leaf<N>
struct needs_adjoint<N> : std::bool_constant<ParamLeaf<N>> {};
template <class Op, class... Args>
struct needs_adjoint<node<Op, Args...>> : std::bool_constant<(needs_adjoint_v<Args> || ...)> {};

// The buffers of one node: its value, and its adjoint when the gradient flows through it.
template <class V, class N, bool WithAdjoint = needs_adjoint_v<N>>
struct slot {
    detail::lanes<V, size_of<N>> val;
    detail::lanes<V, size_of<N>> adj;
};
template <class V, class N>
struct slot<V, N, false> {
    detail::lanes<V, size_of<N>> val;
};

template <class V, class N>
struct slot_for : slot<V, N> {};
template <class V, class N>
    requires(ParamLeaf<N> || ConstantLeaf<N>)
struct slot_for<V, N> {};

template <class V, class T, class Nodes, class Params>
struct workspace;

//! All the buffers of one evaluation of an expression.
template <class V, class T, class... Ns, class Params>
struct workspace<V, T, type_list<Ns...>, Params> : slot_for<V, Ns>... {
    using layout = param_layout<Params>;
    const T* params = nullptr;  // flat values of every parameter
    V* param_adjoints = nullptr;  // flat, one lane value per parameter element

    template <class N>
    constexpr decltype(auto) value() {
        if constexpr (ParamLeaf<N>)
            return detail::broadcast_view<V, T, size_of<N>>{params + layout::template offset_of<N>};
        else if constexpr (ConstantLeaf<N>)
            return detail::constant_value_view<V>{N::value};
        else
            return (static_cast<slot<V, N>&>(*this).val);
    }
    template <class N>
    constexpr decltype(auto) adjoint() {
        if constexpr (ParamLeaf<N>)
            return detail::adjoint_view<V, size_of<N>>{param_adjoints + layout::template offset_of<N>};
        else
            return (static_cast<slot<V, N>&>(*this).adj);
    }
};

template <class V, class T, Expression Loss>
using workspace_for = workspace<V, T, typename graph<Loss>::nodes, typename graph<Loss>::params>;

template <class N, class WS>
constexpr void forward_node(WS& ws) {
    if constexpr (!Leaf<N>) {
        [&]<class Op, class... Args>(node<Op, Args...>*) {
            Op::forward(ws.template value<N>(), ws.template value<Args>()...);
        }(static_cast<N*>(nullptr));
    }
}

template <class N, class WS>
constexpr void reverse_node(WS& ws) {
    if constexpr (!Leaf<N> && needs_adjoint_v<N>) {
        [&]<class Op, class... Args>(node<Op, Args...>*) {
            auto&& gy = ws.template adjoint<N>();
            auto&& y = ws.template value<N>();
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (
                    [&] {
                        using A = std::tuple_element_t<I, std::tuple<Args...>>;
                        if constexpr (needs_adjoint_v<A>) {
                            auto&& ga = ws.template adjoint<A>();
                            Op::template vjp<I>(ga, gy, y, ws.template value<Args>()...);
                        }
                    }(),
                    ...);
            }(std::index_sequence_for<Args...>{});
        }(static_cast<N*>(nullptr));
    }
}

template <class N, class WS>
constexpr void clear_adjoint(WS& ws) {
    if constexpr (!Leaf<N> && needs_adjoint_v<N>) {
        auto& a = ws.template adjoint<N>();
        for (auto& v : a.v) v = std::remove_cvref_t<decltype(v)>(0);
    }
}

//! Computes every node's value from the leaves already loaded into `ws`.
// Array initialisers rather than comma folds: Clang 14 caps a fold's nesting at 256 operands,
// fewer nodes than a 64-layer model has.
template <class... Ns, class WS>
constexpr void forward(type_list<Ns...>, WS& ws) {
    const int in_order[] = {0, (forward_node<Ns>(ws), 0)...};
    (void)in_order;
}

//! With the root's adjoint seeded, adds every parameter's gradient into `ws.param_adjoints`.
template <class Root, class... Ns, class WS>
constexpr void reverse(type_list<Ns...>, WS& ws) {
    const int cleared[] = {0, ((std::is_same_v<Ns, Root> ? void() : clear_adjoint<Ns>(ws)), 0)...};
    const int in_order[] = {0, (reverse_node<Ns>(ws), 0)...};
    (void)cleared;
    (void)in_order;
}

}  // namespace typegrad::autodiff
