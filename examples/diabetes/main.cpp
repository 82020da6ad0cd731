// The diabetes story: a linear model and its mean squared error, written as C++ expressions, whose
// loss does not go down until an optimiser steps the parameters and the gradients are zeroed
// between steps. Three runs, printed one after another:
//   1. gradients computed, no optimiser step: the loss stays where it started;
//   2. SGD (lr 0.001) with step() and zero_grad() every iteration: the loss goes down;
//   3. step() without zero_grad(): every backward() adds to all earlier gradients.
// With --curves DIR it also trains with Adam and writes, for each of the four runs, the loss after
// every iteration to DIR/<run>.csv (scripts/diabetes_story draws them as docs/diabetes_story.png).
//
// Usage: diabetes [--epochs N] [--data FILE] [--check] [--curves DIR]
//   --check   exit non-zero unless the story holds (the tests run it so).
//   --curves  write DIR/no_step.csv, sgd.csv, no_zero_grad.csv, adam.csv: iteration, epoch, the
//             batch's loss (what backward() returned), the training and the test set's mse.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "../common/cli.hpp"

namespace tg = typegrad;

namespace {

enum class mode { no_step, sgd, no_zero_grad, adam };

// [model]
constexpr auto x = tg::input<"x", 10>;                   // one patient's 10 features
constexpr auto y = tg::target<"y">;                      // disease progression a year later
constexpr auto prediction = tg::linear<"fc", 10, 1>(x);  // fc.weight [1, 10], fc.bias [1]
constexpr auto loss = tg::mse(prediction, y);            // a type, known at compile time
// [model]

// The loss after every iteration, for the curves.
struct iteration_log {
    std::vector<double> batch, train, test;
    std::vector<int> epoch;
};

template <class Policy = tg::SGD>
std::vector<double> run(mode m, const tg::data::dataset& train, const tg::data::dataset& test, int epochs,
                        iteration_log* log = nullptr, typename Policy::options options = {.lr = 0.001}) {
    std::vector<double> test_loss;
    // [trainer]
    tg::Parameters params{loss};                                   // fc.weight and fc.bias, values and gradients
    tg::init::torch_default(params, /*seed=*/0);                   // the rule of torch.nn.Linear
    tg::Trainer<decltype(loss), Policy> trainer{params, options};  // tg::SGD, {.lr = 0.001}

    for (int epoch = 0; epoch < epochs; ++epoch) {
        const auto order = tg::data::shuffle{.seed = static_cast<std::uint64_t>(epoch)};
        for (auto batch : tg::data::batches(train, 32, order)) {
            if (m != mode::no_zero_grad)
                trainer.zero_grad();                            // forget it and gradients pile up
            const double batch_loss = trainer.backward(batch);  // grads += d(mean loss)/d(params)
            if (m != mode::no_step)
                trainer.step();  // params -= lr * grads
            if (log) {
                log->batch.push_back(batch_loss);
                log->train.push_back(trainer.loss(train));
                log->test.push_back(trainer.loss(test));
                log->epoch.push_back(epoch);
            }
        }
        test_loss.push_back(trainer.loss(test));
    }
    // [trainer]
    return test_loss;
}

void print(const char* title, const std::vector<double>& losses) {
    std::printf("\n%s\n", title);
    for (std::size_t e = 0; e < losses.size(); ++e)
        std::printf("  epoch %3zu  test mse %12.1f\n", e, losses[e]);
}

void write_curve(const std::filesystem::path& file, const iteration_log& log) {
    std::ofstream out(file);
    out << "iteration,epoch,batch_loss,train_loss,test_loss\n";
    char line[160];
    for (std::size_t i = 0; i < log.batch.size(); ++i) {
        std::snprintf(line, sizeof line, "%zu,%d,%.9g,%.9g,%.9g\n", i + 1, log.epoch[i], log.batch[i], log.train[i],
                      log.test[i]);
        out << line;
    }
    if (!out)
        throw std::runtime_error("diabetes: cannot write " + file.string());
}

// The four runs of docs/diabetes_story.png, one CSV file each.
void write_curves(const std::filesystem::path& dir, const tg::data::dataset& train, const tg::data::dataset& test,
                  int epochs) {
    std::filesystem::create_directories(dir);
    const std::pair<mode, const char*> runs[] = {
        {mode::no_step, "no_step"}, {mode::sgd, "sgd"}, {mode::no_zero_grad, "no_zero_grad"}};
    for (const auto& [m, name] : runs) {
        iteration_log log;
        run(m, train, test, epochs, &log);
        write_curve(dir / (std::string(name) + ".csv"), log);
    }
    // Adam's steps are about lr in size whatever the gradient's scale: on a raw target around 150,
    // lr = 0.001 would move the bias by a few units in the whole run, so Adam gets lr = 1.
    iteration_log log;
    run<tg::Adam>(mode::adam, train, test, epochs, &log, {.lr = 1.0});
    write_curve(dir / "adam.csv", log);
    std::printf("diabetes: wrote the loss per iteration of 4 runs to %s\n", dir.string().c_str());
}

}  // namespace

