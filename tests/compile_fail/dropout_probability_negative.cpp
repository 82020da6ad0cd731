// tg::dropout with a negative probability: p must be in [0, 1], as torch's F.dropout checks.
// expect: typegrad: dropout: p must be a probability in .0, 1.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::dropout(x, 0.1_c);
#else
[[maybe_unused]] constexpr auto h = tg::dropout(x, -0.1_c);
#endif
