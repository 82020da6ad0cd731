// Concatenating a vector with an image: torch.cat needs the same dimensions but the first.
// expect: typegrad: concat / concat_branches: the operands must be two vectors
// expect: concat_shape_mismatch<typegrad::error::lhs<4>, typegrad::error::rhs<1, 2, 2> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr auto other = tg::tanh(x);
#else
constexpr auto other = tg::view<1, 2, 2>(x);
#endif
[[maybe_unused]] constexpr auto joined = tg::concat(x, other);
