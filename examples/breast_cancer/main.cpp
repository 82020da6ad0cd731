// Logistic regression on the Wisconsin breast cancer data: one linear layer turns a tumour's 30
// standardised measurements into a logit z (log-odds of "benign"), trained with SGD on the binary
// cross-entropy tg::bce_with_logits(z, y) (torch: F.binary_cross_entropy_with_logits) by
// trainer.fit, whose progress line (stderr) shows every epoch's held-out mean loss and accuracy
// (predicting "benign" when z > 0, i.e. when the model's probability sigmoid(z) is above one half);
// early stopping on the held-out loss keeps the best epoch's weights.
//
// Usage: breast_cancer [--epochs N] [--data FILE] [--check]
//   --check  exit non-zero unless the test accuracy ends at or above min_test_accuracy (below).
#include <cstddef>
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
// lr 0.1, batches of 32, 30 epochs): 0.974 (3 of 114 test tumours wrong), reached at epoch 7 and
// never lost up to epoch 60; the test loss keeps falling (0.227 after the first epoch).
constexpr double min_test_accuracy = 0.95;

// [model]
constexpr auto x = tg::input<"x", 30>;                          // one tumour's 30 standardised measurements
constexpr auto y = tg::target<"y">;                             // 0 malignant, 1 benign
constexpr auto logit = tg::sequential<tg::Linear<30, 1>>{}(x);  // 0.weight [1, 30], 0.bias [1]
constexpr auto loss = tg::bce_with_logits(logit, y);
// [model]

}  // namespace

int main(int argc, char** argv) {
    const example::options options =
        example::parse(argc, argv, "breast_cancer", {.epochs = 30, .data = TYPEGRAD_EXAMPLE_DATA "/breast_cancer.csv"});
    const int epochs = options.epochs;
    const std::string& file = options.data;
    const bool check = options.check;

    // [data]
    const auto data = tg::data::read_csv(file, {.target = "target"});
    tg::data::check_class_targets(data, 2);  // bce_with_logits wants targets in [0, 1]: here 0 or 1
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/42);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);  // the training rows' statistics only
    const auto train = scale.apply(train_raw), test = scale.apply(test_raw);
    // [data]
    std::printf("breast_cancer: %zu tumours, %zu features; %zu to train, %zu to test\n", data.rows(), data.cols(),
                train.rows(), test.rows());
    std::printf("model: logistic regression (31 parameters); SGD(lr=0.1), batches of 32, %d epochs\n", epochs);

    // [trainer]
    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};

    // Every epoch: the progress line on stderr with the held-out tumours' loss and accuracy; the fit
    // stops when the held-out loss has not fallen for 5 epochs, and keeps the best epoch's weights.
    tg::validation_loss test_loss{test};                                          // "loss", lower is better
    tg::validation test_accuracy{logit, params, test, "accuracy", tg::accuracy};  // class 1 where logit > 0
    tg::early_stopping stop{{.monitor = "loss", .patience = 5}};
    trainer.fit(train, {.epochs = static_cast<std::size_t>(epochs), .batch_size = 32}, tg::progress_bar{}, test_loss,
                test_accuracy, stop);
    const double accuracy = tg::accuracy(tg::predict(logit, params, test.all()), test.targets());
    std::printf("test loss %.4f  test accuracy %.3f (the parameters of epoch %zu)\n", trainer.loss(test), accuracy,
                stop.best_epoch().value_or(0));
    // [trainer]

    if (check) {
        const bool learns = accuracy >= min_test_accuracy;
        std::printf("\ncheck: test accuracy %.3f >= %.2f %s\n", accuracy, min_test_accuracy, learns ? "yes" : "NO");
        return learns ? 0 : 1;
    }
    return 0;
}
