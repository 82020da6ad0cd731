#pragma once
// Layer stacks as types: `tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x)` is
// the expression `tg::linear<"2", 32, 1>(tg::tanh(tg::linear<"0", 10, 32>(x)))`, the very same
// type, with torch.nn.Sequential's parameter names ("0.weight", "0.bias", "2.weight", ...). Only the
// combinator: what a layer is lives in layers/module.hpp, the library's layers in
// layers/catalogue.hpp.
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/catalogue.hpp>
#include <typegrad/layers/module.hpp>

namespace TYPEGRAD_NS {

namespace detail::seq {

using layers::any_width;

template <class L>
inline constexpr std::size_t in_of = any_width;
template <layers::Layer L>
inline constexpr std::size_t in_of<L> = L::in_features;
template <class L>
inline constexpr std::size_t out_of = any_width;
template <layers::Layer L>
inline constexpr std::size_t out_of<L> = L::out_features;

//! The first fault of a stack, if any: a template argument that is not a layer, or a layer whose
//! in_features differ from the width reaching it.
struct fault {
    enum kind_t { none, not_a_layer, width } kind = none;
    std::size_t layer = 0;
    std::size_t expects = 0;      //!< the layer's in_features
    std::size_t gets = 0;         //!< the width reaching it
    std::size_t out = any_width;  //!< the stack's output width (when no fault)
};

template <class... Ls>
constexpr fault first_fault(std::size_t width) {
    constexpr std::size_t n = sizeof...(Ls);
    constexpr std::array<bool, n> is_layer{layers::Layer<Ls>...};
    constexpr std::array<std::size_t, n> ins{in_of<Ls>...};
    constexpr std::array<std::size_t, n> outs{out_of<Ls>...};
    for (std::size_t i = 0; i < n; ++i)
        if (!is_layer[i])
            return {fault::not_a_layer, i, 0, 0};
    bool computed = false;  // the width is known only once applied (after a convolution, pool, ...)
    for (std::size_t i = 0; i < n; ++i) {
        if (ins[i] != any_width && width != any_width && ins[i] != width)
            return {fault::width, i, ins[i], width};
        if (outs[i] == layers::computed_width) {
            width = any_width;
            computed = true;
        } else if (outs[i] != any_width) {
            width = outs[i];
            computed = false;
        }
    }
    return {fault::none, 0, 0, 0, computed ? layers::computed_width : width};
}

//! Whether the width reaching layer `i` is known before the stack is applied to an expression of
//! width `width` (it is not after a layer of computed width), so that a mismatch there is reported
//! by the stack's check rather than when the layer is applied.
template <class... Ls>
constexpr std::array<bool, sizeof...(Ls)> widths_known(std::size_t width) {
    constexpr std::array<std::size_t, sizeof...(Ls)> outs{out_of<Ls>...};
    std::array<bool, sizeof...(Ls)> known{};
    for (std::size_t i = 0; i < sizeof...(Ls); ++i) {
        known[i] = width != any_width;
        if (outs[i] == layers::computed_width)
            width = any_width;
        else if (outs[i] != any_width)
            width = outs[i];
    }
    return known;
}

//! The input width a stack requires: that of its first layer stating one, unless a layer before it
//! sets the width itself.
template <class... Ls>
constexpr std::size_t stack_in() {
    constexpr std::array<std::size_t, sizeof...(Ls)> ins{in_of<Ls>...}, outs{out_of<Ls>...};
    for (std::size_t i = 0; i < sizeof...(Ls); ++i) {
        if (ins[i] != any_width)
            return ins[i];
        if (outs[i] != any_width)
            return any_width;
    }
    return any_width;
}

template <class List>
struct known;
template <class... Ls>
struct known<type_list<Ls...>> {
    using type = error::known_layers<Ls...>;
};
template <class List>
using known_layers = typename known<List>::type;

template <auto Prefix, std::size_t I>
constexpr auto child_name() {
    if constexpr (Prefix.size() == 0)
        return index_string<I>();
    else
        return Prefix + fixed_string(".") + index_string<I>();
}

// The stack is applied as a left fold of `carry | step | step ...`: one instantiation per layer,
// none nested in another, so a deep stack needs no deep template recursion.
template <class X>
struct carry {
    using type = X;
};
template <auto Name, class L, std::size_t I, bool Checked>
struct step {};

template <class X, auto Name, class L, std::size_t I, bool Checked>
constexpr auto operator|(carry<X>, step<Name, L, I, Checked>) {
    if constexpr (!layers::Layer<L>) {
        return carry<X>{};  // already reported; keep going quietly
    } else if constexpr (L::in_features == any_width || L::in_features == size_of<X>) {
        return carry<decltype(L::template apply<Name>(X{}))>{};
    } else if constexpr (!Checked) {
        // The width was computed by a layer before (a convolution, a pool, Flatten): first seen here.
        [[maybe_unused]] constexpr bool reported = error::check<false>(
            error::fault<error::sequential_width_mismatch<error::layer<I>, error::in_features<L::in_features>,
                                                          error::previous_out_features<size_of<X>>>>);
        return carry<decltype(L::template apply<Name>(error::stand_in<shape<L::in_features>>{}))>{};
    } else {
        // Already reported by the stack; a stand-in of the right width avoids a second message.
        return carry<decltype(L::template apply<Name>(error::stand_in<shape<L::in_features>>{}))>{};
    }
}

}  // namespace detail::seq

//! A stack of layers applied one after the other, as a type. Applied to an expression it gives the
//! same expression as writing the layers by hand, with torch.nn.Sequential's names: the layer at
//! position i (activations count) names its parameters "i.weight", "i.bias".
//! torch: `torch.nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))`.
//!
//!     constexpr auto pred = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x);
//!     // same type as tg::linear<"2", 32, 1>(tg::tanh(tg::linear<"0", 10, 32>(x)))
//!
//! A stack is itself a layer: nested, its parameters are named "i.j.weight" as in torch.
template <class... Layers>
struct sequential : layers::module {
    static_assert((error::check<(sizeof...(Layers) > 0)>(error::fault<error::sequential_without_layers>), true));

