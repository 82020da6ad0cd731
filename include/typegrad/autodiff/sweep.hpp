#pragma once
// The generated code: a forward sweep over the nodes in topological order, then a reverse sweep
// that adds each node's vector-Jacobian products into its operands' adjoints. Both are unrolled at
// compile time (fold expressions over the node list); each op's loops have compile-time trip counts.
//
// `V` is the lane value: a float/double (one sample; also usable in constant evaluation) or an xsimd
// batch (one sample per lane). Parameters are read broadcast to every lane; their adjoints go to
// per-lane accumulators that the caller sums over lanes once per batch.
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include <typegrad/autodiff/block_kernels.hpp>
#include <typegrad/autodiff/buffers.hpp>
#include <typegrad/autodiff/graph.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/mode.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/broadcast.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::autodiff {

//! Whether the gradient flows through node N, i.e. N is or uses a parameter.
template <class N>
struct needs_adjoint;
template <class N>
inline constexpr bool needs_adjoint_v = needs_adjoint<N>::value;
template <class N>
requires Leaf<N>
struct needs_adjoint<N> : std::bool_constant<ParamLeaf<N>> {
};
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
requires(ParamLeaf<N> || ConstantLeaf<N>) struct slot_for<V, N> {
};

//! Whether node N = node<Op, Args...> computes operand I's contribution to the gradient for a whole
//! block of V lanes at once (`block_kernel<Op>`), straight into that parameter's gradient, instead
//! of adding per-lane products into its lane accumulators.
template <class V, class N, std::size_t I>
inline constexpr bool uses_block_vjp = false;
template <class V, class Op, class... Args, std::size_t I>
inline constexpr bool uses_block_vjp<V, node<Op, Args...>, I> =
    ParamLeaf<std::tuple_element_t<I, std::tuple<Args...>>>&&
        block_kernel<Op>::template wanted<I, V, size_of<node<Op, Args...>>, size_of<Args>...>;

//! Whether some operand of node N goes through its op's block kernel, which then keeps state in the
//! workspace (stage_slot) and is flushed at the end of a sweep over a batch (flush_blocks).
template <class V, class N>
inline constexpr bool has_block_stage = false;
template <class V, class Op, class... Args>
inline constexpr bool has_block_stage<V, node<Op, Args...>> = []<std::size_t... I>(std::index_sequence<I...>) {
    return (uses_block_vjp<V, node<Op, Args...>, I> || ...);
}
(std::index_sequence_for<Args...>{});

//! The state of node N's block kernel (a dense layer's gathered samples), if it has one.
template <class V, class N>
struct stage_slot {};
template <class V, class Op, class... Args>
requires has_block_stage<V, node<Op, Args...>>
struct stage_slot<V, node<Op, Args...>> {
    typename block_kernel<Op>::template stage<V, size_of<node<Op, Args...>>, size_of<Args>...> stage;
};

//! Whether a sweep over lanes V reads the Total parameter elements from copies broadcast to the lanes
//! once per batch (`workspace::param_lanes`) instead of broadcasting an element at every read. Every
//! block of samples reads every weight of a dense layer; on x86 before AVX (SSE2 to SSE4.2, the
//! baseline of a portable binary) such a broadcast is a load and a shuffle for one multiply and one
//! add, where a broadcast copy is a plain load the multiply takes as its operand. AVX broadcasts as
//! it loads, and AVX-512 inside the multiply-add, so there the copies would only take cache. The
//! copies (Total lane values) must stay in cache: at most 128 KB of them.
template <class V, std::size_t Total>
inline constexpr bool broadcast_once = false;
template <class T, class A, std::size_t Total>
inline constexpr bool broadcast_once<xsimd::batch<T, A>, Total> =
    detail::broadcast_shuffles<xsimd::batch<T, A>>&& Total * sizeof(xsimd::batch<T, A>) <= 128 * 1024;

//! A parameter's values broadcast to the lanes beforehand (broadcast_once): element i is the lane
//! value p[i].
template <class V, std::size_t N>
struct broadcast_lanes_view {
    static constexpr std::size_t size = N;
    const V* p;
    V operator[](std::size_t i) const noexcept { return p[i]; }
};

//! The buffer a mode-dependent op keeps from its forward sweep to its vjp (`Op::saved`: dropout's
//! noise), if it is one.
template <class V, class N>
struct saved_slot {};
template <class V, class Op, class... Args>
requires mode_dependent<Op>
struct saved_slot<V, node<Op, Args...>> {
    typename Op::template saved<V, size_of<node<Op, Args...>>> saved;
};

