// typegrad's contender: the workloads of bench/common.hpp written as typegrad expressions and
// trained with tg::Trainer, exactly as a user would write them. bench/CMakeLists.txt compiles this
// file a second time with TYPEGRAD_BENCH_TYPEGRAD_THREADS=2 and typegrad::parallel (OpenMP):
// `typegrad_2t`, trainer.set_threads(2), for W3, W4, W7 and W8.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "common.hpp"

#ifndef TYPEGRAD_BENCH_TYPEGRAD_THREADS
#define TYPEGRAD_BENCH_TYPEGRAD_THREADS 1
#endif

namespace {

namespace tb = typegrad_bench;
namespace tg = typegrad;

constexpr auto x10 = tg::input<"x", 10>;
constexpr auto x64 = tg::input<"x", 64>;
constexpr auto y = tg::target<"y">;

constexpr auto linear_mse = tg::mse(tg::sequential<tg::Linear<10, 1>>{}(x10), y);
constexpr auto mlp_tanh_mse = tg::mse(tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x10), y);
constexpr auto mlp_digits_ce = tg::cross_entropy(
    tg::sequential<tg::Linear<64, 64>, tg::ReLU, tg::Linear<64, 10>>{}(x64), tg::class_target<"y", 10>);
constexpr auto mlp_wide_ce = tg::cross_entropy(
    tg::sequential<tg::Linear<64, 256>, tg::ReLU, tg::Linear<256, 256>, tg::ReLU, tg::Linear<256, 10>>{}(x64),
    tg::class_target<"y", 10>);
// examples/digits_cnn's network (bench/common.hpp's cnn), written as the example writes it.
constexpr auto cnn_digits_ce = tg::cross_entropy(
    tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 8, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,
                   tg::Conv2d<8, 16, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>, tg::Flatten, tg::Linear<64, 10>>{}(x64),
    tg::class_target<"y", 10>);

tg::data::dataset to_dataset(const tb::dataset& d) {
    std::vector<std::string> names;
    for (std::size_t c = 0; c < d.cols(); ++c)
        names.push_back(std::to_string(c));  // not "f" + ...: GCC 12 -O3 false -Wrestrict (GCC bug 105651)
    tg::data::dataset out(std::move(names), "target", d.features, d.targets);
    out.keep_columns();  // feature-major copy: consecutive rows load as whole vectors
    return out;
}

template <class Loss, class Policy>
class runner {
public:
    explicit runner(const tb::workload& w) : w_(w), data_(to_dataset(w.d())) { reset(); }

    void reset() {
        const std::vector<float> init = tb::initial_parameters(w_);  // torch layout = typegrad's order
        std::copy(init.begin(), init.end(), params_.values().begin());
        trainer_ = std::make_unique<tg::Trainer<Loss, Policy>>(params_, typename Policy::options{.lr = w_.lr});
        if constexpr (TYPEGRAD_BENCH_TYPEGRAD_THREADS > 1)
            trainer_->set_threads(TYPEGRAD_BENCH_TYPEGRAD_THREADS);
        trainer_->zero_grad();
    }

    void run() {
        switch (w_.kind) {
            case tb::workload_kind::train:
                for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
                    const auto [first, count] = w_.batch_rows(s);
                    trainer_->zero_grad();
                    trainer_->backward(tg::data::batch_view<float>(data_, first, count));
                    trainer_->step();
                }
                break;
            case tb::workload_kind::forward:
                last_loss_ = trainer_->loss(data_);
                break;
            case tb::workload_kind::gradient:
                trainer_->zero_grad();
                last_loss_ = trainer_->backward(data_);
                break;
        }
    }

    double loss() { return w_.kind == tb::workload_kind::train ? trainer_->loss(data_) : last_loss_; }
    std::vector<double> parameters() { return {params_.values().begin(), params_.values().end()}; }
    std::vector<double> gradient() { return {params_.grads().begin(), params_.grads().end()}; }

private:
    const tb::workload& w_;
    tg::data::dataset data_;
    tg::Parameters<Loss> params_;
    std::unique_ptr<tg::Trainer<Loss, Policy>> trainer_;
    double last_loss_ = 0;
};

using linear_sgd = runner<decltype(linear_mse), tg::SGD>;
using linear_adam = runner<decltype(linear_mse), tg::Adam>;
using mlp_adam = runner<decltype(mlp_tanh_mse), tg::Adam>;
using digits_adam = runner<decltype(mlp_digits_ce), tg::Adam>;
using wide_adam = runner<decltype(mlp_wide_ce), tg::Adam>;
using cnn_adam = runner<decltype(cnn_digits_ce), tg::Adam>;

#if TYPEGRAD_BENCH_TYPEGRAD_THREADS == 1
const bool registered = [] {
    tb::register_benchmark<linear_sgd>(tb::workload_id::w1, "typegrad");
    tb::register_benchmark<linear_adam>(tb::workload_id::w2, "typegrad");
    tb::register_benchmark<mlp_adam>(tb::workload_id::w3, "typegrad");
    tb::register_benchmark<digits_adam>(tb::workload_id::w4, "typegrad");
    tb::register_benchmark<linear_sgd>(tb::workload_id::w1fwd, "typegrad");
    tb::register_benchmark<linear_sgd>(tb::workload_id::w5, "typegrad");
    tb::register_benchmark<mlp_adam>(tb::workload_id::w3fwd, "typegrad");
    tb::register_benchmark<mlp_adam>(tb::workload_id::w3grad, "typegrad");
    tb::register_benchmark<wide_adam>(tb::workload_id::w7, "typegrad");
    tb::register_benchmark<wide_adam>(tb::workload_id::w8, "typegrad");
    tb::register_benchmark<cnn_adam>(tb::workload_id::w9, "typegrad");
    return true;
}();
#else
// Wall-clock time is what two threads save; the CPU time reported is the whole process's.
const bool registered = [] {
    tb::register_benchmark<mlp_adam>(tb::workload_id::w3, "typegrad_2t")->MeasureProcessCPUTime();
    tb::register_benchmark<digits_adam>(tb::workload_id::w4, "typegrad_2t")->MeasureProcessCPUTime();
    tb::register_benchmark<wide_adam>(tb::workload_id::w7, "typegrad_2t")->MeasureProcessCPUTime();
    tb::register_benchmark<wide_adam>(tb::workload_id::w8, "typegrad_2t")->MeasureProcessCPUTime();
    return true;
}();
#endif

}  // namespace
