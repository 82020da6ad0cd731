#pragma once
// The sweep of a training batch through an expression with batch-level nodes (autodiff/buffers.hpp):
// one workspace per block of the batch, and the nodes taken in topological order, each over every
// block before the next (a batch-level node once over all of them), then the reverse sweep likewise
// in reverse order. A file of its own because only expressions with such a node use it: the
// sweeps of every other expression (sweep.hpp) never see it.
//
// Every sum over the batch (the batch-level ops' statistics, the lane accumulators) runs in one
// fixed order, blocks then lanes, on the calling thread: a batch with a batch-level node is not
// cut into chunks for threads, so the results are the same for every thread count.
#include <cstddef>
#include <type_traits>

#include <typegrad/autodiff/buffers.hpp>
#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/sweep.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::autodiff {

//! What a batch-level node N keeps from its training forward to its vjp (its batch statistics).
template <class T, class N>
struct statistics_slot {};
template <class T, class Op, class... Args>
requires batch_level_op<Op>
struct statistics_slot<T, node<Op, Args...>> {
    typename Op::template statistics<T> statistics;
};

//! The statistics of every batch-level node of the node list.
template <class T, class Nodes>
struct batch_statistics;
template <class T, class... Ns>
struct batch_statistics<T, type_list<Ns...>> : statistics_slot<T, Ns>... {
    template <class N>
    auto& of() {
        return static_cast<statistics_slot<T, N>&>(*this).statistics;
    }
};

//! Node N's operand X and its result over the workspaces of a batch, as a batch-level op reads them
//! (`size`, `valid`, `x`, `y`, `gy`, `add_dx`): see ops/batch_norm.hpp.
template <class N, class X, class Reversed, class WS>
struct node_blocks {
    using lane = typename WS::lane_type;
    WS* ws;
    std::size_t blocks;

    std::size_t size() const noexcept { return blocks; }
    std::size_t valid(std::size_t k) const noexcept { return ws[k].valid; }
    auto& x(std::size_t k) const { return ws[k].template value<X>(); }
    auto& y(std::size_t k) const { return ws[k].template value<N>(); }
    auto& gy(std::size_t k) const { return ws[k].template adjoint<N>(); }
    //! Adds v into element i of X's adjoint in block k (assigns it when this is X's first
    //! contribution), zero on the block's padded lanes.
    void add_dx(std::size_t k, std::size_t i, lane v) const {
        if constexpr (needs_adjoint_v<X>) {
            if (ws[k].valid < lane::size) {
                alignas(64) typename lane::value_type ids[lane::size];
                for (std::size_t l = 0; l < lane::size; ++l)
                    ids[l] = static_cast<typename lane::value_type>(l);
                v = xsimd::select(lane::load_aligned(ids) < lane(static_cast<typename lane::value_type>(ws[k].valid)),
                                  v, lane(0));
            }
            using plan = reverse_plan<lane, Reversed>;
            if constexpr (plan::template assigned_first<X> && plan::template is_first<X, N, 0>)
                ws[k].template adjoint<X>()[i] = v;
            else
                ws[k].template adjoint<X>()[i] += v;
        }
    }
};

template <class N, class Nodes, class Reversed, class T, class WS>
void batch_forward_node(WS* ws, std::size_t blocks, batch_statistics<T, Nodes>& stats, T* buffers) {
    if constexpr (is_batch_level<N>) {
        [&]<class Op, class X, class W, class B>(node<Op, X, W, B>*) {
            node_blocks<N, X, Reversed, WS> b{ws, blocks};
            T* const buffer = buffers ? buffers + buffer_layout<Nodes>::template offset_of<N> : nullptr;
            using layout = typename WS::layout;
            Op::forward_batch(stats.template of<N>(), buffer, ws[0].params + layout::template offset_of<W>,
                              ws[0].params + layout::template offset_of<B>, b);
        }(static_cast<N*>(nullptr));
    } else if constexpr (!Leaf<N>) {
        for (std::size_t k = 0; k < blocks; ++k)
            forward_node<N>(ws[k]);
    }
}

template <class N, class Nodes, class Reversed, class T, class WS>
void batch_reverse_node(WS* ws, std::size_t blocks, batch_statistics<T, Nodes>& stats) {
    if constexpr (is_batch_level<N> && needs_adjoint_v<N>) {
        [&]<class Op, class X, class W, class B>(node<Op, X, W, B>*) {
            node_blocks<N, X, Reversed, WS> b{ws, blocks};
            using layout = typename WS::layout;
            Op::vjp_batch(stats.template of<N>(), ws[0].params + layout::template offset_of<W>,
                          ws[0].template param_grad<W>(), ws[0].template param_grad<B>(), b);
        }(static_cast<N*>(nullptr));
    } else if constexpr (!is_batch_level<N>) {
        for (std::size_t k = 0; k < blocks; ++k)
            reverse_node<N, Reversed>(ws[k]);
    }
}

//! The forward sweep of a training batch held in `blocks` workspaces (inputs loaded): every node's
//! value, the batch-level ones from the whole batch; `buffers` (null: left alone) are the running
//! statistics the batch-level nodes update.
template <class T, class... Ns, class WS>
void batch_forward(type_list<Ns...>, WS* ws, std::size_t blocks, batch_statistics<T, type_list<Ns...>>& stats,
                   T* buffers) {
    using nodes = type_list<Ns...>;
    using reversed = walk::reverse<nodes>;
    const int in_order[] = {0, (batch_forward_node<Ns, nodes, reversed>(ws, blocks, stats, buffers), 0)...};
    (void)in_order;
}

//! The reverse sweep of the batch after batch_forward, the root's adjoint seeded in each workspace.
template <class Root, class T, class Nodes, class... Rs, class WS>
void batch_reverse(type_list<Rs...>, WS* ws, std::size_t blocks, batch_statistics<T, Nodes>& stats) {
    using reversed = type_list<Rs...>;
    for (std::size_t k = 0; k < blocks; ++k)
        clear_adjoints<Root>(reversed{}, ws[k]);
    const int in_order[] = {0, (batch_reverse_node<Rs, Nodes, reversed>(ws, blocks, stats), 0)...};
    (void)in_order;
}

}  // namespace TYPEGRAD_NS::autodiff
