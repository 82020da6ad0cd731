// tg::linear<Name, In, Out> applied to an expression whose width is not In.
// expect: typegrad: linear:
// expect: linear_width_mismatch<typegrad::error::weight<1, 10>, typegrad::error::input<9> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 9>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto prediction = tg::linear<"fc", 9, 1>(x);
#else
[[maybe_unused]] constexpr auto prediction = tg::linear<"fc", 10, 1>(x);
#endif
