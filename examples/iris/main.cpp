// Softmax regression on Fisher's iris flowers: one linear layer turns a flower's 4 standardised
// measurements into 3 scores (logits), one per species, trained with SGD on the cross-entropy
// tg::cross_entropy(logits, y) against the class index y (torch: F.cross_entropy). Every epoch
// prints the held-out flowers' mean loss and accuracy (the predicted species is the one with the
// largest score).
//
// Usage: iris [--epochs N] [--data FILE] [--check]
//   --check  exit non-zero unless the test accuracy ends at or above min_test_accuracy (below).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "../common/cli.hpp"

namespace tg = typegrad;

namespace {

// What --check demands of the last epoch's test accuracy. Measured with the defaults below (SGD
// lr 0.1, batches of 16, 50 epochs): 0.967 (1 of 30 test flowers wrong), from epoch 12 on never
// below 0.933; the test loss keeps falling (0.548 after the first epoch, 0.191 after 50).
constexpr double min_test_accuracy = 0.9;

constexpr std::size_t species = 3;

// [model]
constexpr auto x = tg::input<"x", 4>;                     // sepal length and width, petal length and width
constexpr auto y = tg::class_target<"y", species>;        // 0 setosa, 1 versicolor, 2 virginica
constexpr auto logits = tg::linear<"fc", 4, species>(x);  // fc.weight [3, 4], fc.bias [3]
constexpr auto loss = tg::cross_entropy(logits, y);
// [model]

}  // namespace

int main(int argc, char** argv) {
    const example::options options =
        example::parse(argc, argv, "iris", {.epochs = 50, .data = TYPEGRAD_EXAMPLE_DATA "/iris.csv"});
    const int epochs = options.epochs;
    const std::string& file = options.data;
    const bool check = options.check;

    // [data]
    const auto data = tg::data::read_csv(file, {.target = "target"});
    tg::data::check_class_targets(data, species);  // every target a class index 0, 1 or 2 (else: which row)
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/42);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);  // the training rows' statistics only
    const auto train = scale.apply(train_raw), test = scale.apply(test_raw);
    // [data]
    std::printf("iris: %zu flowers, %zu features, %zu species; %zu to train, %zu to test\n", data.rows(), data.cols(),
                species, train.rows(), test.rows());
    std::printf("model: softmax regression (15 parameters); SGD(lr=0.1), batches of 16, %d epochs\n", epochs);

    // [trainer]
    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};

    double accuracy = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        for (auto batch : tg::data::batches(train, 16, tg::data::shuffle{.seed = static_cast<std::uint64_t>(epoch)})) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
        accuracy = tg::accuracy(tg::predict(logits, params, test.all()), test.targets());  // argmax of the logits
        std::printf("  epoch %3d  test loss %.4f  test accuracy %.3f\n", epoch, trainer.loss(test), accuracy);
    }
    // [trainer]

    if (check) {
        const bool learns = accuracy >= min_test_accuracy;
        std::printf("\ncheck: test accuracy %.3f >= %.2f %s\n", accuracy, min_test_accuracy, learns ? "yes" : "NO");
        return learns ? 0 : 1;
    }
    return 0;
}
