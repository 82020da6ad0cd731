// tg::dot of two vectors of different lengths.
// expect: typegrad: dot:
// expect: dot_shape_mismatch<typegrad::error::lhs<10>, typegrad::error::rhs<9> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto score = tg::dot(x, tg::param<"w", 10>);
#else
[[maybe_unused]] constexpr auto score = tg::dot(x, tg::param<"w", 9>);
#endif
