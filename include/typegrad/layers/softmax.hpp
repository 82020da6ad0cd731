#pragma once
// Softmax over a sample's features as a layer, `tg::Softmax`, for `tg::sequential`: it gives
// exactly `tg::softmax(x)`, with that builder's shape rule (the operand is a vector).
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/softmax.hpp>

namespace TYPEGRAD_NS {

//! The softmax of a sample's features, eˣⁱ / Σ eˣʲ (same width). torch: `torch.nn.Softmax(dim=-1)`
//! (the features of each sample of a batch [N, F]: `dim=1` there too).
struct Softmax : layers::same_width {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return softmax(x);
    }
};

}  // namespace TYPEGRAD_NS
