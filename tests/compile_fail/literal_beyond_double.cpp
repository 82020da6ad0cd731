// A _c literal beyond the greatest double: a double literal would be inf, with the compiler's
// warning (GCC's -Woverflow, Clang's -Wliteral-range); _c stops.
// expect: typegrad: _c: the literal is beyond the greatest double, 1.7976931348623157e308
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::clamp(x, -1.7976931348623157e308_c, 1.7976931348623158e308_c);
#else
[[maybe_unused]] constexpr auto h = tg::clamp(x, -1.7976931348623157e308_c, 1.7976931348623159e308_c);
#endif
