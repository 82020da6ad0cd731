#pragma once
// Batch-level nodes and their buffers. An op that states `static constexpr bool batch_level = true`
// (batch normalisation) reads every sample of a batch in training, and keeps state that is not a
// parameter (running statistics): `buffer_size` elements, stored after the parameters' values in
// the one value buffer of tg::Parameters (so every evaluation that reads the parameters reads them
// too), in the order of the batch-level nodes in the expression's topological order. Whether an
// expression has one is a compile-time fact: for an expression without, nothing here exists.
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::autodiff {

//! Whether node N is batch-level, and whether some node of the list Nodes is.
template <class N>
inline constexpr bool is_batch_level = node_states<op_property::batch_level, N>;
template <class Nodes>
inline constexpr bool has_batch_level = any_node_states<op_property::batch_level, Nodes>;

template <class N>
struct is_batch_level_node : std::bool_constant<is_batch_level<N>> {};

//! Whether the batch-level nodes of the node list Sub are the first ones of the node list All, in
//! its order: then an evaluation of Sub over All's parameters finds their buffers where All's
//! Parameters keep them (a model inside its loss).
template <class Sub, class All>
inline constexpr bool buffers_prefix = [] {
    return []<class... As, class... Bs>(type_list<As...>*, type_list<Bs...>*) {
        if constexpr (sizeof...(As) > sizeof...(Bs))
            return false;
        else
            return []<std::size_t... I>(std::index_sequence<I...>) {
                return (std::is_same_v<As, walk::at<I, Bs...>> && ...);
            }
        (std::index_sequence_for<As...>{});
    }(static_cast<walk::filter<is_batch_level_node, Sub>*>(nullptr),
           static_cast<walk::filter<is_batch_level_node, All>*>(nullptr));
}();

template <class N>
inline constexpr std::size_t buffer_size_of = 0;
template <class Op, class... Args>
requires batch_level_op<Op>
inline constexpr std::size_t buffer_size_of<node<Op, Args...>> = Op::buffer_size;

//! One batch-level node's buffer as checkpoints name it: its layer's name (its weight's name
//! without ".weight": "1" for `1.running_mean`), its channels and its offset among the buffers.
struct buffer_info {
    std::string_view layer;
    std::size_t channels = 0;
    std::size_t offset = 0;
};

//! The weight (second operand) of a batch-level node, whose name names the layer.
template <class N>
struct weight_of;
template <class Op, class X, class W, class... Rest>
struct weight_of<node<Op, X, W, Rest...>> {
    using type = W;
};

//! Node N's buffer_info into s[k++], if N is batch-level.
template <class N>
constexpr void add_buffer_info(buffer_info* s, std::size_t& k, std::size_t offset) {
    if constexpr (is_batch_level<N>) {
        constexpr std::string_view weight = weight_of<N>::type::name.view();
        s[k++] = buffer_info{weight.substr(0, weight.size() - 7), N::op::channels, offset};
    }
}

//! The buffers of the batch-level nodes of the node list `Nodes` (topological order).
template <class Nodes>
struct buffer_layout;
template <class... Ns>
struct buffer_layout<type_list<Ns...>> {
    static constexpr std::size_t total = (std::size_t{0} + ... + buffer_size_of<Ns>);
    static constexpr std::size_t count = (std::size_t{0} + ... + (is_batch_level<Ns> ? 1 : 0));

    //! The offset of node N's buffer among the buffers.
    template <class N>
    static constexpr std::size_t offset_of = offset_before<N, Ns...>({buffer_size_of<Ns>...});

    //! Each batch-level node's buffer, in order.
    static constexpr std::array<buffer_info, count> slots = [] {
        std::array<buffer_info, count> s{};
        std::size_t k = 0;
        const int each[] = {0, (add_buffer_info<Ns>(s.data(), k, offset_of<Ns>), 0)...};
        (void)each;
        return s;
    }();
};

}  // namespace TYPEGRAD_NS::autodiff
