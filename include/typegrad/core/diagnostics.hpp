#pragma once
// The catalogue of compile-time diagnostics, in one place: the types that carry the user's shapes
// and names, each fault's message beside its type, the one converter from a shape to a diagnostic's
// arguments (`shaped`), and the one stand-in (`stand_in`) a builder goes on with after a fault.
//
// Every misuse is reported by a static_assert whose text starts with "typegrad:" and, where the
// user's shapes or names matter, by an incomplete type whose name reads as the error and carries
// them, e.g. `dot_shape_mismatch<lhs<10>, rhs<9>>`. A check site writes
// `error::check<ok>(error::fault<error::dot_shape_mismatch<...>>)`: the overload of `check` for
// that fault holds its message (a static_assert's text must be a literal, so it cannot be passed
// in) and names the fault's type when it carries the user's numbers. It returns `ok`. Call it
// where its result is constant-evaluated (`constexpr bool checked = error::check<...>(...)`, an
// `if constexpr` or a `static_assert`): GCC then instantiates it at once and points at the user's
// line; a call whose result is discarded is instantiated at the end of the file, without it.
#include <cstddef>
#include <utility>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::error {

// What the user's numbers are, as the arguments of a diagnostic type.
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
template <class... Layers>
struct known_layers;
template <class Policy>
struct given_to;
template <std::size_t... Dims>
struct new_shape;
template <std::size_t C>
struct in_channels;
template <std::size_t K>
struct kernel_size;
template <std::size_t S>
struct stride;
template <std::size_t P>
struct padding;
template <std::size_t D>
struct dilation;
template <std::size_t C>
struct num_features;
template <std::size_t... Dims>
struct normalized_shape;
template <std::size_t... Dims>
struct branch_output;
template <std::size_t... Columns>
struct column;

//! The name of a parameter, spelled out as characters so that it shows in the compiler's message.
template <char... Cs>
struct name;

namespace detail {
template <template <std::size_t...> class As, class Shape>
struct shaped;
template <template <std::size_t...> class As, std::size_t... D>
struct shaped<As, shape<D...>> {
    using type = As<D...>;
};
template <auto Str, std::size_t... I>
constexpr auto spell(std::index_sequence<I...>) -> name<Str.chars[I]...>;
}  // namespace detail

//! A shape as the argument of a diagnostic type: `shaped<lhs, shape<3, 4>>` is `lhs<3, 4>`.
template <template <std::size_t...> class As, class Shape>
using shaped = typename detail::shaped<As, Shape>::type;

//! A name as the argument of a diagnostic type: `spelled<"fc.w">` is `name<'f', 'c', '.', 'w'>`.
template <auto Str>
using spelled = decltype(detail::spell<Str>(std::make_index_sequence<Str.size()>{}));

//! The leaf a builder returns, or builds on, after a failed check, in place of an operand or a
//! result of shape `Shape`: the program goes on well-formed, so that one message is all the user
//! sees.
template <class Shape>
using stand_in = param_leaf<"typegrad_stand_in", Shape>;

//! The argument of `check` that names the fault.
template <class Fault>
inline constexpr Fault* fault = nullptr;

// Naming an incomplete type in a discarded-unless-failing branch makes the compiler print it.
template <bool Ok, class Diagnostic>
inline constexpr bool show = true;
template <class Diagnostic>
inline constexpr bool show<false, Diagnostic> = sizeof(Diagnostic) > 0;

// Expressions (ops/).

template <class Lhs, class Rhs>
struct dot_shape_mismatch;
template <bool Ok, class Lhs, class Rhs>
constexpr bool check(dot_shape_mismatch<Lhs, Rhs>*) {
    static_assert(Ok, "typegrad: dot: the two operands must be vectors of the same length");
    static_assert(show<Ok, dot_shape_mismatch<Lhs, Rhs>>);
    return Ok;
}

template <class Weight, class Input>
struct matvec_shape_mismatch;
template <bool Ok, class Weight, class Input>
constexpr bool check(matvec_shape_mismatch<Weight, Input>*) {
    static_assert(Ok, "typegrad: matvec: the matrix [Out, In] needs a vector of length In");
    static_assert(show<Ok, matvec_shape_mismatch<Weight, Input>>);
    return Ok;
}

template <class Weight, class Input>
struct linear_width_mismatch;
template <bool Ok, class Weight, class Input>
constexpr bool check(linear_width_mismatch<Weight, Input>*) {
    static_assert(
        Ok, "typegrad: linear: the layer's input width In differs from the width of the expression it is applied to");
    static_assert(show<Ok, linear_width_mismatch<Weight, Input>>);
    return Ok;
}

