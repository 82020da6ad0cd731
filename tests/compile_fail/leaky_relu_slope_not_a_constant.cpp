// tg::leaky_relu with a run-time number as its slope: it must be a compile-time constant.
// expect: typegrad: leaky_relu: negative_slope must be a compile-time constant
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::leaky_relu(x, 0.2_c);
#else
[[maybe_unused]] constexpr auto h = tg::leaky_relu(x, 0.2);
#endif
