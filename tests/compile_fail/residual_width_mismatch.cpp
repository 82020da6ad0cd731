// A residual block whose branch does not give back the width it takes: x + f(x) has no meaning.
// expect: typegrad: residual: the branch's output width differs from its input width
// expect: residual_width_mismatch<typegrad::error::input<16>, typegrad::error::branch_output<8> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
#ifndef TYPEGRAD_COMPILE_FAIL
using block = tg::residual<tg::Linear<16, 8>, tg::ReLU, tg::Linear<8, 16>>;
#else
using block = tg::residual<tg::Linear<16, 8>, tg::ReLU>;
#endif
using model = tg::sequential<tg::Linear<4, 16>, block, tg::Linear<16, 3>>;
[[maybe_unused]] constexpr auto prediction = model{}(x);
