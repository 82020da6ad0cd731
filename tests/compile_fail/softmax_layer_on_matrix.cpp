// tg::Softmax is taken over one sample's features: a matrix operand is refused, as tg::softmax's.
// expect: typegrad: logsumexp / softmax / log_softmax: the operand must be a vector
// expect: operand_is_not_a_vector<typegrad::error::operand<2, 3> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto p = tg::sequential<tg::Softmax>{}(tg::param<"w", 6>);
#else
[[maybe_unused]] constexpr auto p = tg::sequential<tg::Softmax>{}(tg::param<"w", 2, 3>);
#endif