int main(int argc, char** argv) {
    // --curves DIR is this example's own; the rest is the common command line.
    std::string curves;
    std::vector<char*> args{argv, argv + argc};
    for (std::size_t i = 1; i + 1 < args.size(); ++i)
        if (std::string_view(args[i]) == "--curves") {
            curves = args[i + 1];
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                       args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
            break;
        }
    const example::options options = example::parse(static_cast<int>(args.size()), args.data(), "diabetes",
                                                    {.epochs = 30, .data = TYPEGRAD_EXAMPLE_DATA "/diabetes.csv"});
    const int epochs = options.epochs;
    const std::string& file = options.data;
    const bool check = options.check;

    // [data]
    const auto data = tg::data::read_csv(file, {.target = "target"});
    const auto [train_raw, test_raw] = tg::data::split(data, 0.8, /*seed=*/42);
    const auto scale = tg::data::standardizer<float>::fit(train_raw);  // the training rows' mean and std
    const auto train = scale.apply(train_raw), test = scale.apply(test_raw);
    // [data]
    std::printf("diabetes: %zu patients, %zu features; %zu to train, %zu to test\n", data.rows(), data.cols(),
                train.rows(), test.rows());
    if (!curves.empty()) {
        write_curves(curves, train, test, epochs);
        return 0;
    }

    const auto frozen = run(mode::no_step, train, test, epochs);
    print("1. backward() but no optimiser step: the parameters never change, neither does the loss", frozen);
    const auto sgd = run(mode::sgd, train, test, epochs);
    print("2. SGD(lr=0.001): zero_grad(), backward(), step() every batch: the loss goes down", sgd);
    const auto piled = run(mode::no_zero_grad, train, test, epochs);
    print("3. step() without zero_grad(): gradients pile up", piled);
    std::printf(
        "   Without zero_grad() every step follows the sum of all gradients since the start (momentum without\n"
        "   friction): the parameters overshoot back and forth and the loss swings instead of settling.\n");

    if (check) {
        const bool flat = frozen.front() == frozen.back();
        bool falls = sgd.back() < 0.5 * sgd.front();
        for (std::size_t e = 1; e < sgd.size(); ++e)
            falls = falls && sgd[e] < sgd[e - 1];
        bool worse = false;  // the loss climbs back above where it started
        for (double l : piled)
            worse = worse || l > piled.front();
        std::printf("\ncheck: flat without step %s, falling with SGD %s, swinging without zero_grad %s\n",
                    flat ? "yes" : "NO", falls ? "yes" : "NO", worse ? "yes" : "NO");
        return flat && falls && worse ? 0 : 1;
    }
    return 0;
}
