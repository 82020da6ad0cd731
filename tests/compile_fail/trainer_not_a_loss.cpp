// tg::Trainer given a type that is not a loss expression.
// expect: typegrad: Trainer: the first template argument is not the type of a loss expression
// expect: trainer_needs_a_loss_expression<int>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(tg::input<"x", 10>), tg::target<"y">);

void train(const tg::data::dataset& data) {
    tg::Parameters params{loss};
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
#else
    tg::Trainer<int, tg::SGD> trainer{params, {.lr = 0.01}};
#endif
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
}
