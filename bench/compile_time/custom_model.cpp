// Compile-time workload: a custom model written from the expression language's leaves, not a
// layer: a damped response a * exp(-b * t) + c * tanh(w . x) fitted with Adam to a regression
// target read from a CSV file, evaluated by R².
//   g++-12 -std=c++20 -O2 -march=native -I include -c bench/compile_time/custom_model.cpp
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 4>;
constexpr auto y = tg::target<"y">;
constexpr auto a = tg::param<"a">;
constexpr auto b = tg::param<"b">;
constexpr auto c = tg::param<"c">;
constexpr auto w = tg::param<"w", 4>;
constexpr auto prediction = a * tg::exp(-(b * tg::sum(tg::square(x)))) + c * tg::tanh(tg::dot(w, x));
constexpr auto loss = tg::huber(prediction, y) + tg::constant<1> / tg::constant<1000> * tg::sum(tg::square(w));

}  // namespace

int main(int argc, char** argv) {
    const auto data = tg::data::read_csv(argc > 1 ? argv[1] : "response.csv", {.target = "y"});
    const auto [train, test] = tg::data::split(data, 0.75, /*seed=*/3);

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::Adam> trainer{params, {.lr = 0.01}};
    for (int epoch = 0; epoch < 200; ++epoch) {
        trainer.zero_grad();
        trainer.backward(train);
        trainer.step();
    }
    std::printf("R2 %.4f\n", tg::r2(tg::predict(prediction, params, test.all()), test.targets()));
}
