// A small convolutional network reads handwritten digits: each row's 64 pixels as a 1x8x8 image,
// two 3x3 convolutions (8 then 16 channels, zero padding 1) each followed by relu and a 2x2 max
// pool, then the 16x2x2 features flattened into 10 scores; written as a type (tg::sequential,
// torch.nn.Sequential's names) and trained with AdamW on mini-batches of the cross-entropy by
// trainer.fit, the learning rate following the one-cycle policy (tg::OneCycleLR, stepped after
// every batch by tg::schedule_lr); the progress line (stderr) shows every epoch's held-out loss and
// accuracy. The pixels are standardised with the training images' statistics, as examples/digits
// does.
//
// torch:
//     nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
//                   nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))
//
// Usage: digits_cnn [--epochs N] [--data FILE] [--check]
//   --check   exit non-zero unless the test accuracy ends at or above min_test_accuracy (below).
#include <cstddef>
#include <cstdio>
#include <string>

#include <typegrad/typegrad.hpp>

#include "../common/cli.hpp"

namespace tg = typegrad;

namespace {

// What --check demands of the last test accuracy. The recipe below (AdamW, weight decay 2e-2, lr
// following one cycle up to 2e-2, batches of 16, 100 epochs, the last epoch's parameters) measured
// over init seeds 0 to 7: 0.992 (seed 0, 3 of 360 test images wrong), 0.986, 0.986, 0.981, 0.986,
// 0.986, 0.981, 0.978: median 0.986, seven of eight at or above 0.98, the worst 8 images wrong
// (GCC 12). Built with Clang 14, whose results differ in the last bits and so drift apart over 9,000
// steps: 0.983 with seed 0, 0.978 to 0.989 over the eight, median 0.983, again seven of eight.
// Around it, peak lr 1e-2 to 3e-2, weight decay 1e-2 to 1e-1, batches of 8 to 32 and 60 to 150
// epochs gave medians of 0.978 to 0.986 and minima of 0.972 to 0.978: no recipe tried held 0.98 for
// all eight seeds. The recipe it replaced (Adam lr 3e-3, batches of 32, up to 40 epochs, early
// stopping on the test loss) gave 0.964 to 0.992, median 0.975, and 0.975 with seed 0.
constexpr double min_test_accuracy = 0.98;

constexpr double max_lr = 2e-2, weight_decay = 2e-2;
constexpr std::size_t batch_size = 16;

constexpr std::size_t digits = 10;

// [model]
constexpr auto x = tg::input<"x", 64>;              // one image, 8x8 pixels row after row, standardised
constexpr auto y = tg::class_target<"y", digits>;   // the digit it shows, 0..9
using cnn = tg::sequential<tg::Unflatten<1, 8, 8>,  // [1, 8, 8]
                           tg::Conv2d<1, 8, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,   // [8, 4, 4]
                           tg::Conv2d<8, 16, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,  // [16, 2, 2]
                           tg::Flatten, tg::Linear<64, digits>>;                    // [10]
constexpr auto logits = cnn{}(x);  // 1.weight [8, 1, 3, 3], 1.bias, 4.weight [16, 8, 3, 3], 4.bias, 8.weight, 8.bias
constexpr auto loss = tg::cross_entropy(logits, y);
// [model]

}  // namespace

int main(int argc, char** argv) {
    const example::options options =
        example::parse(argc, argv, "digits_cnn", {.epochs = 100, .data = TYPEGRAD_EXAMPLE_DATA "/digits.csv"});

    const auto data = tg::data::read_csv(options.data, {.target = "target"});
    tg::data::check_class_targets(data, digits);
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/42);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);
    const auto train = scale.apply(train_raw), test = scale.apply(test_raw);
    std::printf("digits: %zu images of %zu pixels; %zu to train, %zu to test\n", data.rows(), data.cols(), train.rows(),
                test.rows());

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);  // torch's rule: ±1/√fan_in, fan_in = In·K·K for a convolution
    using trainer_type = tg::Trainer<decltype(loss), tg::AdamW>;
    trainer_type trainer{params, {.lr = max_lr, .weight_decay = weight_decay}};
    const auto epochs = static_cast<std::size_t>(options.epochs);
    const auto steps_per_epoch = static_cast<long>((train.rows() + batch_size - 1) / batch_size);
    tg::OneCycleLR<trainer_type::optimizer_type> schedule{
        trainer.optimizer(), {.max_lr = max_lr, .epochs = options.epochs, .steps_per_epoch = steps_per_epoch}};
    std::printf(
        "model conv(8)-pool-conv(16)-pool-linear, %zu parameters; AdamW(weight_decay=%g) with "
        "OneCycleLR(max_lr=%g), batches of %zu, %zu epochs\n",
        params.values().size(), weight_decay, max_lr, batch_size, epochs);

    tg::validation_loss test_loss{test};
    tg::validation test_accuracy{logits, params, test, "accuracy", tg::accuracy};
    trainer.fit(train, {.epochs = epochs, .batch_size = batch_size}, tg::progress_bar{}, test_loss, test_accuracy,
                tg::schedule_lr{schedule});
    const double accuracy = tg::accuracy(tg::predict(logits, params, test.all()), test.targets());
    std::printf("test loss %.4f  test accuracy %.3f\n", trainer.loss(test), accuracy);

    if (options.check) {
        const bool learns = accuracy >= min_test_accuracy;
        std::printf("\ncheck: test accuracy %.3f >= %.2f %s\n", accuracy, min_test_accuracy, learns ? "yes" : "NO");
        return learns ? 0 : 1;
    }
    return 0;
}
