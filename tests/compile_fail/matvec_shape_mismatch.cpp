// tg::matvec of a matrix [Out, In] and a vector whose length is not In.
// expect: typegrad: matvec:
// expect: matvec_shape_mismatch<typegrad::error::weight<3, 10>, typegrad::error::input<9> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto w = tg::param<"w", 3, 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto h = tg::matvec(w, tg::input<"x", 10>);
#else
[[maybe_unused]] constexpr auto h = tg::matvec(w, tg::input<"x", 9>);
#endif
