#pragma once
// The layers typegrad defines, as one compile-time list: the header that brings them all, and the
// list `tg::sequential`'s "not a layer" diagnostic shows, so that the message names exactly the
// layers there are. A layer added to the library is added here.
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/branches.hpp>
#include <typegrad/layers/conv.hpp>
#include <typegrad/layers/dropout.hpp>
#include <typegrad/layers/embedding.hpp>
#include <typegrad/layers/linear.hpp>
#include <typegrad/layers/norm.hpp>
#include <typegrad/layers/rectifiers.hpp>
#include <typegrad/layers/softmax.hpp>

namespace TYPEGRAD_NS::layers {

//! Stands for a layer template of two widths in the catalogue's list: `with_widths<tg::Linear>`
//! reads as `tg::Linear<In, Out>`.
template <template <std::size_t, std::size_t> class L>
struct with_widths;

// Convolution and pooling layers (layers/conv.hpp).
//! Stands for `tg::Conv2d<InC, OutC, K, Stride, Padding, Dilation, Bias>` (and Conv1d).
template <template <std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, bool> class L>
struct with_channels_and_kernel;
//! Stands for `tg::MaxPool2d<K, Stride, Padding>` (and the other pools).
template <template <std::size_t, std::size_t, std::size_t> class L>
struct with_kernel;
//! Stands for `tg::AdaptiveAvgPool2d<OutputSize>`.
template <template <std::size_t> class L>
struct with_output_size;
//! Stands for `tg::Unflatten<C, H, W>`.
template <template <std::size_t...> class L>
struct with_dims;
using spatial_catalogue =
    type_list<with_channels_and_kernel<Conv2d>, with_channels_and_kernel<Conv1d>, with_kernel<MaxPool2d>,
              with_kernel<AvgPool2d>, with_kernel<MaxPool1d>, with_kernel<AvgPool1d>,
              with_output_size<AdaptiveAvgPool2d>, Flatten, with_dims<Unflatten>>;

// Normalisation layers (layers/norm.hpp).
//! Stands for `tg::LayerNorm<NormalizedShape, Eps, ElementwiseAffine>`.
template <template <auto, auto, bool> class L>
struct with_normalized_shape;

//! Stands for `tg::BatchNorm1d<NumFeatures, Eps, Momentum>` (and BatchNorm2d).
template <template <std::size_t, auto, auto> class L>
struct with_num_features;

// Regularisation layers (layers/dropout.hpp).
//! Stands for `tg::Dropout<P>`.
template <template <auto> class L>
struct with_probability;

// Integer feature columns (layers/embedding.hpp).
//! Stands for `tg::Column<C>`.
template <template <std::size_t> class L>
struct with_column;
//! Stands for `tg::Columns<C...>`.
template <template <std::size_t...> class L>
struct with_columns;
//! Stands for `tg::Embedding<Num, Dim>`.
template <template <std::size_t, std::size_t> class L>
struct with_num_and_dim;
using column_catalogue = type_list<with_column<Column>, with_columns<Columns>, with_num_and_dim<Embedding>>;

// Layers that hold layers as branches (layers/branches.hpp).
//! Stands for a layer template of layers: `with_layers<tg::residual>` reads as `tg::residual<Layers...>`,
//! `with_layers<tg::concat_branches>` as `tg::concat_branches<BranchA, BranchB>`.
template <template <class...> class L>
struct with_layers;
using branch_catalogue = type_list<with_layers<residual>, with_layers<concat_branches>>;

namespace detail {
template <class A, class B>
struct concat;
template <class... A, class... B>
struct concat<type_list<A...>, type_list<B...>> {
    using type = type_list<A..., B...>;
};
}  // namespace detail

//! Every layer of the library, in the order the documentation lists them (besides `tg::sequential`
//! itself, and the user's own types derived from `module`).
using catalogue = typename detail::concat<
    type_list<with_widths<Linear>, Tanh, ReLU, Sigmoid, Softplus, GELU<>, SiLU, ELU<>, LeakyReLU<>, Softmax,
              with_normalized_shape<LayerNorm>, with_num_features<BatchNorm1d>, with_num_features<BatchNorm2d>,
              with_probability<Dropout>>,
    typename detail::concat<column_catalogue,
                            typename detail::concat<branch_catalogue, spatial_catalogue>::type>::type>::type;

}  // namespace TYPEGRAD_NS::layers
