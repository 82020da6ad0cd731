// A 2d convolution applied to a feature vector, not to an image [C, H, W].
// expect: typegrad: conv2d / pool2d: the operand must be an image of shape \[C, H, W\]
// expect: operand_is_not_an_image<typegrad::error::input<64> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 64>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 2, 3>>;
#else
using model = tg::sequential<tg::Conv2d<1, 2, 3>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
