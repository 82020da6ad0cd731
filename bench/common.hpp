// What every contender of bench_training shares: the data (loaded, scaled and permuted once),
// the workloads, the initial parameters, the batch order, an fp64 reference, and the harness that
// refuses to time a contender until it has been shown to train like the reference.
//
// A contender is one translation unit that registers its runners at static-initialisation time:
//
//     namespace tb = typegrad_bench;
//     struct my_w1 { explicit my_w1(const tb::workload&); void reset(); void run();
//                    double loss(); std::vector<double> parameters(); };
//     const bool registered = (tb::register_benchmark<my_w1>(tb::workload_id::w1, "mine"), true);
//
// which registers `BM_W1_mine`. The runner interface, for every workload kind:
//   - explicit runner(const workload&)  set up (not timed): copy the data into the layout you like;
//   - void reset()                      initial parameters, zero gradients and optimiser state;
//   - void run()                        ONE timed unit: a step (W1), an epoch (W2-W4), a forward
//                                       pass (W1fwd, W3fwd) or a gradient (W5, W3grad);
//   - double loss()                     train: mean loss over the whole data set at the current
//                                       parameters; forward: the loss the last run() computed;
//   - std::vector<double> parameters()  train only: current parameters, flattened in torch layout
//                                       (layer by layer: weight [out][in] row-major, then bias);
//   - std::vector<double> gradient()    gradient only: the gradient left by the last run(), same
//                                       layout.
// bench/typegrad_*.cpp files are picked up by bench/CMakeLists.txt automatically.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typegrad_bench {

// ---------------------------------------------------------------------------------------------
// Data

// Row-major float32 data with one target per row.
struct dataset {
    std::vector<float> features;  // rows() x cols(), row-major
    std::vector<float> targets;   // rows(); a class index stored as float for classification
    std::size_t n_rows = 0;
    std::size_t n_cols = 0;
    std::size_t rows() const { return n_rows; }
    std::size_t cols() const { return n_cols; }
    const float* row(std::size_t i) const { return features.data() + i * n_cols; }
};

// diabetes.csv: 442 x 10, features standardised with the population std, target raw.
// digits.csv: 1797 x 64, pixels / 16, target the digit 0..9.
// Both already permuted with a fixed seed (the same order every epoch, for every contender), so
// that every mini-batch is a contiguous block of rows.
const dataset& diabetes();
const dataset& digits();

// The row order used for each data set: permuted[i] = original row permutation()[i].
std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed);

// ---------------------------------------------------------------------------------------------
// Workloads

enum class activation { none, tanh, relu };
enum class loss_kind { mse, cross_entropy };
enum class optimiser { sgd, adam };
enum class workload_kind { train, forward, gradient };

enum class workload_id { w1, w2, w3, w4, w1fwd, w5, w3fwd, w3grad, w7, w8, w9 };
inline constexpr workload_id all_workloads[] = {
    workload_id::w1,    workload_id::w2,     workload_id::w3, workload_id::w4, workload_id::w1fwd, workload_id::w5,
    workload_id::w3fwd, workload_id::w3grad, workload_id::w7, workload_id::w8, workload_id::w9};
// The wide two-hidden-layer MLP's workloads, which the two-thread contenders run.
inline constexpr workload_id wide_workloads[] = {workload_id::w7, workload_id::w8};

// mlp: Linear layers of `sizes`. digits_cnn: examples/digits_cnn's network (the shapes below).
enum class network { mlp, digits_cnn };

// sizes = {in, out} (linear) or {in, hidden, out}; the activation follows every layer but the last.
// A digits_cnn's sizes are {64, 10} (its input and output), its activation relu.
struct model_spec {
    std::vector<int> sizes;
    activation act = activation::none;
    loss_kind loss = loss_kind::mse;
    network net = network::mlp;
    std::size_t layers() const { return sizes.size() - 1; }
    std::size_t parameter_count() const;
};

// examples/digits_cnn's network (W9): a row's 64 pixels as a 1x8x8 image, Conv2d(1, 8, 3, padding=1),
// ReLU, MaxPool2d(2), Conv2d(8, 16, 3, padding=1), ReLU, MaxPool2d(2), Flatten (16x2x2), Linear(64, 10).
// Parameters in torch's order: conv1.weight [8][1][3][3], conv1.bias, conv2.weight [16][8][3][3],
// conv2.bias, linear.weight [10][64], linear.bias.
namespace cnn {
inline constexpr std::size_t side = 8, c1 = 8, c2 = 16, k = 3, classes = 10;
inline constexpr std::size_t side1 = side / 2, side2 = side1 / 2;  // after each pool: 4, 2
inline constexpr std::size_t features = c2 * side2 * side2;        // 64
inline constexpr std::size_t w1 = 0, b1 = w1 + c1 * k * k, w2 = b1 + c1, b2 = w2 + c2 * c1 * k * k, w3 = b2 + c2,
                             b3 = w3 + classes * features, count = b3 + classes;  // offsets; 1898 parameters
}  // namespace cnn

