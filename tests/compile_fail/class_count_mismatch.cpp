// tg::cross_entropy with a number of scores that is not the number of classes.
// expect: typegrad: nll / cross_entropy: the prediction must be a vector of one score per class
// expect: class_count_mismatch<typegrad::error::prediction<4>, typegrad::error::classes<3> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto y = tg::class_target<"y", 3>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto loss = tg::cross_entropy(tg::linear<"fc", 4, 3>(tg::input<"x", 4>), y);
#else
[[maybe_unused]] constexpr auto loss = tg::cross_entropy(tg::linear<"fc", 4, 4>(tg::input<"x", 4>), y);
#endif
