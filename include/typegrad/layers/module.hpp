#pragma once
// What makes a type a layer: the base `tg::layers::module`, the widths it states, and the concept
// `tg::sequential` checks its arguments with. A file of its own so that the catalogue's layers and
// the combinator both build on it without including each other.
//
// A layer ("module") is an empty type deriving from `tg::layers::module` that states the width it
// takes and the width it gives (`any_width` for "whatever comes in", as activations do) and builds
// its expression from its operand and the name torch would give it:
//
//     struct MyLayer : tg::layers::module {
//         static constexpr std::size_t in_features = tg::layers::any_width;
//         static constexpr std::size_t out_features = tg::layers::any_width;
//         template <auto Name, tg::Expression X>
//         static constexpr auto apply(X x) { return tg::tanh(x) * tg::param<Name + tg::fixed_string(".scale")>; }
//     };
#include <concepts>
#include <cstddef>
#include <type_traits>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::layers {

//! Base of every layer type (torch: `torch.nn.Module`); a tag, layers hold no data.
struct module {};

//! The width of a layer that takes any input width and gives back the same (activations).
inline constexpr std::size_t any_width = static_cast<std::size_t>(-1);

//! Base of a layer that takes any width and gives back the same (activations): it then states only
//! its `apply`.
struct same_width : module {
    static constexpr std::size_t in_features = any_width;
    static constexpr std::size_t out_features = any_width;
};

//! The out_features of a layer whose output width follows from its input's shape (convolutions,
//! pools, Flatten): the layer checks its input itself, and the width after it is known only once
//! the stack is applied.
inline constexpr std::size_t computed_width = static_cast<std::size_t>(-2);

//! A type that `tg::sequential` accepts as a layer.
template <class L>
concept Layer = std::is_base_of_v<module, L> && std::is_empty_v<L> && requires {
    { L::in_features } -> std::convertible_to<std::size_t>;
    { L::out_features } -> std::convertible_to<std::size_t>;
};

}  // namespace TYPEGRAD_NS::layers
