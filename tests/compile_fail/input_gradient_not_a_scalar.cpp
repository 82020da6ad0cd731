// tg::input_gradient of a model with several outputs: the expression must be a scalar per sample.
// expect: typegrad: input_gradient: the expression must be a scalar per sample
#include <vector>

#include <typegrad/input_gradient.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto model = tg::linear<"fc", 4, 3>(tg::input<"x", 4>);

std::vector<float> saliency(const tg::Parameters<decltype(model)>& params, const tg::data::dataset& d) {
#ifndef TYPEGRAD_COMPILE_FAIL
    return tg::input_gradient(tg::sum(model), params, d);
#else
    return tg::input_gradient(model, params, d);
#endif
}
