// tg::mse against a class index.
// expect: typegrad: loss: a class target \(tg::class_target\) takes tg::cross_entropy or tg::nll
// expect: class_target_in_a_regression_loss<typegrad::error::classes<3> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto prediction = tg::linear<"fc", 4, 1>(tg::input<"x", 4>);
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto loss = tg::mse(prediction, tg::target<"y">);
#else
[[maybe_unused]] constexpr auto loss = tg::mse(prediction, tg::class_target<"y", 3>);
#endif
