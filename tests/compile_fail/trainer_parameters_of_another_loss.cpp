// The parameters of one loss handed to the trainer of another.
// expect: typegrad: Trainer: the parameters are those of another loss
// expect: tg::Parameters params\{loss\}
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
[[maybe_unused]] constexpr auto loss_a = tg::mse(tg::linear<"fc", 10, 1>(x), tg::target<"y">);
constexpr auto loss_b = tg::mse(tg::linear<"fc", 10, 1>(tg::tanh(tg::linear<"hidden", 10, 10>(x))), tg::target<"y">);

void train() {
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::Parameters params{loss_b};
#else
    tg::Parameters params{loss_a};
#endif
    tg::Trainer<decltype(loss_b), tg::SGD> trainer{params};
    trainer.zero_grad();
    trainer.step();
}
