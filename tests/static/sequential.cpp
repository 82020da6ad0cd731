// tg::sequential is the expression form, type for type.
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 10>;

template <class A, class B>
constexpr bool same = std::is_same_v<std::remove_cv_t<A>, std::remove_cv_t<B>>;

// The example of the documentation.
constexpr auto stacked = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x);
constexpr auto by_hand = tg::linear<"2", 32, 1>(tg::tanh(tg::linear<"0", 10, 32>(x)));
static_assert(same<decltype(stacked), decltype(by_hand)>);

// Every activation module is its function.
static_assert(same<decltype(tg::sequential<tg::ReLU>{}(x)), decltype(tg::relu(x))>);
static_assert(same<decltype(tg::sequential<tg::Sigmoid>{}(x)), decltype(tg::sigmoid(x))>);
static_assert(same<decltype(tg::sequential<tg::Softplus>{}(x)), decltype(tg::softplus(x))>);
static_assert(same<decltype(tg::sequential<tg::Linear<10, 4>, tg::ReLU, tg::Linear<4, 4>, tg::Sigmoid>{}(x)),
                   decltype(tg::sigmoid(tg::linear<"2", 4, 4>(tg::relu(tg::linear<"0", 10, 4>(x)))))>);

// Indices past 9 have two digits, as in torch.
using twelve = tg::sequential<tg::Linear<10, 4>, tg::Tanh, tg::Tanh, tg::Tanh, tg::Tanh, tg::Tanh, tg::Tanh, tg::Tanh,
                              tg::Tanh, tg::Tanh, tg::Tanh, tg::Linear<4, 1>>;
static_assert(
    same<decltype(twelve{}(x)), decltype(tg::linear<"11", 4, 1>(tg::tanh(tg::tanh(tg::tanh(tg::tanh(tg::tanh(tg::tanh(
                                    tg::tanh(tg::tanh(tg::tanh(tg::tanh(tg::linear<"0", 10, 4>(x)))))))))))))>);

// A stack is a layer: nested, its parameters are "outer.inner.weight".
using block = tg::sequential<tg::Linear<10, 8>, tg::ReLU>;
static_assert(same<decltype(tg::sequential<block, tg::Linear<8, 1>>{}(x)),
                   decltype(tg::linear<"1", 8, 1>(tg::relu(tg::linear<"0.0", 10, 8>(x))))>);

// Widths: a stack takes the In of its first dense layer and gives the Out of its last; an
// activation-only stack works on any width.
static_assert(block::in_features == 10 && block::out_features == 8);
static_assert(tg::sequential<tg::Tanh>::in_features == tg::layers::any_width);
static_assert(tg::sequential<tg::Tanh, tg::Linear<3, 2>>::in_features == 3);
static_assert(tg::layers::Layer<block> && tg::layers::Layer<tg::Linear<1, 1>> && !tg::layers::Layer<int>);

// A user-defined layer (the example at the top of layers/sequential.hpp).
struct ScaledTanh : tg::layers::module {
    static constexpr std::size_t in_features = tg::layers::any_width;
    static constexpr std::size_t out_features = tg::layers::any_width;
    template <auto Name, tg::Expression X>
    static constexpr auto apply(X x) {
        return tg::tanh(x) * tg::param<Name + tg::fixed_string(".scale")>;
    }
};
static_assert(same<decltype(tg::sequential<tg::Linear<10, 4>, ScaledTanh>{}(x)),
                   decltype(tg::tanh(tg::linear<"0", 10, 4>(x)) * tg::param<"1.scale">)>);

// A deep stack is built by a fold, not by recursion: 64 layers (32 dense) at default limits.
template <std::size_t I>
using layer_at = std::conditional_t<I % 2 == 1, tg::Tanh, tg::Linear<10, 10>>;
template <std::size_t... I>
auto deep_stack(std::index_sequence<I...>) -> tg::sequential<layer_at<I>...>;
using deep = decltype(deep_stack(std::make_index_sequence<63>{}));
constexpr auto deep_model = deep{}(x);
static_assert(std::remove_cv_t<decltype(deep_model)>::shape_type::size == 10);
template <class N>
struct dense_root;
template <class X, class W, class B>
struct dense_root<tg::node<tg::ops::add, tg::node<tg::ops::matvec, X, W>, B>> {
    using weight = W;
    using bias = B;
};
using deep_root = dense_root<std::remove_cv_t<decltype(deep_model)>>;
static_assert(deep_root::weight::name.view() == "62.weight" && deep_root::bias::name.view() == "62.bias");

}  // namespace
