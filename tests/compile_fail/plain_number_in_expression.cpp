// A run-time number in an expression: expressions are types, so constants must be compile-time.
// The composite loss built on it goes on, and trains, with no second message.
// expect: typegrad: a plain number in an expression
// expect: tg::constant<2> or 2.5_c
// max-errors: 1
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 3>;
constexpr auto w = tg::param<"w", 3>;
constexpr auto p = tg::dot(x, w);
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr auto loss = tg::mse(p, tg::target<"y">) + 1e-3_c * tg::sum(tg::square(w));
#else
constexpr auto loss = tg::mse(p, tg::target<"y">) + 1e-3 * tg::sum(tg::square(w));
#endif

void train(const tg::data::dataset& data) {
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
}
