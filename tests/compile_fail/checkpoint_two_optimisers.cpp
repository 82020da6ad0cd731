// A checkpoint given two optimisers, a Trainer and an LBFGS over the same parameters: it holds the
// state of one.
// expect: typegrad: save and load take at most one optimiser: a Trainer or an LBFGS
#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(tg::input<"x", 10>), tg::target<"y">);

void save_fit() {
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params};
    tg::LBFGS lbfgs{params};
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::save("fit.safetensors", params, lbfgs);
    tg::save("train.safetensors", params, trainer);
#else
    tg::save("fit.safetensors", params, trainer, lbfgs);
#endif
}
