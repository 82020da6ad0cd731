#pragma once
// Normalisation layers as types, for `tg::sequential`: `tg::LayerNorm<8>`, the module spelling of
// the builder `tg::layer_norm<"1", 8>(x)`, which it applies (normalized_shape is a width (8) or a
// shape value (`tg::shape<4, 8>{}`); the input's size is read from the expression it is applied
// to); `tg::BatchNorm1d<8>` and `tg::BatchNorm2d<8>`, spellings of `tg::batch_norm<"1", 8>(x)`.
#include <cstddef>
#include <type_traits>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/batch_norm.hpp>
#include <typegrad/ops/norm.hpp>

namespace TYPEGRAD_NS {

namespace detail {
//! The normalized_shape `S` of a LayerNorm as a shape type: `8` is shape<8>, `tg::shape<4, 8>{}` itself.
template <auto S>
constexpr auto normalized_shape_of() {
    if constexpr (std::is_integral_v<decltype(S)>)
        return std::type_identity<shape<static_cast<std::size_t>(S)>>{};
    else
        return std::type_identity<std::remove_cv_t<decltype(S)>>{};
}
}  // namespace detail

//! Layer normalisation over the trailing dimensions NormalizedShape of its input (a width, or a
//! shape value `tg::shape<C, L>{}`), with eps a compile-time constant and, if ElementwiseAffine,
//! parameters `<index>.weight` and `<index>.bias` of shape NormalizedShape (1 and 0 initially).
//! Same shape as its input: `tg::LayerNorm<32>` after a `tg::Linear<10, 32>`, `tg::LayerNorm<8>`
//! over each channel of a signal [C, 8]. torch: `torch.nn.LayerNorm(NormalizedShape, eps=Eps,
//! elementwise_affine=ElementwiseAffine)`.
template <auto NormalizedShape, auto Eps = detail::default_layer_norm_eps{}, bool ElementwiseAffine = true>
struct LayerNorm : layers::same_width {
    using normalized_shape = typename decltype(detail::normalized_shape_of<NormalizedShape>())::type;
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return detail::layer_norm_builder<Name, normalized_shape, std::remove_cv_t<decltype(Eps)>, ElementwiseAffine>(
            x);
    }
};

namespace layers {
//! A batch normalisation layer of NumFeatures channels whose input has rank MinRank to MaxRank.
template <std::size_t NumFeatures, auto Eps, auto Momentum, std::size_t MinRank, std::size_t MaxRank>
struct batch_norm_layer : same_width {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return detail::batch_norm_builder<Name, NumFeatures, MinRank, MaxRank, std::remove_cv_t<decltype(Eps)>,
                                          std::remove_cv_t<decltype(Momentum)>>(x);
    }
};
}  // namespace layers

//! Batch normalisation of NumFeatures features, x [C] (after a `tg::Linear<In, C>`) or [C, L]
//! (channels of a signal), eps and momentum compile-time constants (1e-5, 0.1 by default):
//! parameters `<index>.weight`, `<index>.bias` [C] (1 and 0 initially), buffers
//! `<index>.running_mean`, `<index>.running_var`, `<index>.num_batches_tracked`. Batch statistics in
//! the trainer's backward(), running statistics in loss(), predict and the rest. Same shape as its
//! input. torch: `torch.nn.BatchNorm1d(NumFeatures, eps=Eps, momentum=Momentum)`.
template <std::size_t NumFeatures, auto Eps = detail::default_batch_norm_eps{},
          auto Momentum = detail::default_batch_norm_momentum{}>
struct BatchNorm1d : layers::batch_norm_layer<NumFeatures, Eps, Momentum, 1, 2> {};

//! Batch normalisation of the NumFeatures channels of an image [C, H, W] (after a `tg::Conv2d`),
//! statistics per channel over the batch and the positions; otherwise as BatchNorm1d. torch:
//! `torch.nn.BatchNorm2d(NumFeatures, eps=Eps, momentum=Momentum)`.
template <std::size_t NumFeatures, auto Eps = detail::default_batch_norm_eps{},
          auto Momentum = detail::default_batch_norm_momentum{}>
struct BatchNorm2d : layers::batch_norm_layer<NumFeatures, Eps, Momentum, 3, 3> {};

}  // namespace TYPEGRAD_NS
