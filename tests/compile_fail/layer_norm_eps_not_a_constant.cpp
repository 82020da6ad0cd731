// tg::layer_norm with a run-time number as its eps: it must be a compile-time constant.
// expect: typegrad: layer_norm: eps must be a compile-time constant
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::layer_norm<"ln", 4>(x, 1e-6_c);
#else
[[maybe_unused]] constexpr auto h = tg::layer_norm<"ln", 4>(x, 1e-6);
#endif
