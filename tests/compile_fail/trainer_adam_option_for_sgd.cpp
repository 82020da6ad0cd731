// An option the policy does not have: Adam's betas given to SGD.
// expect: typegrad: Trainer: an option the optimiser policy does not have
// expect: options_written_for<typegrad::optim::Adam, typegrad::error::given_to<typegrad::optim::SGD> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(tg::input<"x", 10>), tg::target<"y">);

void train() {
    tg::Parameters params{loss};
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01, .momentum = 0.9}};
#else
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01, .betas = {0.9, 0.99}}};
#endif
    trainer.zero_grad();
    trainer.step();
}
