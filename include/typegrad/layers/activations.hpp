#pragma once
// The activation layers as types, `tg::Tanh`, `tg::ReLU`, `tg::Sigmoid`, `tg::Softplus`, for
// `tg::sequential`: each gives exactly the expression of its lowercase builder (`tg::tanh(x)`, ...).
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/activations.hpp>

namespace TYPEGRAD_NS {

namespace layers {
//! A layer applying the elementwise op `Op` (any width in, the same width out); the expression it
//! gives is exactly the builder's, e.g. `tg::Tanh` gives `tg::tanh(x)`.
template <class Op>
struct elementwise : same_width {
    template <auto Name, Expression X>
    static constexpr auto apply(X) {
        return node<Op, X>{};
    }
};
}  // namespace layers

//! Elementwise tanh. torch: `torch.nn.Tanh()`.
struct Tanh : layers::elementwise<ops::tanh> {};
//! Elementwise max(x, 0). torch: `torch.nn.ReLU()`.
struct ReLU : layers::elementwise<ops::relu> {};
//! Elementwise logistic function. torch: `torch.nn.Sigmoid()`.
struct Sigmoid : layers::elementwise<ops::sigmoid> {};
//! Elementwise ln(1 + eˣ). torch: `torch.nn.Softplus()` (beta 1, threshold 20; see tg::softplus).
struct Softplus : layers::elementwise<ops::softplus> {};

}  // namespace TYPEGRAD_NS
