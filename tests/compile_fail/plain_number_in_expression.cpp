// A run-time number in an expression: expressions are types, so constants must be compile-time.
// expect: typegrad: a plain number in an expression
// expect: tg::constant<2> or 2.5_c
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 3>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto halved = x * 0.5_c;
#else
[[maybe_unused]] constexpr auto halved = x * 0.5;
#endif
