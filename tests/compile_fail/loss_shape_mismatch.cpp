// A regression loss whose prediction and target differ in size.
// expect: typegrad: loss: the prediction and the target must have the same number of elements
// expect: loss_shape_mismatch<typegrad::error::prediction<3>, typegrad::error::target<> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(x), tg::target<"y">);
#else
[[maybe_unused]] constexpr auto loss = tg::mse(tg::linear<"fc", 10, 3>(x), tg::target<"y">);
#endif