template <class Lhs, class Rhs>
struct elementwise_shape_mismatch;
template <bool Ok, class Lhs, class Rhs>
constexpr bool check(elementwise_shape_mismatch<Lhs, Rhs>*) {
    static_assert(Ok,
                  "typegrad: elementwise op (+ - * / min max): the operands' shapes differ and neither is a scalar");
    static_assert(show<Ok, elementwise_shape_mismatch<Lhs, Rhs>>);
    return Ok;
}

struct plain_number_in_expression;
template <bool Ok>
constexpr bool check(plain_number_in_expression*) {
    static_assert(Ok,
                  "typegrad: a plain number in an expression: write a compile-time constant, "
                  "tg::constant<2> or 2.5_c (using namespace typegrad::literals)");
    return Ok;
}

template <class Operand>
struct operand_is_not_a_vector;
template <bool Ok, class Operand>
constexpr bool check(operand_is_not_a_vector<Operand>*) {
    static_assert(Ok, "typegrad: logsumexp / softmax / log_softmax: the operand must be a vector (or a scalar)");
    static_assert(show<Ok, operand_is_not_a_vector<Operand>>);
    return Ok;
}

struct pow_exponent_is_not_a_constant;
template <bool Ok>
constexpr bool check(pow_exponent_is_not_a_constant*) {
    static_assert(Ok, "typegrad: pow: the exponent must be a compile-time constant: tg::pow(x, 3_c), tg::pow<3>(x)");
    return Ok;
}

struct clamp_bounds_are_not_constants;
template <bool Ok>
constexpr bool check(clamp_bounds_are_not_constants*) {
    static_assert(Ok, "typegrad: clamp: the bounds must be compile-time constants: tg::clamp(x, -1_c, 1_c)");
    return Ok;
}

struct clamp_bounds_out_of_order;
template <bool Ok>
constexpr bool check(clamp_bounds_out_of_order*) {
    static_assert(Ok, "typegrad: clamp: the lower bound exceeds the upper bound");
    return Ok;
}

// Losses (ops/loss.hpp).

template <class Prediction, class Target>
struct loss_shape_mismatch;
template <bool Ok, class Prediction, class Target>
constexpr bool check(loss_shape_mismatch<Prediction, Target>*) {
    static_assert(Ok, "typegrad: loss: the prediction and the target must have the same number of elements");
    static_assert(show<Ok, loss_shape_mismatch<Prediction, Target>>);
    return Ok;
}

template <class Classes>
struct class_target_in_a_regression_loss;
template <bool Ok, class Classes>
constexpr bool check(class_target_in_a_regression_loss<Classes>*) {
    static_assert(Ok,
                  "typegrad: loss: a class target (tg::class_target) takes tg::cross_entropy or tg::nll; "
                  "mse, l1, huber, smooth_l1 and bce_with_logits take a tg::target");
    static_assert(show<Ok, class_target_in_a_regression_loss<Classes>>);
    return Ok;
}

template <class Target>
struct target_is_not_a_class_target;
template <bool Ok, class Target>
constexpr bool check(target_is_not_a_class_target<Target>*) {
    static_assert(Ok, "typegrad: nll / cross_entropy: the target must be a class index, tg::class_target<\"y\", K>");
    static_assert(show<Ok, target_is_not_a_class_target<Target>>);
    return Ok;
}

template <class Prediction, class Classes>
struct class_count_mismatch;
template <bool Ok, class Prediction, class Classes>
constexpr bool check(class_count_mismatch<Prediction, Classes>*) {
    static_assert(Ok,
                  "typegrad: nll / cross_entropy: the prediction must be a vector of one score per class of the "
                  "class target");
    static_assert(show<Ok, class_count_mismatch<Prediction, Classes>>);
    return Ok;
}

struct huber_delta_is_not_a_constant;
template <bool Ok>
constexpr bool check(huber_delta_is_not_a_constant*) {
    static_assert(Ok, "typegrad: huber: delta must be a compile-time constant: tg::huber(p, y, 0.5_c)");
    return Ok;
}
struct huber_delta_is_not_positive;
template <bool Ok>
constexpr bool check(huber_delta_is_not_positive*) {
    static_assert(Ok, "typegrad: huber: delta must be positive");
    return Ok;
}
struct smooth_l1_beta_is_not_a_constant;
template <bool Ok>
constexpr bool check(smooth_l1_beta_is_not_a_constant*) {
    static_assert(Ok, "typegrad: smooth_l1: beta must be a compile-time constant: tg::smooth_l1(p, y, 0.5_c)");
    return Ok;
}
struct smooth_l1_beta_is_negative;
template <bool Ok>
constexpr bool check(smooth_l1_beta_is_negative*) {
    static_assert(Ok, "typegrad: smooth_l1: beta must not be negative");
    return Ok;
}

