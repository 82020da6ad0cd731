// A small neural network on the diabetes data: 10 features -> 32 tanh units -> 1 output, written as
// a type (tg::sequential, torch.nn.Sequential's names "0.weight", "0.bias", "2.weight", "2.bias"),
// trained with Adam on the mean squared error. Every epoch prints the held-out patients' mean
// squared error (in the target's own units) and R², the fraction of the target's variance that
// the model explains.
//
// The features are standardised with the training rows' mean and std; so is the target (the
// network then starts near the right scale, as it would in torch with a scaled target), and the
// predictions are mapped back to the original units before the test metrics are computed.
//
// Usage: mlp_regression [--epochs N] [--data FILE] [--check]
//   --check  exit non-zero unless the test R² ends above min_test_r2 (below).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "../common/cli.hpp"

namespace tg = typegrad;

namespace {

// What --check demands of the last epoch's test R² (measured, GCC 12 and Clang 14 alike): with the
// defaults below (Adam lr 1e-3, batches of 32, 50 epochs) this network ends at 0.554, and from
// epoch 12 to 120 its test R² stays within 0.52-0.58. For comparison, the least-squares linear
// model reaches 0.557 on this very split (0.45-0.5 is typical of other splits): the diabetes data
// is close to linear, and a small network matches a linear model rather than beating it. A model
// that predicts the training mean scores about 0; 0.50 is well clear of that.
constexpr double min_test_r2 = 0.50;

// [model]
constexpr auto x = tg::input<"x", 10>;  // one patient's 10 standardised features
constexpr auto y = tg::target<"y">;     // disease progression a year later, standardised
using mlp = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>;
constexpr auto prediction = mlp{}(x);
constexpr auto loss = tg::mse(prediction, y);
// [model]

}  // namespace

int main(int argc, char** argv) {
    const example::options options =
        example::parse(argc, argv, "mlp_regression", {.epochs = 50, .data = TYPEGRAD_EXAMPLE_DATA "/diabetes.csv"});
    const int epochs = options.epochs;
    const std::string& file = options.data;
    const bool check = options.check;

    // [data]
    const auto data = tg::data::read_csv(file, {.target = "target"});
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/42);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);  // the training rows' statistics only
    auto train = scale.apply(train_raw);
    const auto test = scale.apply(test_raw);
    // The target, too, is standardised with the training rows' mean and std (population, as above).
    double y_mean = 0, y_std = 0;
    for (const float t : train.targets())
        y_mean += t;
    y_mean /= static_cast<double>(train.rows());
    for (const float t : train.targets())
        y_std += (t - y_mean) * (t - y_mean);
    y_std = std::sqrt(y_std / static_cast<double>(train.rows()));
    train.update([&](std::span<float>, std::span<float> targets) {
        for (float& t : targets)
            t = static_cast<float>((t - y_mean) / y_std);
    });
    // [data]
    std::printf("mlp_regression: diabetes, %zu patients, %zu features; %zu to train, %zu to test\n", data.rows(),
                data.cols(), train.rows(), test.rows());

    // [trainer]
    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    std::printf("model 10-32-1 (tanh), %zu parameters; Adam(lr=1e-3), batches of 32, %d epochs\n",
                params.values().size(), epochs);
    tg::Trainer<decltype(loss), tg::Adam> trainer{params, {.lr = 1e-3}};

    double r2 = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        for (auto batch : tg::data::batches(train, 32, tg::data::shuffle{.seed = static_cast<std::uint64_t>(epoch)})) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
        std::vector<float> predicted = tg::predict(prediction, params, test.all());
        double mse = 0;
        for (std::size_t r = 0; r < test.rows(); ++r) {
            predicted[r] = static_cast<float>(predicted[r] * y_std + y_mean);  // back to the target's units
            mse += (predicted[r] - test.target(r)) * (predicted[r] - test.target(r));
        }
        mse /= static_cast<double>(test.rows());
        r2 = tg::r2(predicted, test.targets());
        std::printf("  epoch %3d  test mse %8.1f  test R² %6.3f\n", epoch, mse, r2);
    }
    // [trainer]

    if (check) {
        const bool learns = r2 > min_test_r2;
        std::printf("\ncheck: test R² %.3f > %.2f %s\n", r2, min_test_r2, learns ? "yes" : "NO");
        return learns ? 0 : 1;
    }
    return 0;
}
