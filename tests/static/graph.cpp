// The analysis of a loss type: its nodes in topological order, identical subexpressions merged
// into one node (a node *is* its type), its parameters, inputs and targets.
#include <cstddef>
#include <type_traits>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

template <class T, class List>
struct count_in;
template <class T, class... Ts>
struct count_in<T, tg::type_list<Ts...>>
    : std::integral_constant<std::size_t, (std::size_t{0} + ... + std::is_same_v<T, Ts>)> {};
template <class List>
struct length;
template <class... Ts>
struct length<tg::type_list<Ts...>> : std::integral_constant<std::size_t, sizeof...(Ts)> {};
template <class E>
using graph = tg::autodiff::graph<std::remove_cv_t<E>>;
template <class E>
using bare = std::remove_cv_t<E>;

constexpr auto x = tg::input<"x", 3>;

// tanh(x) * tanh(x): the tanh is one node, computed once; the graph is x, tanh(x), the product.
constexpr auto t = tg::tanh(x);
constexpr auto squared = t * t;
static_assert(count_in<bare<decltype(t)>, graph<decltype(squared)>::nodes>::value == 1);
static_assert(length<graph<decltype(squared)>::nodes>::value == 3);
static_assert(std::is_same_v<graph<decltype(squared)>::nodes,
                             tg::type_list<bare<decltype(x)>, bare<decltype(t)>, bare<decltype(squared)>>>);
static_assert(std::is_same_v<graph<decltype(squared)>::reversed,
                             tg::type_list<bare<decltype(squared)>, bare<decltype(t)>, bare<decltype(x)>>>);

// Also when the two occurrences are built separately, and deep inside a larger expression.
constexpr auto w = tg::param<"w", 3>;
constexpr auto loss = tg::sum(tg::tanh(x * w) + tg::tanh(x * w) * tg::tanh(x * w));
using loss_graph = graph<decltype(loss)>;
static_assert(count_in<bare<decltype(tg::tanh(x * w))>, loss_graph::nodes>::value == 1);
static_assert(count_in<bare<decltype(x * w)>, loss_graph::nodes>::value == 1);
// x, w, x*w, tanh, tanh*tanh, +, sum
static_assert(length<loss_graph::nodes>::value == 7);
static_assert(std::is_same_v<loss_graph::params, tg::type_list<bare<decltype(w)>>>);
static_assert(std::is_same_v<loss_graph::inputs, tg::type_list<bare<decltype(x)>>>);
static_assert(length<loss_graph::targets>::value == 0);

// The root comes last; every node comes after its operands.
template <class List>
struct last;
template <class... Ts>
struct last<tg::type_list<Ts...>> {
    using type = typename decltype((std::type_identity<Ts>{}, ...))::type;
};
static_assert(std::is_same_v<last<loss_graph::nodes>::type, bare<decltype(loss)>>);

// The gradient flows only through nodes that use a parameter.
static_assert(tg::autodiff::needs_adjoint_v<bare<decltype(x * w)>>);
static_assert(!tg::autodiff::needs_adjoint_v<bare<decltype(t)>>);
static_assert(!tg::autodiff::needs_adjoint_v<bare<decltype(x)>>);

}  // namespace