struct workload {
    workload_id id;
    std::string_view name;  // "W1", "W1fwd", ...
    std::string_view unit;  // what one run() is: "step", "epoch", "forward", "gradient"
    workload_kind kind;
    const dataset* data;
    model_spec model;
    optimiser opt = optimiser::sgd;
    float lr = 1e-3f;
    std::size_t batch = 0;          // rows per step; the last batch of an epoch may be shorter
    std::size_t steps_per_run = 1;  // steps in one run(): 1 for W1, ceil(rows / batch) for epochs
    int verify_runs = 1;            // run() calls before the loss is checked against the reference
    int quick_verify_runs = 0;      // W7, W8: the run() calls when TYPEGRAD_BENCH_QUICK_VERIFY=1
                                    // (bench_training_smoke); 0: always verify_runs

    const dataset& d() const { return *data; }
    // Rows [begin, begin + count) of the permuted data form step `s` of an epoch.
    std::pair<std::size_t, std::size_t> batch_rows(std::size_t s) const;
};

const workload& get(workload_id id);

// Adam's torch defaults; lr is per workload.
inline constexpr float adam_beta1 = 0.9f;
inline constexpr float adam_beta2 = 0.999f;
inline constexpr float adam_eps = 1e-8f;

// The same initial parameters for every contender: torch.nn.Linear's rule, U(-1/sqrt(in),
// 1/sqrt(in)) for weight and bias, drawn from a splitmix64 stream with a fixed seed per model
// (pytorch_bench.py draws the identical values). Torch layout, see the top of this file.
std::vector<float> initial_parameters(const workload& w);

// ---------------------------------------------------------------------------------------------
// fp64 reference (plain loops, the data and initial parameters promoted to double)

// Mean loss of `params` (torch layout) over the whole data set.
double reference_loss(const workload& w, const std::vector<double>& params);
// Full-batch gradient of the mean loss w.r.t. params (torch layout).
std::vector<double> reference_gradient(const workload& w, const std::vector<double>& params);
// Parameters after `runs` units of training from the initial parameters (computed once per
// workload and run count, then cached: W7 and W8 cost a fraction of a second per run).
std::vector<double> reference_train(const workload& w, int runs);

// ---------------------------------------------------------------------------------------------
// Verification and timing

struct check {
    bool ok = false;
    std::string message;   // why it failed, for SkipWithError
    double value = 0;      // the contender's loss (train, forward) or gradient norm (gradient)
    double reference = 0;  // the same from the fp64 reference
};

inline constexpr double loss_tolerance = 1e-3;      // relative, on the loss
inline constexpr double progress_tolerance = 2e-2;  // relative, on the loss decrease
inline constexpr double gradient_tolerance = 1e-3;  // relative to the largest reference component

// Compares a trained/forward/gradient result with the reference (see common.cpp for the rules).
check check_train(const workload& w, double own_loss, const std::vector<double>& params);
check check_forward(const workload& w, double own_loss);
check check_gradient(const workload& w, const std::vector<double>& grad);

// Caches one verdict per benchmark name: Google Benchmark calls a benchmark function several
// times (iteration estimate, repetitions) and verification needs to happen only once.
const check* cached_check(const std::string& name);
void store_check(const std::string& name, const check& c);

// w.verify_runs, or w.quick_verify_runs when set and TYPEGRAD_BENCH_QUICK_VERIFY=1.
int verify_runs(const workload& w);

template <class Runner>
check verify(const workload& w, Runner& r) {
    r.reset();
    switch (w.kind) {
        case workload_kind::train:
            if constexpr (requires { r.parameters(); }) {
                for (int i = 0; i < verify_runs(w); ++i)
                    r.run();
                return check_train(w, r.loss(), r.parameters());
            }
            break;
        case workload_kind::forward:
            r.run();
            return check_forward(w, r.loss());
        case workload_kind::gradient:
            if constexpr (requires { r.gradient(); }) {
                r.run();
                return check_gradient(w, r.gradient());
            }
            break;
    }
    return {false, "runner lacks parameters() or gradient() for this workload kind", 0, 0};
}

template <class Runner>
void run_benchmark(benchmark::State& state, const std::string& name, const workload& w, Runner& r) {
    const check* c = cached_check(name);
    if (!c) {
        store_check(name, verify(w, r));
        c = cached_check(name);
    }
    state.counters["loss"] = c->value;
    state.counters["ref_loss"] = c->reference;
    if (!c->ok) {
        state.SkipWithError(c->message.c_str());
        return;
    }
    r.reset();
    for (auto _ : state) {
        r.run();
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::string(w.unit));
}

std::string benchmark_name(workload_id id, std::string_view contender);

// Registers BM_<workload>_<contender>, timed in microseconds per run().
template <class Runner>
benchmark::internal::Benchmark* register_benchmark(workload_id id, std::string_view contender) {
    std::string name = benchmark_name(id, contender);
    return benchmark::RegisterBenchmark(name.c_str(),
                                        [name, id](benchmark::State& state) {
                                            const workload& w = get(id);
                                            Runner r(w);
                                            run_benchmark(state, name, w, r);
                                        })
        ->Unit(benchmark::kMicrosecond);
}

}  // namespace typegrad_bench