// Activations (ops/rectifiers.hpp).

struct gelu_approximate_is_unknown;
template <bool Ok>
constexpr bool check(gelu_approximate_is_unknown*) {
    static_assert(Ok,
                  "typegrad: gelu: approximate argument must be either none or tanh: tg::gelu<\"tanh\">(x), "
                  "tg::GELU<\"tanh\">");
    return Ok;
}

struct leaky_relu_slope_is_not_a_constant;
template <bool Ok>
constexpr bool check(leaky_relu_slope_is_not_a_constant*) {
    static_assert(Ok,
                  "typegrad: leaky_relu: negative_slope must be a compile-time constant: "
                  "tg::leaky_relu(x, 0.2_c), tg::LeakyReLU<0.2_c>");
    return Ok;
}

struct elu_alpha_is_not_a_constant;
template <bool Ok>
constexpr bool check(elu_alpha_is_not_a_constant*) {
    static_assert(Ok, "typegrad: elu: alpha must be a compile-time constant: tg::elu(x, 0.5_c), tg::ELU<0.5_c>");
    return Ok;
}

// Dropout (ops/dropout.hpp).

struct dropout_probability_out_of_range;
template <bool Ok>
constexpr bool check(dropout_probability_out_of_range*) {
    static_assert(Ok,
                  "typegrad: dropout: p must be a probability in [0, 1] (torch: \"dropout probability has to be "
                  "between 0 and 1\"): tg::dropout(x, 0.5_c), tg::Dropout<0.2_c>");
    return Ok;
}

struct dropout_probability_is_not_a_constant;
template <bool Ok>
constexpr bool check(dropout_probability_is_not_a_constant*) {
    static_assert(Ok,
                  "typegrad: dropout: p must be a compile-time constant: tg::dropout(x, 0.5_c), tg::Dropout<0.5_c>");
    return Ok;
}

// Views, convolutions and pools (ops/conv.hpp, ops/pool.hpp).

template <class Shape, class Input>
struct view_size_mismatch;
template <bool Ok, class Shape, class Input>
constexpr bool check(view_size_mismatch<Shape, Input>*) {
    static_assert(Ok, "typegrad: view / Unflatten: the new shape holds another number of elements than the operand");
    static_assert(show<Ok, view_size_mismatch<Shape, Input>>);
    return Ok;
}

template <class Input>
struct operand_is_not_an_image;
template <bool Ok, class Input>
constexpr bool check(operand_is_not_an_image<Input>*) {
    static_assert(Ok,
                  "typegrad: conv2d / pool2d: the operand must be an image of shape [C, H, W]: "
                  "tg::view<C, H, W>(x), or tg::Unflatten<C, H, W> first in a stack");
    static_assert(show<Ok, operand_is_not_an_image<Input>>);
    return Ok;
}

template <class Input>
struct operand_is_not_a_signal;
template <bool Ok, class Input>
constexpr bool check(operand_is_not_a_signal<Input>*) {
    static_assert(Ok,
                  "typegrad: conv1d / pool1d: the operand must be a signal of shape [C, L]: "
                  "tg::view<C, L>(x), or tg::Unflatten<C, L> first in a stack");
    static_assert(show<Ok, operand_is_not_a_signal<Input>>);
    return Ok;
}

template <class Channels, class Input>
struct conv_channel_mismatch;
template <bool Ok, class Channels, class Input>
constexpr bool check(conv_channel_mismatch<Channels, Input>*) {
    static_assert(Ok, "typegrad: conv: the layer's in_channels differ from the channels of its input [C, ...]");
    static_assert(show<Ok, conv_channel_mismatch<Channels, Input>>);
    return Ok;
}

template <class Kernel, class Dilation, class Padding, class Input>
struct kernel_larger_than_input;
template <bool Ok, class Kernel, class Dilation, class Padding, class Input>
constexpr bool check(kernel_larger_than_input<Kernel, Dilation, Padding, Input>*) {
    static_assert(Ok,
                  "typegrad: conv / pool: the kernel (its span dilation·(K-1)+1) is larger than the input plus "
                  "its padding on both sides");
    static_assert(show<Ok, kernel_larger_than_input<Kernel, Dilation, Padding, Input>>);
    return Ok;
}

