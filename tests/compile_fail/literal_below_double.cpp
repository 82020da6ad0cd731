// A nonzero _c literal below half the least double (subnormal), 2^-1075: a double literal would
// be 0, with the compiler's warning (GCC's -Woverflow, Clang's -Wliteral-range); _c stops.
// expect: typegrad: _c: the literal is below half the least double, 4.9406564584124654e-324
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::layer_norm<"ln", 4>(x, 2.4703282292062328e-324_c);
#else
[[maybe_unused]] constexpr auto h = tg::layer_norm<"ln", 4>(x, 2.4703282292062327e-324_c);
#endif
