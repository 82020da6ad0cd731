#pragma once
// Dropout as a type, `tg::Dropout<0.2_c>`, for `tg::sequential`: the module spelling of the builder
// `tg::dropout(x, 0.2_c)`, which it applies (so `tg::Dropout<0.0_c>` adds nothing to the model).
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/dropout.hpp>

namespace TYPEGRAD_NS {

//! Dropout with the probability P a compile-time constant in [0, 1]: `tg::Dropout<>` (0.5),
//! `tg::Dropout<0.2_c>`. Zeroes elements in the trainer's backward(), the identity in loss(),
//! predict, input_gradient and export_header. torch: `torch.nn.Dropout(p=0.2)`, with the trainer's
//! backward() as `model.train()` and the rest as `model.eval()`.
template <auto P = detail::default_dropout_p{}>
struct Dropout : layers::same_width {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return dropout(x, P);
    }
};

}  // namespace TYPEGRAD_NS