template <class Kernel, class Stride, class Dilation>
struct window_sizes_not_positive;
template <bool Ok, class Kernel, class Stride, class Dilation>
constexpr bool check(window_sizes_not_positive<Kernel, Stride, Dilation>*) {
    static_assert(Ok, "typegrad: conv / pool: the kernel size, stride and dilation must be positive");
    static_assert(show<Ok, window_sizes_not_positive<Kernel, Stride, Dilation>>);
    return Ok;
}

template <class Kernel, class Padding>
struct pool_padding_too_large;
template <bool Ok, class Kernel, class Padding>
constexpr bool check(pool_padding_too_large<Kernel, Padding>*) {
    static_assert(Ok, "typegrad: max_pool / avg_pool: the padding must be at most half the kernel size (torch's rule)");
    static_assert(show<Ok, pool_padding_too_large<Kernel, Padding>>);
    return Ok;
}

// Layer normalisation (ops/norm.hpp).

template <class Normalized, class Input>
struct layer_norm_shape_mismatch;
template <bool Ok, class Normalized, class Input>
constexpr bool check(layer_norm_shape_mismatch<Normalized, Input>*) {
    static_assert(Ok,
                  "typegrad: layer_norm / LayerNorm: normalized_shape must be the input's shape or its trailing "
                  "dimensions (an input [C, L] takes [C, L] or [L])");
    static_assert(show<Ok, layer_norm_shape_mismatch<Normalized, Input>>);
    return Ok;
}

struct layer_norm_eps_is_not_a_constant;
template <bool Ok>
constexpr bool check(layer_norm_eps_is_not_a_constant*) {
    static_assert(Ok,
                  "typegrad: layer_norm: eps must be a compile-time constant: tg::layer_norm<\"ln\", 8>(x, 1e-6_c), "
                  "tg::LayerNorm<8, 1e-6_c>");
    return Ok;
}

// Batch normalisation (ops/batch_norm.hpp).

template <class Features, class Input>
struct batch_norm_shape_mismatch;
template <bool Ok, class Features, class Input>
constexpr bool check(batch_norm_shape_mismatch<Features, Input>*) {
    static_assert(Ok,
                  "typegrad: batch_norm / BatchNorm1d / BatchNorm2d: num_features must be the channels C of the "
                  "input (BatchNorm1d: an input [C] or [C, L]; BatchNorm2d: an input [C, H, W])");
    static_assert(show<Ok, batch_norm_shape_mismatch<Features, Input>>);
    return Ok;
}

struct batch_norm_option_is_not_a_constant;
template <bool Ok>
constexpr bool check(batch_norm_option_is_not_a_constant*) {
    static_assert(Ok,
                  "typegrad: batch_norm: eps and momentum must be compile-time constants: "
                  "tg::batch_norm<\"bn\", 8>(x, 1e-5_c, 0.1_c), tg::BatchNorm1d<8, 1e-5_c, 0.1_c>");
    return Ok;
}

// Concatenation and branches (ops/concat.hpp, layers/branches.hpp).

template <class Lhs, class Rhs>
struct concat_shape_mismatch;
template <bool Ok, class Lhs, class Rhs>
constexpr bool check(concat_shape_mismatch<Lhs, Rhs>*) {
    static_assert(Ok,
                  "typegrad: concat / concat_branches: the operands must be two vectors (or scalars), or two images "
                  "[C, H, W] (signals [C, L]) of the same spatial size");
    static_assert(show<Ok, concat_shape_mismatch<Lhs, Rhs>>);
    return Ok;
}

template <class Input, class BranchOutput>
struct residual_width_mismatch;
template <bool Ok, class Input, class BranchOutput>
constexpr bool check(residual_width_mismatch<Input, BranchOutput>*) {
    static_assert(Ok,
                  "typegrad: residual: the branch's output width differs from its input width (both named below: "
                  "input<...>, branch_output<...>); x + f(x) needs f to give back the width it takes");
    static_assert(show<Ok, residual_width_mismatch<Input, BranchOutput>>);
    return Ok;
}