// Whether node N depends on the mode, and whether some node of the list Nodes does: known at
// compile time, so a workspace without such a node carries no mode state and its sweeps pass none.
template <class N>
inline constexpr bool is_mode_dependent = node_states<op_property::mode_dependent, N>;
template <class Nodes>
inline constexpr bool has_mode_dependent = any_node_states<op_property::mode_dependent, Nodes>;

//! Node N's site: how many mode-dependent nodes come before it in the list (its random stream).
template <class N, class... Ns>
constexpr std::size_t site_of(type_list<Ns...>) {
    std::size_t before = 0;
    bool found = false;
    const int each[] = {0, (found = found || std::is_same_v<N, Ns>, before += !found && is_mode_dependent<Ns>, 0)...};
    (void)each;
    return before;
}

//! The mode of a sweep over lanes V: the mode_state (null: evaluation) and the dataset row of the
//! sample in each lane, when the expression has mode-dependent nodes; nothing otherwise.
template <class V, bool Has>
struct mode_slot {};
template <class V>
struct mode_slot<V, true> {
    const mode_state* mode = nullptr;
    std::uint64_t mode_rows[detail::lane_count<V>] = {};
};

template <class V, class T, class Nodes, class Params, bool BroadcastOnce = false>
struct workspace;

//! All the buffers of one evaluation of an expression. With BroadcastOnce, parameters are read from
//! `param_lanes` (see broadcast_once), otherwise from `params`, broadcast at each read.
template <class V, class T, class... Ns, class Params, bool BroadcastOnce>
struct workspace<V, T, type_list<Ns...>, Params, BroadcastOnce> : slot_for<V, Ns>...,
                                                                  stage_slot<V, Ns>...,
                                                                  saved_slot<V, Ns>...,
                                                                  mode_slot<V, has_mode_dependent<type_list<Ns...>>> {
    using layout = param_layout<Params>;
    using lane_type = V;
    static constexpr bool has_mode = has_mode_dependent<type_list<Ns...>>;
    const T* params = nullptr;       // flat values of every parameter
    const V* param_lanes = nullptr;  // with BroadcastOnce: the same, each broadcast to a lane value
    V* param_adjoints = nullptr;     // flat, one lane value per parameter element
    T* param_grads = nullptr;        // flat gradients, for the block kernels (block_kernels.hpp)
    std::size_t valid = 0;           // lanes [0, valid) hold samples (block kernels read no others)

    template <class N>
    constexpr decltype(auto) value() {
        if constexpr (ParamLeaf<N> && BroadcastOnce)
            return broadcast_lanes_view<V, size_of<N>>{param_lanes + layout::template offset_of<N>};
        else if constexpr (ParamLeaf<N>)
            return detail::broadcast_view<V, T, size_of<N>>{params + layout::template offset_of<N>};
        else if constexpr (ConstantLeaf<N>)
            return detail::constant_value_view<V>{N::value};
        else
            return (static_cast<slot<V, N>&>(*this).val);
    }
    //! The buffer of the batch-level node N (its running statistics), after the parameters' values,
    //! seen from the lanes.
    template <class N>
    constexpr auto running() const {
        constexpr std::size_t offset = layout::total + buffer_layout<type_list<Ns...>>::template offset_of<N>;
        return detail::broadcast_view<V, T, buffer_size_of<N>>{params + offset};
    }
    template <class N>
    constexpr auto& stage() {
        return static_cast<stage_slot<V, N>&>(*this).stage;
    }
    template <class N>
    constexpr auto& saved() {
        return static_cast<saved_slot<V, N>&>(*this).saved;
    }
    //! What the mode-dependent node N sees of the sweep's mode.
    template <class N>
    constexpr mode_view mode_of() const {
        constexpr std::size_t site = site_of<N>(type_list<Ns...>{});
        return {this->mode, this->mode_rows, site};
    }
    template <class P>
    T* param_grad() const noexcept {
        return param_grads + layout::template offset_of<P>;
    }
    template <class N>
    constexpr decltype(auto) adjoint() {
        if constexpr (ParamLeaf<N>)
            return detail::adjoint_view<V, size_of<N>>{param_adjoints + layout::template offset_of<N>};
        else
            return (static_cast<slot<V, N>&>(*this).adj);
    }
};

template <class V, class T, Expression Loss, bool BroadcastOnce = false>
using workspace_for = workspace<V, T, typename graph<Loss>::nodes, typename graph<Loss>::params, BroadcastOnce>;

// Through a function template: Clang 14 looks up the members of a discarded `if constexpr` branch
// inside a generic lambda.
template <class N, class Op, class... Args, class WS>
constexpr void node_forward(WS& ws) {
    if constexpr (mode_dependent<Op>)
        Op::forward(ws.template mode_of<N>(), ws.template saved<N>(), ws.template value<N>(),
                    ws.template value<Args>()...);
    else if constexpr (batch_level_op<Op>)
        Op::forward(ws.template running<N>(), ws.template value<N>(), ws.template value<Args>()...);
    else
        Op::forward(ws.template value<N>(), ws.template value<Args>()...);
}

