// A convolution layer whose in_channels are not the channels the previous layer gives.
// expect: typegrad: conv: the layer's in_channels differ from the channels of its input
// expect: conv_channel_mismatch<typegrad::error::in_channels<4>, typegrad::error::input<8, 8, 8> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 64>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 8, 3, 1, 1>, tg::ReLU, tg::Conv2d<8, 16, 3>>;
#else
using model = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 8, 3, 1, 1>, tg::ReLU, tg::Conv2d<4, 16, 3>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
