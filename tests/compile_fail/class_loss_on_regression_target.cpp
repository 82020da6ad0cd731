// tg::cross_entropy with a real-valued target instead of a class index.
// expect: typegrad: nll / cross_entropy: the target must be a class index
// expect: target_is_not_a_class_target<typegrad::error::target<> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto logits = tg::linear<"fc", 4, 3>(tg::input<"x", 4>);
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto loss = tg::cross_entropy(logits, tg::class_target<"y", 3>);
#else
[[maybe_unused]] constexpr auto loss = tg::cross_entropy(logits, tg::target<"y">);
#endif
