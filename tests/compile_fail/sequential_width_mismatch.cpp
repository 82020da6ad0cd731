// A layer of a tg::sequential whose input width is not the previous layer's output width.
// expect: typegrad: sequential: a layer's in_features differ from the previous layer's out_features
// expect: sequential_width_mismatch<typegrad::error::layer<2>, typegrad::error::in_features<31>, typegrad::error::previous_out_features<32> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>;
#else
using model = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<31, 1>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
