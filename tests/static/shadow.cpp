// The library's headers compile clean with -Wshadow when the user follows the docs and names the
// input and the target `x` and `y` at namespace scope (tests/static/CMakeLists.txt builds this file
// with -Wshadow -Werror): the README's program, a stack of layers, a classification loss, the
// per-sample and evaluation functions, and the stateful layers with L-BFGS and a checkpoint, each
// instantiated. (GCC checks a template's locals when it parses it, before these globals exist, but a
// lambda's again at each instantiation: the lambdas are what this file catches.)
#include <cstdio>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::input<"x", 10>;
constexpr auto y = tg::target<"y">;
constexpr auto prediction = tg::linear<"fc", 10, 1>(x);
constexpr auto loss = tg::mse(prediction, y);

// The README's program.
[[maybe_unused]] void readme_program() {
    const auto data = tg::data::read_csv("diabetes.csv", {.target = "target"});
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/42);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);
    const auto train = scale.apply(train_raw), test = scale.apply(test_raw);

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.001}};

    for (unsigned epoch = 0; epoch < 30; ++epoch) {
        for (auto batch : tg::data::batches(train, 32, tg::data::shuffle{.seed = epoch})) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
        std::printf("epoch %2u  test mse %.1f\n", epoch, static_cast<double>(trainer.loss(test)));
    }
    const std::vector<float> predicted = tg::predict(prediction, params, test);
    std::printf("r2 %.3f\n", tg::r2(predicted, test.targets()));
}

// A stack of layers, a classification loss with every op family, and Adam.
using model = tg::sequential<tg::Linear<10, 16>, tg::ReLU, tg::Linear<16, 3>>;
constexpr auto logits = model{}(x);
constexpr auto label = tg::class_target<"y", 3>;
constexpr auto w = tg::param<"w", 3>;
constexpr auto penalty = tg::sum(tg::square(w)) + tg::mean(tg::abs(tg::clamp(w, -1_c, 1_c)));
constexpr auto classify = tg::cross_entropy(logits + w, label) + 1e-3_c * penalty;

[[maybe_unused]] void classifier_program(const tg::data::dataset& data) {
    tg::Parameters params{classify};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(classify), tg::Adam> trainer{params, {.lr = 0.01}};
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
    const std::vector<float> scores = tg::predict(logits, params, data);
    std::printf("accuracy %.3f\n", tg::accuracy(scores, data.targets()));
}

// Per-sample values and gradients, and the finite-difference check, in double.
constexpr auto smooth = tg::huber(tg::dot(x, tg::param<"v", 10>), y) + tg::smooth_l1(tg::sigmoid(tg::param<"s">), y);

[[maybe_unused]] void check_program() {
    tg::Parameters<decltype(smooth), double> params;
    const std::array<double, 10> features{};
    const std::array<double, 1> targets{};
    std::printf("%f\n", tg::backward(smooth, params, features, targets));
    std::printf("%s\n", tg::gradcheck(smooth, params, features, targets).report.c_str());
}

// The layers that keep state or read the data's columns: BatchNorm (its batch-level sweep and
// running statistics), Dropout, an embedded column; and L-BFGS saved in a checkpoint.
using normalised = tg::sequential<tg::Columns<1, 2, 3, 4, 5, 6, 7, 8, 9>, tg::Linear<9, 8>, tg::BatchNorm1d<8>,
                                  tg::ReLU, tg::Dropout<0.25_c>, tg::Linear<8, 1>>;
constexpr auto sex = tg::embedding<"sex", 2, 2>(tg::column<0>(x));
constexpr auto mixed = tg::mse(tg::linear<"out", 3, 1>(tg::concat(sex, normalised{}(x))), y);

[[maybe_unused]] void stateful_program(const tg::data::dataset& data) {
    tg::Parameters params{mixed};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(mixed), tg::AdamW> trainer{params, {.lr = 0.01}};
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
    const std::vector<float> predicted = tg::predict(mixed, params, data);
    std::printf("%zu\n", predicted.size());

    tg::LBFGS lbfgs{params, {.line_search_fn = tg::line_search::strong_wolfe}};
    lbfgs.step([&] {
        trainer.zero_grad();
        return trainer.backward(data);
    });
    tg::save("run.safetensors", params, lbfgs);
    tg::load("run.safetensors", params, lbfgs);
}
