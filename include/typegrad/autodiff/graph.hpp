#pragma once
// From a loss type, at compile time: its nodes in topological order (operands before the nodes that
// use them), identical subexpressions merged into one node since a node *is* its type; its
// parameters in order of first use; its inputs and targets.
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <utility>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/mode.hpp>
#include <typegrad/core/param_info.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::autodiff {

// The walk is memoised per node type (a class template is instantiated once per argument list), so
// shared subexpressions cost nothing extra, and it nests one level per level of the expression,
// not per node: a 32-layer MLP needs ~100 levels, far from the compilers' default limits. Lists are
// built by pack expansions over index sequences, never by recursion over their elements.
namespace walk {

template <class T>
struct tag {};
// The types of a list as the bases of one class: membership is a derived-to-base test.
template <class... Ts>
struct set : tag<Ts>... {};
template <std::size_t I, class T>
struct indexed {};
template <class... Ts>
struct indexer;
template <std::size_t... I, class... Ts>
struct indexer<std::index_sequence<I...>, Ts...> : indexed<I, Ts>... {};
template <std::size_t I, class T>
T pick(indexed<I, T>);  // deduces the T at index I of an indexer
template <std::size_t I, class... Ts>
using at = decltype(pick<I>(indexer<std::index_sequence_for<Ts...>, Ts...>{}));

template <std::size_t N>
struct kept {
    std::array<std::size_t, N + 1> index{};
    std::size_t count = 0;
};
template <std::size_t N>
constexpr kept<N> keep(const std::array<bool, N + 1>& mask) {
    kept<N> k;
    for (std::size_t i = 0; i < N; ++i)
        if (mask[i])
            k.index[k.count++] = i;
    return k;
}

// The elements of Ts... whose mask entry is true, in order, after Prefix...
template <class Prefix, auto Kept, class Sequence, class... Ts>
struct select_impl;
template <class... Ps, auto Kept, std::size_t... J, class... Ts>
struct select_impl<type_list<Ps...>, Kept, std::index_sequence<J...>, Ts...> {
    using type = type_list<Ps..., at<Kept.index[J], Ts...>...>;
};
template <class Prefix, auto Kept, class... Ts>
using select = typename select_impl<Prefix, Kept, std::make_index_sequence<Kept.count>, Ts...>::type;

// A ++ (B minus A), keeping the order of each.
template <class A, class B>
struct merge;
template <class... As, class... Bs>
struct merge<type_list<As...>, type_list<Bs...>> {
    static constexpr auto kept_ = keep<sizeof...(Bs)>({!std::is_base_of_v<tag<Bs>, set<As...>>..., false});
    using type = select<type_list<As...>, kept_, Bs...>;
};
template <class L>
struct merged {
    using type = L;
};
template <class A, class B>
constexpr merged<typename merge<A, B>::type> operator+(merged<A>, merged<B>) {
    return {};
}

template <class L, class N>
struct append;
template <class... Ts, class N>
struct append<type_list<Ts...>, N> {
    using type = type_list<Ts..., N>;
};

//! Every node of N, operands before users, each once: the depth-first post-order of N.
template <class N>
struct postorder {
    using type = type_list<N>;
};
template <class Op, class A>
struct postorder<node<Op, A>> {
    using type = typename append<typename postorder<A>::type, node<Op, A>>::type;
};
template <class Op, class A, class... Args>
struct postorder<node<Op, A, Args...>> {
    using operands = typename decltype((merged<typename postorder<A>::type>{} + ... +
                                        merged<typename postorder<Args>::type>{}))::type;
    using type = typename append<operands, node<Op, A, Args...>>::type;
};

// The list in reverse order.
template <class L>
struct reverse_impl;
template <class... Ts>
struct reverse_impl<type_list<Ts...>> {
    template <std::size_t... I>
    static type_list<at<sizeof...(Ts) - 1 - I, Ts...>...> of(std::index_sequence<I...>);
    using type = decltype(of(std::index_sequence_for<Ts...>{}));
};
template <class L>
using reverse = typename reverse_impl<L>::type;

// The elements of L for which Pred holds, in order. (Written without lambdas in unevaluated
// operands, as the rest of the walk: Clang 14 crashes reading such an alias from a precompiled
// header.)
template <template <class> class Pred, class L>
struct filter_impl;
template <template <class> class Pred, class... Ts>
struct filter_impl<Pred, type_list<Ts...>> {
    static constexpr auto kept_ = keep<sizeof...(Ts)>({Pred<Ts>::value..., false});
    using type = select<type_list<>, kept_, Ts...>;
};
template <template <class> class Pred, class L>
using filter = typename filter_impl<Pred, L>::type;

template <class N>
struct is_param : std::bool_constant<ParamLeaf<N>> {};
template <class N>
struct is_input : std::bool_constant<InputLeaf<N>> {};
template <class N>
struct is_target : std::bool_constant<TargetLeaf<N>> {};

}  // namespace walk