    //! The input width the stack takes, or layers::any_width if it works on any.
    static constexpr std::size_t in_features = detail::seq::stack_in<Layers...>();
    //! The width the stack gives, or layers::any_width if it gives back its input's.
    static constexpr std::size_t out_features = detail::seq::first_fault<Layers...>(layers::any_width).out;

    //! The stack applied to `x`, its parameters named "<Prefix>.<i>.weight" (or "<i>.weight" for an
    //! empty prefix).
    template <auto Prefix, Expression X>
    static constexpr auto apply(X) {
        static_assert(check<size_of<X>>());
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            using namespace detail::seq;
            constexpr auto checked = widths_known<Layers...>(size_of<X>);
            return
                typename decltype((carry<X>{} | ... | step<child_name<Prefix, I>(), Layers, I, checked[I]>{}))::type{};
        }
        (std::index_sequence_for<Layers...>{});
    }

    //! The stack applied to `x`. torch: `model(x)`.
    template <Expression X>
    constexpr auto operator()(X x) const {
        return apply<fixed_string<0>{}>(x);
    }

private:
    // The checks live in a function, not at class scope: there Clang 14 stops at the first failed
    // static_assert and would not print the diagnostic type carrying the widths.
    template <std::size_t Width>
    static constexpr bool check() {
        using detail::seq::fault;
        constexpr fault inner = detail::seq::first_fault<Layers...>(layers::any_width);
        constexpr fault outer = detail::seq::first_fault<Layers...>(Width);

        constexpr bool all_layers = inner.kind != fault::not_a_layer;
        using argument = typename std::tuple_element_t<inner.layer, std::tuple<std::type_identity<Layers>...>>::type;
        error::check<all_layers>(
            error::fault<error::sequential_argument_is_not_a_layer<error::argument<inner.layer>, argument,
                                                                   detail::seq::known_layers<layers::catalogue>>>);

        constexpr bool widths_agree = inner.kind != fault::width;
        error::check<widths_agree>(
            error::fault<error::sequential_width_mismatch<error::layer<inner.layer>, error::in_features<inner.expects>,
                                                          error::previous_out_features<inner.gets>>>);

        // Reported only when the stack itself is sound, so that one fault gives one message.
        constexpr bool input_fits = !all_layers || !widths_agree || outer.kind == fault::none;
        error::check<input_fits>(
            error::fault<error::sequential_input_width_mismatch<
                error::layer<outer.layer>, error::in_features<outer.expects>, error::input_width<outer.gets>>>);
        return true;
    }
};

}  // namespace TYPEGRAD_NS