template <class N, class WS>
constexpr void forward_node(WS& ws) {
    if constexpr (!Leaf<N>) {
        [&]<class Op, class... Args>(node<Op, Args...>*) {
            node_forward<N, Op, Args...>(ws);
        }(static_cast<N*>(nullptr));
    }
}

// Through a function template: Clang 14 looks up the member in a discarded `if constexpr` branch of
// a lambda nested in a generic lambda.
template <class Op, std::size_t I, class N, class A, class WS, class... Xs>
void block_vjp(WS& ws, Xs&&... xs) {
    block_kernel<Op>::template run<I>(ws.template stage<N>(), ws.template param_grad<A>(), ws.valid,
                                      std::forward<Xs>(xs)...);
}

//! Whether an op's vjp<I> writes each element of its operand's adjoint exactly once, with `+=`: then
//! the first contribution to an adjoint may assign it instead, and the adjoint needs no clearing.
//! Ops opt in with `template <std::size_t I> static constexpr bool writes_once` (for every operand:
//! derive from `detail::adds_each_once`).
template <class Op, std::size_t I>
inline constexpr bool writes_once = [] {
    if constexpr (requires { Op::template writes_once<I>; })
        return Op::template writes_once<I>;
    else
        return false;
}();

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

template <class N>
inline constexpr std::size_t arity = 0;
template <class Op, class... Args>
inline constexpr std::size_t arity<node<Op, Args...>> = sizeof...(Args);

template <class T, std::size_t I>
std::integral_constant<std::size_t, I> position_in(walk::indexed<I, T>);  // deduces I, given T

//! What the reverse sweep over the node list `Reversed` (users before operands) needs to know of
//! its nodes, computed once per graph as tables indexed by a node's position in the list: each
//! node's first contribution (user position and operand) and whether a use adds into lane
//! accumulators. Positions come from one overload resolution per node type, so the work grows with
//! the number of nodes and operands, not with its square.
template <class V, class Reversed>
struct reverse_plan;
template <class V, class... Ns>
struct reverse_plan<V, type_list<Ns...>> {
    static constexpr std::size_t count = sizeof...(Ns);
    using indexer = walk::indexer<std::index_sequence_for<Ns...>, Ns...>;
    template <class N>
    static constexpr std::size_t position = decltype(position_in<N>(indexer{}))::value;

    struct use {
        std::size_t user = npos, operand = npos;
    };
    struct tables {
        std::array<use, count + 1> first{};              // the first contribution to each node's adjoint
        std::array<bool, count + 1> assigns{};           // ... assigns it (the op writes each element once)
        std::array<bool, count + 1> lane_accumulated{};  // some use adds into per-lane accumulators
    };

private:
    template <class N, class Op, class A, std::size_t I>
    static constexpr void record_operand(tables& t, std::size_t k) {
        use& first = t.first[position<A>];
        if (first.user == npos) {
            first = use{k, I};
            t.assigns[position<A>] = writes_once<Op, I>;
        }
        if (!uses_block_vjp<V, N, I>)
            t.lane_accumulated[position<A>] = true;
    }
    template <class N, class Op, class... Args, std::size_t... I>
    static constexpr void record_node(tables& t, std::size_t k, node<Op, Args...>*, std::index_sequence<I...>) {
        const int each[] = {0, (record_operand<N, Op, Args, I>(t, k), 0)...};
        (void)each;
    }
    template <class N>
    static constexpr void record(tables& t, std::size_t k) {
        if constexpr (!Leaf<N>)
            record_node<N>(t, k, static_cast<N*>(nullptr), std::make_index_sequence<arity<N>>{});
    }

public:
    static constexpr tables table = [] {
        tables t;
        std::size_t k = 0;
        const int each[] = {0, (record<Ns>(t, k), ++k, 0)...};
        (void)each;
        t.lane_accumulated[0] = t.lane_accumulated[0] || count == 1;  // a lone parameter as the whole expression
        return t;
    }();

    //! Whether node A's adjoint is assigned, not added to, by its first contribution.
    template <class A>
    static constexpr bool assigned_first =
        !Leaf<A> && table.first[position<A>].user != npos && table.assigns[position<A>];
    //! Whether operand I of node N is A's first contribution.
    template <class A, class N, std::size_t I>
    static constexpr bool is_first =
        table.first[position<A>].user == position<N>&& table.first[position<A>].operand == I;
    //! Whether parameter P's gradient is summed in per-lane accumulators (some use adds into them).
    template <class P>
    static constexpr bool lane_accumulated = table.lane_accumulated[position<P>];
};

