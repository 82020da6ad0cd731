// tg::export_header given the loss instead of the model inside it.
// expect: typegrad: export_header: the expression reads a target \(named below\), so it is a loss, not a model
// expect: export_header_needs_a_model_not_a_loss<typegrad::error::name<'y'> ?>
#include <typegrad/deploy/export_header.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto model = tg::linear<"fc", 4, 1>(tg::input<"x", 4>);
constexpr auto loss = tg::mse(model, tg::target<"y">);

void deploy(const tg::Parameters<decltype(loss)>& params) {
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::export_header("model.hpp", model, params);
#else
    tg::export_header("model.hpp", loss, params);
#endif
}
