#pragma once
// The catalogue of compile-time diagnostics. Every misuse is reported by a static_assert whose text
// starts with "typegrad:" and, where the user's shapes or names matter, by an incomplete type whose
// name reads as the error and carries them, e.g. `dot_shape_mismatch<lhs<10>, rhs<9>>`.
#include <cstddef>
#include <utility>

namespace typegrad::error {

template <std::size_t... Dims>
struct lhs;
template <std::size_t... Dims>
struct rhs;
template <std::size_t... Dims>
struct weight;
template <std::size_t... Dims>
struct input;
template <std::size_t... Dims>
struct prediction;
template <std::size_t... Dims>
struct target;
template <std::size_t... Dims>
struct loss_shape;
template <std::size_t... Dims>
struct operand;
template <std::size_t K>
struct classes;

template <class Lhs, class Rhs>
struct dot_shape_mismatch;
template <class Lhs, class Rhs>
struct elementwise_shape_mismatch;
template <class Weight, class Input>
struct matvec_shape_mismatch;
template <class Prediction, class Target>
struct loss_shape_mismatch;
template <class Shape>
struct loss_is_not_a_scalar;
template <class Operand>
struct operand_is_not_a_vector;
template <class Prediction, class Classes>
struct class_count_mismatch;
template <class Target>
struct target_is_not_a_class_target;
template <class Classes>
struct class_target_in_a_regression_loss;
template <class Name>
struct no_parameter_named;
template <class Name>
struct parameter_name_used_twice;

//! The name of a parameter, spelled out as characters so that it shows in the compiler's message.
template <char... Cs>
struct name;

// Naming an incomplete type in a discarded-unless-failing branch makes the compiler print it.
template <bool Ok, class Diagnostic>
inline constexpr bool show = true;
template <class Diagnostic>
inline constexpr bool show<false, Diagnostic> = sizeof(Diagnostic) > 0;

// Layer stacks (layers/sequential.hpp) and the trainer (train/trainer.hpp).
template <std::size_t Index>
struct layer;
template <std::size_t Index>
struct argument;
template <std::size_t Width>
struct in_features;
template <std::size_t Width>
struct previous_out_features;
template <std::size_t Width>
struct input_width;
template <class Layer, class InFeatures, class PreviousOutFeatures>
struct sequential_width_mismatch;
template <class Layer, class InFeatures, class InputWidth>
struct sequential_input_width_mismatch;
template <class... Layers>
struct known_layers;
template <class Argument, class Type, class KnownLayers>
struct sequential_argument_is_not_a_layer;
template <class Type>
struct trainer_needs_a_loss_expression;

}  // namespace typegrad::error

namespace typegrad::detail {
template <auto Str, std::size_t... I>
constexpr auto spell(std::index_sequence<I...>) -> error::name<Str.chars[I]...>;
template <auto Str>
using spelled = decltype(spell<Str>(std::make_index_sequence<Str.size()>{}));
}  // namespace typegrad::detail
