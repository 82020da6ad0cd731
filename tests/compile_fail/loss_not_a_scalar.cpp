// Training a "loss" that is a vector per sample.
// expect: typegrad: the loss must be a scalar per sample
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
constexpr auto errors = tg::square(tg::linear<"fc", 10, 3>(x));
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr auto loss = tg::mean(errors);
#else
constexpr auto loss = errors;
#endif

void train(const tg::data::dataset& data) {
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
}
