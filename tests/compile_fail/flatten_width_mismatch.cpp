// A Linear after Flatten whose in_features are not the number of elements Flatten gives (16
// channels of 2x2 are 64, not 100).
// expect: typegrad: sequential: a layer's in_features differ from the previous layer's out_features
// expect: sequential_width_mismatch<typegrad::error::layer<7>, typegrad::error::in_features<100>, typegrad::error::previous_out_features<64> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 64>;
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr std::size_t width = 64;
#else
constexpr std::size_t width = 100;
#endif
using model = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 16, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,
                             tg::MaxPool2d<2>, tg::ReLU, tg::Flatten, tg::Linear<width, 10>>;
[[maybe_unused]] constexpr auto prediction = model{}(x);
