// An option the policy does not have: SGD's momentum given to Adam.
// expect: typegrad: Trainer: an option the optimiser policy does not have
// expect: options_written_for<typegrad::optim::SGD, typegrad::error::given_to<typegrad::optim::Adam> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(tg::input<"x", 10>), tg::target<"y">);

void train() {
    tg::Parameters params{loss};
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::Trainer<decltype(loss), tg::Adam> trainer{params, {.lr = 0.01, .betas = {0.9, 0.99}}};
#else
    tg::Trainer<decltype(loss), tg::Adam> trainer{params, {.lr = 0.01, .momentum = 0.9}};
#endif
    trainer.zero_grad();
    trainer.step();
}
