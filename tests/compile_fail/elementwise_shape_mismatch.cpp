// An elementwise op (+ - * /) on two shapes that differ, neither a scalar.
// expect: typegrad: elementwise
// expect: elementwise_shape_mismatch<typegrad::error::lhs<3>, typegrad::error::rhs<4> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 3>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto shifted = x + tg::param<"b", 3>;
#else
[[maybe_unused]] constexpr auto shifted = x + tg::param<"b", 4>;
#endif
