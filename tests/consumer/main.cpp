// The consumer of an installed typegrad (tests/consumer/CMakeLists.txt): fits y = 2a - b + 0.5 with
// one linear layer and SGD, and exits non-zero unless the loss fell below 1e-4.
#include <cstdio>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 2>;
constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x), tg::target<"y">);

int main() {
    std::vector<float> features, targets;
    for (int i = 0; i < 16; ++i) {
        const float a = static_cast<float>(i % 4) - 1.5f, b = static_cast<float>(i / 4) - 1.5f;
        features.insert(features.end(), {a, b});
        targets.push_back(2 * a - b + 0.5f);
    }
    const tg::data::dataset data({"a", "b"}, "y", features, targets);

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    const float first = trainer.loss(data);
    for (int epoch = 0; epoch < 200; ++epoch) {
        trainer.zero_grad();
        trainer.backward(data);
        trainer.step();
    }
    const float last = trainer.loss(data);
    std::printf("consumer: mse %.6f -> %.6f\n", static_cast<double>(first), static_cast<double>(last));
    return last < 1e-4f ? 0 : 1;
}