//! Node N's vjp<I>, given its saved buffer first when its op has one (mode-dependent ops), or its
//! running statistics (a batch-level op swept a sample at a time: evaluation).
template <class N, std::size_t I, class WS, class... Xs>
constexpr void node_vjp(WS& ws, Xs&&... xs) {
    using Op = typename N::op;
    if constexpr (mode_dependent<Op>)
        Op::template vjp<I>(ws.template saved<N>(), std::forward<Xs>(xs)...);
    else if constexpr (batch_level_op<Op>)
        Op::template vjp<I>(ws.template running<N>(), std::forward<Xs>(xs)...);
    else
        Op::template vjp<I>(std::forward<Xs>(xs)...);
}

template <class N, class Reversed, class WS>
constexpr void reverse_node(WS& ws) {
    if constexpr (!Leaf<N> && needs_adjoint_v<N>) {
        [&]<class Op, class... Args>(node<Op, Args...>*) {
            auto&& gy = ws.template adjoint<N>();
            auto&& result = ws.template value<N>();
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (
                    [&] {
                        using A = std::tuple_element_t<I, std::tuple<Args...>>;
                        if constexpr (uses_block_vjp<typename WS::lane_type, N, I>) {
                            block_vjp<Op, I, N, A>(ws, gy, result, ws.template value<Args>()...);
                        } else if constexpr (needs_adjoint_v<A>) {
                            auto&& ga = ws.template adjoint<A>();
                            using plan = reverse_plan<typename WS::lane_type, Reversed>;
                            if constexpr (plan::template assigned_first<A> && plan::template is_first<A, N, I>) {
                                detail::first_write<std::remove_cvref_t<decltype(ga)>> assign{ga};
                                node_vjp<N, I>(ws, assign, gy, result, ws.template value<Args>()...);
                            } else {
                                node_vjp<N, I>(ws, ga, gy, result, ws.template value<Args>()...);
                            }
                        }
                    }(),
                    ...);
            }
            (std::index_sequence_for<Args...>{});
        }(static_cast<N*>(nullptr));
    }
}

template <class Op, class N, class A, class WS>
void block_flush(WS& ws) {
    block_kernel<Op>::flush(ws.template stage<N>(), ws.template param_grad<A>());
}

template <class N, class WS>
void flush_block(WS& ws) {
    if constexpr (has_block_stage<typename WS::lane_type, N>) {
        [&]<class Op, class... Args>(node<Op, Args...>*) {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (
                    [&] {
                        if constexpr (uses_block_vjp<typename WS::lane_type, N, I>)
                            block_flush<Op, N, std::tuple_element_t<I, std::tuple<Args...>>>(ws);
                    }(),
                    ...);
            }
            (std::index_sequence_for<Args...>{});
        }(static_cast<N*>(nullptr));
    }
}

//! Adds what the block kernels have gathered into the gradients (`ws.param_grads`): after the last
//! reverse sweep over a batch, or a piece of one.
template <class... Ns, class WS>
void flush_blocks(type_list<Ns...>, WS& ws) {
    const int each[] = {0, (flush_block<Ns>(ws), 0)...};
    (void)each;
}

template <class N, class WS>
constexpr void clear_adjoint(WS& ws) {
    if constexpr (!Leaf<N> && needs_adjoint_v<N>) {
        auto& a = ws.template adjoint<N>();
        for (auto& v : a.v)
            v = std::remove_cvref_t<decltype(v)>(0);
    }
}

//! Clears the adjoints of the reversed node list that the reverse sweep adds into before writing
//! them: all but the root's (seeded) and those whose first contribution assigns them.
template <class Root, class... Ns, class WS>
constexpr void clear_adjoints(type_list<Ns...>, WS& ws) {
    using plan = reverse_plan<typename WS::lane_type, type_list<Ns...>>;
    const int cleared[] = {
        0, ((std::is_same_v<Ns, Root> || plan::template assigned_first<Ns> ? void() : clear_adjoint<Ns>(ws)), 0)...};
    (void)cleared;
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
// An adjoint whose first contribution assigns it needs no clearing.
template <class Root, class... Ns, class WS>
constexpr void reverse(type_list<Ns...>, WS& ws) {
    using reversed = type_list<Ns...>;
    clear_adjoints<Root>(reversed{}, ws);
    const int in_order[] = {0, (reverse_node<Ns, reversed>(ws), 0)...};
    (void)in_order;
}

}  // namespace TYPEGRAD_NS::autodiff
