#pragma once
// Layer normalisation as a type, `tg::LayerNorm<8>`, for `tg::sequential`: the module spelling of
// the builder `tg::layer_norm<"1", 8>(x)`, which it applies. normalized_shape is a width (8) or a
// shape value (`tg::shape<4, 8>{}`); the input's size is read from the expression it is applied to.
#include <cstddef>
#include <type_traits>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
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

}  // namespace TYPEGRAD_NS
