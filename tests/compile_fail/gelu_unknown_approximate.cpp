// tg::GELU with an `approximate` that torch does not know (torch raises the same words at run time).
// expect: typegrad: gelu: approximate argument must be either none or tanh
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::sequential<tg::Linear<4, 8>, tg::GELU<"tanh">>{}(x);
#else
[[maybe_unused]] constexpr auto h = tg::sequential<tg::Linear<4, 8>, tg::GELU<"erf">>{}(x);
#endif
