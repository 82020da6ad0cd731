#pragma once
// The smooth and leaky relu variants as layers, `tg::GELU`, `tg::SiLU`, `tg::ELU`, `tg::LeakyReLU`,
// for `tg::sequential`: each gives exactly the expression of its lowercase builder
// (`tg::GELU<"tanh">` gives `tg::gelu<"tanh">(x)`, `tg::ELU<0.5_c>` gives `tg::elu(x, 0.5_c)`).
// torch's options are template arguments: a string for GELU's `approximate`, a compile-time
// constant for ELU's `alpha` and LeakyReLU's `negative_slope`.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/rectifiers.hpp>

namespace TYPEGRAD_NS {

namespace layers {
//! A layer of an elementwise op with one compile-time constant C, torch's module option (ELU's
//! alpha, LeakyReLU's negative_slope): the builder's expression, `Op<bits of C>` over its input, or
//! NotConstant's message when C is not a constant.
template <template <std::uint64_t> class Op, class NotConstant, auto C>
struct with_constant : same_width {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return detail::with_constant<Op, NotConstant, std::remove_cv_t<decltype(C)>>(x);
    }
};
}  // namespace layers

//! Elementwise GELU: `tg::GELU<>` the exact erf form, `tg::GELU<"tanh">` the tanh approximation.
//! torch: `torch.nn.GELU()`, `torch.nn.GELU(approximate="tanh")`.
template <fixed_string Approximate = "none">
struct GELU : layers::same_width {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return gelu<Approximate>(x);
    }
};

//! Elementwise x σ(x). torch: `torch.nn.SiLU()`.
struct SiLU : layers::elementwise<ops::silu> {};

//! Elementwise ELU with α a compile-time constant: `tg::ELU<>` (α = 1), `tg::ELU<0.5_c>`.
//! torch: `torch.nn.ELU()`, `torch.nn.ELU(alpha=0.5)`.
template <auto Alpha = detail::default_elu_alpha{}>
struct ELU : layers::with_constant<ops::elu, error::elu_alpha_is_not_a_constant, Alpha> {};

//! Elementwise leaky ReLU with the slope a compile-time constant: `tg::LeakyReLU<>` (0.01),
//! `tg::LeakyReLU<0.2_c>`. torch: `torch.nn.LeakyReLU()`, `torch.nn.LeakyReLU(negative_slope=0.2)`.
template <auto NegativeSlope = detail::default_negative_slope{}>
struct LeakyReLU : layers::with_constant<ops::leaky_relu, error::leaky_relu_slope_is_not_a_constant, NegativeSlope> {};

}  // namespace TYPEGRAD_NS
