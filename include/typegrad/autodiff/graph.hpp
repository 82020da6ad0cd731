#pragma once
// From a loss type, at compile time: its nodes in topological order (operands before the nodes that
// use them), identical subexpressions merged into one node since a node *is* its type; its
// parameters in order of first use; its inputs and targets.
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <boost/hana.hpp>

#include <typegrad/core/errors.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/param_info.hpp>

namespace typegrad::autodiff {

namespace hana = boost::hana;

template <class... Args>
constexpr auto as_hana(type_list<Args...>) {
    return hana::tuple_t<Args...>;
}

// Depth-first post-order walk, skipping types already seen.
template <class Seen, class N>
constexpr auto visit(Seen seen, hana::basic_type<N> t) {
    if constexpr (decltype(hana::contains(seen, t))::value) {
        return seen;
    } else {
        auto after = hana::fold_left(as_hana(typename N::children{}), seen,
                                     [](auto acc, auto child) { return visit(acc, child); });
        return hana::append(after, t);
    }
}

template <class Tuple>
using to_list = decltype(hana::unpack(Tuple{}, [](auto... t) { return type_list<typename decltype(t)::type...>{}; }));

template <class N>
inline constexpr bool is_param = ParamLeaf<N>;

//! Everything the evaluator needs to know about the expression `Loss`, computed once per type.
template <Expression Loss>
struct graph {
    static constexpr auto order = visit(hana::tuple<>{}, hana::type_c<std::remove_cv_t<Loss>>);
    using nodes = to_list<decltype(order)>;
    using reversed = to_list<decltype(hana::reverse(order))>;
    using params = to_list<decltype(hana::filter(order, [](auto t) {
        return hana::bool_c<ParamLeaf<typename decltype(t)::type>>;
    }))>;
    using inputs = to_list<decltype(hana::filter(order, [](auto t) {
        return hana::bool_c<InputLeaf<typename decltype(t)::type>>;
    }))>;
    using targets = to_list<decltype(hana::filter(order, [](auto t) {
        return hana::bool_c<TargetLeaf<typename decltype(t)::type>>;
    }))>;
};


template <class S>
inline constexpr std::size_t last_extent = 1;
template <std::size_t... D>
    requires(sizeof...(D) > 0)
inline constexpr std::size_t last_extent<shape<D...>> = std::array<std::size_t, sizeof...(D)>{D...}[sizeof...(D) - 1];

template <class Params>
struct param_layout;

template <class... Ps>
struct param_layout<type_list<Ps...>> {
    static constexpr std::size_t count = sizeof...(Ps);
    static constexpr std::size_t total = (std::size_t{0} + ... + size_of<Ps>);
    static constexpr std::array<param_info, count> slots = [] {
        std::array<param_info, count> s{};
        std::size_t offset = 0, k = 0;
        ((s[k++] = param_info{Ps::name.view(), offset, size_of<Ps>, last_extent<typename Ps::shape_type>}, offset += size_of<Ps>), ...);
        return s;
    }();

    //! Offset of parameter P in the flat buffers.
    template <class P>
    static constexpr std::size_t offset_of = [] {
        std::size_t offset = 0;
        bool found = false;
        ((found = found || std::is_same_v<P, Ps>, offset += found ? 0 : size_of<Ps>), ...);
        return offset;
    }();

    //! Index of the parameter named `Name`, or `count` when there is none.
    template <fixed_string Name>
    static constexpr std::size_t index_of = [] {
        std::size_t k = 0, index = count;
        ((index = (index == count && Ps::name.view() == Name.view()) ? k : index, ++k), ...);
        return index;
    }();

    //! Whether two different parameters share a name (e.g. the same layer name with two shapes).
    static constexpr bool names_unique = [] {
        for (std::size_t i = 0; i < count; ++i)
            for (std::size_t j = i + 1; j < count; ++j)
                if (slots[i].name == slots[j].name) return false;
        return true;
    }();
};

}  // namespace typegrad::autodiff
