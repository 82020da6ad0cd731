// A _c literal that is not decimal (hexadecimal, binary): _c reads decimal digits only.
// expect: typegrad: _c takes a decimal literal such as 2.5_c or 1e-3_c
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::pow(x, 16_c);
#else
[[maybe_unused]] constexpr auto h = tg::pow(x, 0x10_c);
#endif
