// A tg::sequential applied to an expression whose width is not its first layer's input width.
// expect: typegrad: sequential: the stack's first tg::Linear<In, Out> takes In features
// expect: sequential_input_width_mismatch<typegrad::error::layer<1>, typegrad::error::in_features<10>, typegrad::error::input_width<8> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using model = tg::sequential<tg::ReLU, tg::Linear<10, 4>, tg::Sigmoid, tg::Linear<4, 1>>;
#ifndef TYPEGRAD_COMPILE_FAIL
[[maybe_unused]] constexpr auto prediction = model{}(tg::input<"x", 10>);
#else
[[maybe_unused]] constexpr auto prediction = model{}(tg::input<"x", 8>);
#endif
