#pragma once
// Block kernels: code the sweep runs for one operand's gradient over a whole block of lanes at once,
// straight into that parameter's gradient, instead of the op's per-lane vjp. They are a matter of
// code generation, not of the op's maths, so they live here and not beside the op: an op states
// its shape rule, forward and VJP only, and `block_kernel<Op>` says whether the sweep has a faster
// way to reduce one of its VJPs over the lanes.
#include <cstddef>
#include <type_traits>

#include <typegrad/detail/xsimd.hpp>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/outer.hpp>

namespace TYPEGRAD_NS::ops {
struct matvec;
template <std::size_t Num, std::size_t Dim>
struct embedding;
}  // namespace TYPEGRAD_NS::ops

namespace TYPEGRAD_NS::autodiff {

//! The block kernel of op `Op`, if any: `wanted<I, V, OutSize, ArgSizes...>` says whether operand
//! I's gradient (a parameter's) is reduced over blocks of lanes V by a kernel with state
//! `stage<V, OutSize, ArgSizes...>`: `run<I>(stage, grad, valid, gy, y, args...)` takes lanes
//! [0, valid) of a block and adds their sum into the flat gradient `grad` by the time
//! `flush(stage, grad)` returns (the sweep flushes at the end of each batch or piece of one). The
//! primary template has none.
template <class Op>
struct block_kernel {
    template <std::size_t I, class V, std::size_t OutSize, std::size_t... ArgSizes>
    static constexpr bool wanted = false;
};

//! Dense layers: the weight's gradient gy xᵀ over a few blocks' samples at once (detail/outer.hpp),
//! when the lanes are SIMD vectors and the layer is large enough for the transposition to pay.
template <>
struct block_kernel<ops::matvec> {
    template <std::size_t I, class V, std::size_t Out, std::size_t In, std::size_t>
    static constexpr bool wanted =
        I == 1 && detail::is_batch_v<V>&& detail::outer_block_pays<detail::lane_count<V>, Out, In>;

    template <class V, std::size_t Out, std::size_t In, std::size_t>
    using stage = detail::outer_stage<Out, In, V>;

    template <std::size_t I, class Stage, class T, class GY, class Y, class X, class W>
    static void run(Stage& stage, T* g, std::size_t valid, const GY& gy, const Y&, const X& x, const W&) {
        stage.add(g, valid, gy, x);
    }
    template <class Stage, class T>
    static void flush(Stage& stage, T* g) {
        stage.flush(g);
    }
};

//! Embeddings: the table's gradient is a scatter-add of each sample's gy into the one row its index
//! names, lane after lane, straight into the gradient. Per-lane accumulators would be Num x Dim lane
//! values, summed over the lanes after every batch, for Dim numbers per sample.
template <std::size_t Num, std::size_t Dim>
struct block_kernel<ops::embedding<Num, Dim>> {
    template <std::size_t I, class V, std::size_t, std::size_t, std::size_t>
    static constexpr bool wanted = I == 1 && detail::is_batch_v<V>;

    struct nothing_kept {};
    template <class V, std::size_t, std::size_t, std::size_t>
    using stage = nothing_kept;

    template <std::size_t I, class Stage, class T, class GY, class Y, class X, class W>
    static void run(Stage&, T* g, std::size_t valid, const GY& gy, const Y&, const X& index, const W&) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        alignas(64) T ids[V::size];
        alignas(64) T rows[Dim][V::size];
        V(index[0]).store_aligned(ids);
        for (std::size_t d = 0; d < Dim; ++d)
            V(gy[d]).store_aligned(rows[d]);
        for (std::size_t l = 0; l < valid; ++l) {
            const std::size_t r = ops::embedding<Num, Dim>::row(ids[l]);
            if (r < Num)
                for (std::size_t d = 0; d < Dim; ++d)
                    g[r * Dim + d] += rows[d][l];
        }
    }
    template <class Stage, class T>
    static void flush(Stage&, T*) {}
};

//! The parameter elements of a lookup node N that one sample does not read: a table's rows but the
//! one its index names (an op with `index_bound` rows over its parameter operand 1), 0 for any
//! other node. A sample's work is the model's parameters less these (data_parallel's chunking).
template <class N>
inline constexpr std::size_t unread_per_sample = 0;
template <class Op, class I, class W>
requires requires { Op::index_bound; } && ParamLeaf<W>
inline constexpr std::size_t unread_per_sample<node<Op, I, W>> = size_of<W> - size_of<W> / Op::index_bound;

//! unread_per_sample summed over the nodes of a list (an array, not a fold: Clang 14 caps a fold's
//! nesting at 256 operands).
template <class... Ns>
constexpr std::size_t unread_per_sample_of(type_list<Ns...>) {
    const std::size_t each[] = {0, unread_per_sample<Ns>...};
    std::size_t sum = 0;
    for (const std::size_t n : each)
        sum += n;
    return sum;
}

}  // namespace TYPEGRAD_NS::autodiff
