// A LayerNorm whose normalized_shape is not the trailing dimensions of its input: LayerNorm<6> after
// a linear layer of 8 outputs.
// expect: typegrad: layer_norm / LayerNorm: normalized_shape must be the input's shape or its trailing dimensions
// expect: layer_norm_shape_mismatch<typegrad::error::normalized_shape<6>, typegrad::error::input<8> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Linear<4, 8>, tg::LayerNorm<8>, tg::Tanh, tg::Linear<8, 1>>;
#else
using model = tg::sequential<tg::Linear<4, 8>, tg::LayerNorm<6>, tg::Tanh, tg::Linear<8, 1>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
