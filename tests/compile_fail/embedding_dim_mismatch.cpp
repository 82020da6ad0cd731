// An embedding whose width Dim is not the in_features of the layer after it.
// expect: typegrad: sequential: a layer's in_features differ from the previous layer's out_features
// expect: sequential_width_mismatch<typegrad::error::layer<2>, typegrad::error::in_features<3>, typegrad::error::previous_out_features<4> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Column<1>, tg::Embedding<2, 4>, tg::Linear<4, 1>>;
#else
using model = tg::sequential<tg::Column<1>, tg::Embedding<2, 4>, tg::Linear<3, 1>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