//! Everything the evaluator needs to know about the expression `Loss`, computed once per type.
template <Expression Loss>
struct graph {
    using nodes = typename walk::postorder<std::remove_cv_t<Loss>>::type;
    using reversed = walk::reverse<nodes>;
    using params = walk::filter<walk::is_param, nodes>;
    using inputs = walk::filter<walk::is_input, nodes>;
    using targets = walk::filter<walk::is_target, nodes>;
};

template <class S>
inline constexpr std::size_t last_extent = 1;
template <std::size_t... D>
requires(sizeof...(D) >
         0) inline constexpr std::size_t last_extent<shape<D...>> = std::array<std::size_t, sizeof...(D)>{
    D...}[sizeof...(D) - 1];

// torch's shape of a parameter of shape S, for param_info.
template <class S>
struct shape_dims;
template <std::size_t... D>
struct shape_dims<shape<D...>> {
    static_assert(sizeof...(D) <= param_info::max_rank, "typegrad: a parameter has at most 4 dimensions");
    static constexpr std::array<std::size_t, param_info::max_rank> dims = [] {
        std::array<std::size_t, param_info::max_rank> d{};
        std::size_t k = 0;
        ((d[k++] = D), ...);
        static_cast<void>(k);
        return d;
    }();
};

//! The sum of sizes[k] over the elements of Es before the first that is T (over all of them when
//! none is): where T's slice starts when slices of Es... lie end to end.
template <class T, class... Es>
constexpr std::size_t offset_before(const std::array<std::size_t, sizeof...(Es)>& sizes) {
    const bool is[] = {std::is_same_v<T, Es>..., false};
    std::size_t offset = 0;
    for (std::size_t k = 0; k < sizeof...(Es) && !is[k]; ++k)
        offset += sizes[k];
    return offset;
}

//! Whether the op `Op` is batch-level (it states `static constexpr bool batch_level = true`): it
//! couples the samples of a batch (autodiff/batch.hpp).
template <class Op>
inline constexpr bool batch_level_op = requires {
    requires static_cast<bool>(Op::batch_level);
};

//! What an op may state of itself beside its shape, forward and vjp: that it depends on the mode
//! (`mode_dependent`, core/mode.hpp) or is batch-level (`batch_level`).
enum class op_property { mode_dependent, batch_level };
template <op_property P, class Op>
inline constexpr bool op_states = P == op_property::mode_dependent ? mode_dependent<Op> : batch_level_op<Op>;
//! Whether node N applies an op that states P, and whether some node of the list Nodes does.
template <op_property P, class N>
inline constexpr bool node_states = false;
template <op_property P, class Op, class... Args>
inline constexpr bool node_states<P, node<Op, Args...>> = op_states<P, Op>;
template <op_property P, class Nodes>
inline constexpr bool any_node_states = false;
template <op_property P, class... Ns>
inline constexpr bool any_node_states<P, type_list<Ns...>> = (node_states<P, Ns> || ...);

template <class Params>
struct param_layout;

template <class... Ps>
struct param_layout<type_list<Ps...>> {
    static constexpr std::size_t count = sizeof...(Ps);
    static constexpr std::size_t total = (std::size_t{0} + ... + size_of<Ps>);
    static constexpr std::array<param_info, count> slots = [] {
        std::array<param_info, count> s{};
        std::size_t offset = 0, k = 0;
        ((s[k++] = param_info{Ps::name.view(), offset, size_of<Ps>, last_extent<typename Ps::shape_type>,
                              Ps::shape_type::rank, shape_dims<typename Ps::shape_type>::dims},
          offset += size_of<Ps>),
         ...);
        static_cast<void>(offset), static_cast<void>(k);  // set but unread for a model without parameters
        return s;
    }();

    //! Offset of parameter P in the flat buffers.
    template <class P>
    static constexpr std::size_t offset_of = offset_before<P, Ps...>({size_of<Ps>...});

    //! Index of the parameter named `Name`, or `count` when there is none.
    template <fixed_string Name>
    static constexpr std::size_t index_of = [] {
        std::size_t k = 0, index = count;
        ((index = (index == count && Ps::name.view() == Name.view()) ? k : index, ++k), ...);
        return index;
    }();

    //! The index of the first parameter whose name an earlier parameter already has, or `count`
    //! (two different parameters share a name, e.g. the same layer name with two shapes).
    static constexpr std::size_t repeated_name = [] {
        for (std::size_t j = 0; j < count; ++j)
            for (std::size_t i = 0; i < j; ++i)
                if (slots[i].name == slots[j].name)
                    return j;
        return count;
    }();
    static constexpr bool names_unique = repeated_name == count;
};

//! One message for a loss whose parameters are not all named differently; true if they are.
//! A function, not a class-scope static_assert: there Clang 14 stops at the first failure and never
//! prints the diagnostic type that carries the name.
template <class... Ps>
constexpr bool check_parameter_names(type_list<Ps...>) {
    using layout = param_layout<type_list<Ps...>>;
    constexpr bool unique = layout::names_unique;
    if constexpr (!unique) {
        using repeated = typename walk::at<layout::repeated_name, Ps...>;
        error::check<unique>(error::fault<error::parameter_name_used_twice<error::spelled<repeated::name>>>);
    }
    return unique;
}

}  // namespace TYPEGRAD_NS::autodiff
