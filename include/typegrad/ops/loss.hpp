#pragma once
// Losses of one sample; the trainer takes their mean over the batch (torch's default reduction).
#include <typegrad/core/errors.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/reduce.hpp>

namespace typegrad {

namespace detail {
template <Expression P, Expression Y>
constexpr void check_loss_operands() {
    using SP = typename P::shape_type;
    using SY = typename Y::shape_type;
    constexpr bool ok = SP::size == SY::size;
    static_assert(ok, "typegrad: loss: the prediction and the target must have the same number of elements");
    static_assert(error::show<ok, error::loss_shape_mismatch<typename shape_error_args<SP>::template as<error::prediction>,
                                                              typename shape_error_args<SY>::template as<error::target>>>);
}
}  // namespace detail

//! Mean squared error of one sample, mean((p - y)²) over its elements; the trainer averages it over
//! the batch, so the whole is torch's `F.mse_loss(p, y)` (reduction "mean").
template <Expression P, Expression Y>
constexpr auto mse(P p, Y y) {
    detail::check_loss_operands<P, Y>();
    return mean(square(p - y));
}

}  // namespace typegrad
