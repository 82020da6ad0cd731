// A BatchNorm1d whose num_features are not the width the previous layer gives.
// expect: typegrad: batch_norm / BatchNorm1d / BatchNorm2d: num_features must be the channels C of the input
// expect: batch_norm_shape_mismatch<typegrad::error::num_features<16>, typegrad::error::input<8> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Linear<4, 8>, tg::BatchNorm1d<8>, tg::ReLU, tg::Linear<8, 3>>;
#else
using model = tg::sequential<tg::Linear<4, 8>, tg::BatchNorm1d<16>, tg::ReLU, tg::Linear<8, 3>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
