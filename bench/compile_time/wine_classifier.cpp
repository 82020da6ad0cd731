// Compile-time workload: what a new user writes first. The wine data (13 features, 3 classes),
// split and standardised, a 13-16-3 classifier trained with AdamW and OneCycleLR in shuffled
// mini-batches, the held-out accuracy printed each epoch.
//   g++-12 -std=c++20 -O2 -march=native -I include -c bench/compile_time/wine_classifier.cpp
#include <cstdint>
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 13>;
constexpr auto y = tg::class_target<"y", 3>;
constexpr auto logits = tg::linear<"out", 16, 3>(tg::relu(tg::linear<"hidden", 13, 16>(x)));
constexpr auto loss = tg::cross_entropy(logits, y);

}  // namespace

int main(int argc, char** argv) {
    const auto data = tg::data::read_csv(argc > 1 ? argv[1] : "wine.csv", {.target = "target"});
    tg::data::check_class_targets(data, 3);
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/1);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);
    const auto train = scale.apply(train_raw), test = scale.apply(test_raw);

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::AdamW> trainer{params, {.lr = 1e-3, .weight_decay = 1e-2}};
    constexpr int epochs = 30;
    tg::OneCycleLR schedule{trainer.optimizer(), {.max_lr = 0.05, .epochs = epochs, .steps_per_epoch = 9}};
    for (int epoch = 0; epoch < epochs; ++epoch) {
        for (auto batch : tg::data::batches(train, 16, tg::data::shuffle{.seed = static_cast<std::uint64_t>(epoch)})) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
            schedule.step();
        }
        std::printf("epoch %d: loss %.4f, accuracy %.3f\n", epoch, trainer.loss(test),
                    tg::accuracy(tg::predict(logits, params, test.all()), test.targets()));
    }
}
