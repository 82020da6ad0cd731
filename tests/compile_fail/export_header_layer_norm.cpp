// tg::export_header given a model with a LayerNorm: deploy/emit.hpp has no emitter for layer_norm
// yet, and the diagnostic names the op.
// expect: typegrad: export_header does not support the op named below
// expect: export_header_does_not_support_op<typegrad::ops::layer_norm<1, 8, [0-9]+> ?>
#include <typegrad/deploy/export_header.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model_type = tg::sequential<tg::Linear<4, 8>, tg::Tanh, tg::Linear<8, 1>>;
#else
using model_type = tg::sequential<tg::Linear<4, 8>, tg::LayerNorm<8>, tg::Tanh, tg::Linear<8, 1>>;
#endif
constexpr auto model = model_type{}(x);

void deploy(const tg::Parameters<decltype(model)>& params) { tg::export_header("model.hpp", model, params); }