template <class Argument, class Type>
struct concat_branch_is_not_a_layer;
template <bool Ok, class Argument, class Type>
constexpr bool check(concat_branch_is_not_a_layer<Argument, Type>*) {
    static_assert(Ok,
                  "typegrad: concat_branches: a branch is not a layer type; write each branch as a "
                  "tg::sequential<...> (or one layer of the library)");
    static_assert(show<Ok, concat_branch_is_not_a_layer<Argument, Type>>);
    return Ok;
}

// Column selection and embeddings (ops/embedding.hpp, layers/embedding.hpp).

template <class Columns, class Input>
struct column_outside_the_input;
template <bool Ok, class Columns, class Input>
constexpr bool check(column_outside_the_input<Columns, Input>*) {
    static_assert(Ok,
                  "typegrad: column / columns: a selected column is outside the input vector (columns count from 0; "
                  "both named below: column<...>, input<...>)");
    static_assert(show<Ok, column_outside_the_input<Columns, Input>>);
    return Ok;
}

template <class Columns>
struct column_selected_twice;
template <bool Ok, class Columns>
constexpr bool check(column_selected_twice<Columns>*) {
    static_assert(Ok, "typegrad: columns: a column is listed twice; list each column once");
    static_assert(show<Ok, column_selected_twice<Columns>>);
    return Ok;
}

struct embedding_index_is_not_an_input_column;
template <bool Ok>
constexpr bool check(embedding_index_is_not_an_input_column*) {
    static_assert(Ok,
                  "typegrad: embedding / Embedding: the index must be one column of the model's input, "
                  "tg::column<C>(x) (tg::Column<C> before it in a stack), so that the data's indices are checked");
    return Ok;
}

// The loss as a whole and its parameters (autodiff/, parameters.hpp).

template <class Shape>
struct loss_is_not_a_scalar;
template <bool Ok, class Shape>
constexpr bool check(loss_is_not_a_scalar<Shape>*) {
    static_assert(Ok, "typegrad: the loss must be a scalar per sample (reduce it with tg::mean or tg::sum)");
    static_assert(show<Ok, loss_is_not_a_scalar<Shape>>);
    return Ok;
}

template <class Name>
struct parameter_name_used_twice;
template <bool Ok, class Name>
constexpr bool check(parameter_name_used_twice<Name>*) {
    static_assert(Ok,
                  "typegrad: two different parameters have the same name (a layer name used twice with "
                  "different shapes?); give each layer its own name");
    static_assert(show<Ok, parameter_name_used_twice<Name>>);
    return Ok;
}

template <class Name>
struct no_parameter_named;
template <bool Ok, class Name>
constexpr bool check(no_parameter_named<Name>*) {
    static_assert(Ok,
                  "typegrad: Parameters: the model has no parameter of this name (names are torch's: "
                  "\"fc.weight\", \"0.bias\")");
    static_assert(show<Ok, no_parameter_named<Name>>);
    return Ok;
}

// Layer stacks (layers/sequential.hpp).

struct sequential_without_layers;
template <bool Ok>
constexpr bool check(sequential_without_layers*) {
    static_assert(Ok, "typegrad: sequential: a stack needs at least one layer");
    return Ok;
}

template <class Argument, class Type, class KnownLayers>
struct sequential_argument_is_not_a_layer;
template <bool Ok, class Argument, class Type, class KnownLayers>
constexpr bool check(sequential_argument_is_not_a_layer<Argument, Type, KnownLayers>*) {
    static_assert(Ok,
                  "typegrad: sequential: a template argument is not a layer type; use a layer of the library (listed "
                  "below), a tg::sequential, or a type derived from tg::layers::module");
    static_assert(show<Ok, sequential_argument_is_not_a_layer<Argument, Type, KnownLayers>>);
    return Ok;
}

template <class Layer, class InFeatures, class PreviousOutFeatures>
struct sequential_width_mismatch;
template <bool Ok, class Layer, class InFeatures, class PreviousOutFeatures>
constexpr bool check(sequential_width_mismatch<Layer, InFeatures, PreviousOutFeatures>*) {
    static_assert(Ok,
                  "typegrad: sequential: a layer's in_features differ from the previous layer's out_features; "
                  "make each tg::Linear<In, Out> take the Out of the layer before it");
    static_assert(show<Ok, sequential_width_mismatch<Layer, InFeatures, PreviousOutFeatures>>);
    return Ok;
}

