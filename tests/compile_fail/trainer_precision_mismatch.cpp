// A float trainer over double parameters.
// expect: typegrad: Trainer: the parameters and the trainer compute in different precisions
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(tg::input<"x", 10>), tg::target<"y">);

void train() {
    tg::Parameters<decltype(loss), double> params;
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::Trainer<decltype(loss), tg::SGD, double> trainer{params, {.lr = 0.01}};
#else
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
#endif
    trainer.zero_grad();
    trainer.step();
}
