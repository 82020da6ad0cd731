// A template argument of tg::sequential that is not a layer type: the diagnostic lists the library's
// layers from its catalogue.
// expect: typegrad: sequential: a template argument is not a layer type
// expect: sequential_argument_is_not_a_layer<typegrad::error::argument<1>, dense<10, 10> ?, typegrad::error::known_layers<typegrad::layers::with_widths<typegrad::Linear>, typegrad::Tanh, typegrad::ReLU, typegrad::Sigmoid, typegrad::Softplus, (.*, )?typegrad::layers::with_channels_and_kernel<typegrad::Conv2d>, .*typegrad::Flatten, typegrad::layers::with_dims<typegrad::Unflatten> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// A layer type used as a value, or a value used as a layer type, are the usual slips.
template <std::size_t In, std::size_t Out>
struct dense {};  // not derived from tg::layers::module

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Linear<10, 10>, tg::Linear<10, 10>>;
#else
using model = tg::sequential<tg::Linear<10, 10>, dense<10, 10>>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