template <class Layer, class InFeatures, class InputWidth>
struct sequential_input_width_mismatch;
template <bool Ok, class Layer, class InFeatures, class InputWidth>
constexpr bool check(sequential_input_width_mismatch<Layer, InFeatures, InputWidth>*) {
    static_assert(Ok,
                  "typegrad: sequential: the stack's first tg::Linear<In, Out> takes In features, but the "
                  "expression it is applied to has a different width; make In that width");
    static_assert(show<Ok, sequential_input_width_mismatch<Layer, InFeatures, InputWidth>>);
    return Ok;
}

// Deployment (deploy/export_header.hpp).

template <class Target>
struct export_header_needs_a_model_not_a_loss;
template <bool Ok, class Target>
constexpr bool check(export_header_needs_a_model_not_a_loss<Target>*) {
    static_assert(Ok,
                  "typegrad: export_header: the expression reads a target (named below), so it is a loss, not a "
                  "model; pass the model inside it, the prediction (the first argument of tg::mse, ...)");
    static_assert(show<Ok, export_header_needs_a_model_not_a_loss<Target>>);
    return Ok;
}

template <std::size_t Count>
struct inputs_read;
template <class InputsRead>
struct export_header_needs_one_input;
template <bool Ok, class InputsRead>
constexpr bool check(export_header_needs_one_input<InputsRead>*) {
    static_assert(Ok,
                  "typegrad: export_header: the model must read exactly one input, tg::input<\"x\", N> (the "
                  "generated predict takes one array of N features)");
    static_assert(show<Ok, export_header_needs_one_input<InputsRead>>);
    return Ok;
}

struct export_header_parameters_of_another_model;
template <bool Ok>
constexpr bool check(export_header_parameters_of_another_model*) {
    static_assert(Ok,
                  "typegrad: export_header: the model uses a parameter that these Parameters do not hold; pass "
                  "the tg::Parameters made from the loss the model is part of");
    return Ok;
}

template <class Weight>
struct export_header_running_statistics_of_another_model;
template <bool Ok, class Weight>
constexpr bool check(export_header_running_statistics_of_another_model<Weight>*) {
    static_assert(Ok,
                  "typegrad: export_header: the model has a batch normalisation (its weight named below) that "
                  "the loss of these Parameters does not have, so they hold no running statistics for it; pass "
                  "the tg::Parameters made from the loss the model is part of");
    static_assert(show<Ok, export_header_running_statistics_of_another_model<Weight>>);
    return Ok;
}

template <class Op>
struct export_header_does_not_support_op;
template <bool Ok, class Op>
constexpr bool check(export_header_does_not_support_op<Op>*) {
    static_assert(Ok,
                  "typegrad: export_header does not support the op named below "
                  "(export_header_does_not_support_op<op>) yet; docs/deploy.md lists the ops it writes");
    static_assert(show<Ok, export_header_does_not_support_op<Op>>);
    return Ok;
}

// The trainer (train/trainer.hpp).

template <class Type>
struct trainer_needs_a_loss_expression;
template <bool Ok, class Type>
constexpr bool check(trainer_needs_a_loss_expression<Type>*) {
    static_assert(Ok,
                  "typegrad: Trainer: the first template argument is not the type of a loss expression; write "
                  "tg::Trainer<decltype(loss), tg::SGD> with constexpr auto loss = tg::mse(prediction, y)");
    static_assert(show<Ok, trainer_needs_a_loss_expression<Type>>);
    return Ok;
}

struct trainer_precision_mismatch;
template <bool Ok>
constexpr bool check(trainer_precision_mismatch*) {
    static_assert(Ok,
                  "typegrad: Trainer: the parameters and the trainer compute in different precisions; "
                  "write Trainer<decltype(loss), Policy, double> for Parameters<..., double>");
    return Ok;
}

struct trainer_parameters_of_another_loss;
template <bool Ok>
constexpr bool check(trainer_parameters_of_another_loss*) {
    static_assert(Ok,
                  "typegrad: Trainer: the parameters are those of another loss; a Trainer<decltype(loss), Policy> "
                  "trains the tg::Parameters made from that same loss: tg::Parameters params{loss}");
    return Ok;
}

template <class Options, class GivenTo>
struct options_written_for;
template <bool Ok, class Options, class GivenTo>
constexpr bool check(options_written_for<Options, GivenTo>*) {
    static_assert(Ok,
                  "typegrad: Trainer: an option the optimiser policy does not have; these options are another "
                  "policy's (named below), write the policy's own options, in torch's names and order");
    static_assert(show<Ok, options_written_for<Options, GivenTo>>);
    return Ok;
}

}  // namespace TYPEGRAD_NS::error
