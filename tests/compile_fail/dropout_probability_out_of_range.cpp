// tg::Dropout with a probability above 1: p must be in [0, 1], as torch's nn.Dropout checks.
// expect: typegrad: dropout: p must be a probability in .0, 1.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::sequential<tg::Linear<4, 8>, tg::Dropout<0.5_c>>{}(x);
#else
[[maybe_unused]] constexpr auto h = tg::sequential<tg::Linear<4, 8>, tg::Dropout<1.5_c>>{}(x);
#endif
