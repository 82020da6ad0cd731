// Compile-time workload: gradient accumulation as PyTorch users write it: backward() on four
// micro-batches adds into the gradients, then one step() and one zero_grad(); a linear model on
// the diabetes data with SGD and momentum, the mean squared error printed each epoch.
//   g++-12 -std=c++20 -O2 -march=native -I include -c bench/compile_time/accumulation.cpp
#include <cstddef>
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 10>;
constexpr auto y = tg::target<"y">;
constexpr auto prediction = tg::linear<"fc", 10, 1>(x);
constexpr auto loss = tg::mse(prediction, y);

}  // namespace

int main(int argc, char** argv) {
    const auto data = tg::data::read_csv(argc > 1 ? argv[1] : "diabetes.csv", {.target = "target"});
    const auto scale = tg::data::standardizer<float>::fit(data);
    const auto train = scale.apply(data);

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.001, .momentum = 0.9}};
    constexpr std::size_t accumulate = 4;
    for (int epoch = 0; epoch < 20; ++epoch) {
        std::size_t micro = 0;
        trainer.zero_grad();
        for (auto batch : tg::data::batches(train, 8, tg::data::no_shuffle{})) {
            trainer.backward(batch);  // adds into .grad
            if (++micro % accumulate == 0) {
                trainer.step();
                trainer.zero_grad();
            }
        }
        std::printf("epoch %d: mse %.2f\n", epoch, trainer.loss(train));
    }
}
