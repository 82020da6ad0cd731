// Parameters::value<"name">() with a name the model does not have.
// expect: typegrad: Parameters: the model has no parameter of this name
// expect: no_parameter_named<typegrad::error::name<'f', 'c', '\.', 'w', 'e', 'i', 'g', 'h', 't', 's'> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(x), tg::target<"y">);

float first_weight() {
    tg::Parameters params{loss};
#ifndef TYPEGRAD_COMPILE_FAIL
    return params.value<"fc.weight">()[0];
#else
    return params.value<"fc.weights">()[0];
#endif
}
