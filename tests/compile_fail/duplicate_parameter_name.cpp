// Two different parameters with one name (here two layers both called "fc").
// expect: typegrad: two different parameters have the same name
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr auto prediction = tg::linear<"fc2", 4, 1>(tg::tanh(tg::linear<"fc1", 10, 4>(x)));
#else
constexpr auto prediction = tg::linear<"fc", 4, 1>(tg::tanh(tg::linear<"fc", 10, 4>(x)));
#endif
constexpr auto loss = tg::mse(prediction, tg::target<"y">);

void train(const tg::data::dataset& data) {
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
}
