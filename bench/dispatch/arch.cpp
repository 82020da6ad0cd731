// The training code of bench_dispatch, compiled once per SIMD target (bench/CMakeLists.txt, through
// typegrad_add_dispatch): every definition here is built with that target's flags, and typegrad's
// with TYPEGRAD_ARCH_NAMESPACE, so each copy's instantiations keep names of their own.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "runner.hpp"

#ifndef TYPEGRAD_DISPATCH_TARGET
#error "compile with -DTYPEGRAD_DISPATCH_TARGET=baseline|avx2|avx512"
#endif
#define TYPEGRAD_DISPATCH_CAT2(a, b) a##b
#define TYPEGRAD_DISPATCH_CAT(a, b) TYPEGRAD_DISPATCH_CAT2(a, b)

namespace typegrad_bench::dispatch {
namespace {

namespace tg = typegrad;

constexpr auto x10 = tg::input<"x", 10>;
constexpr auto x64 = tg::input<"x", 64>;
constexpr auto y = tg::target<"y">;

constexpr auto linear_mse = tg::mse(tg::sequential<tg::Linear<10, 1>>{}(x10), y);
constexpr auto mlp_tanh_mse = tg::mse(tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x10), y);
constexpr auto mlp_digits_ce = tg::cross_entropy(
    tg::sequential<tg::Linear<64, 64>, tg::ReLU, tg::Linear<64, 10>>{}(x64), tg::class_target<"y", 10>);

tg::data::dataset to_dataset(const dataset& d) {
    std::vector<std::string> names;
    for (std::size_t c = 0; c < d.cols(); ++c)
        names.push_back(std::to_string(c));
    tg::data::dataset out(std::move(names), "target", d.features, d.targets);
    out.keep_columns();
    return out;
}

// The workloads as bench/typegrad_contenders.cpp writes them (train kinds only).
template <class Loss, class Policy>
class trainer_runner final : public runner {
public:
    explicit trainer_runner(const workload& w) : w_(w), data_(to_dataset(w.d())) { reset(); }

    void reset() override {
        const std::vector<float> init = initial_parameters(w_);
        std::copy(init.begin(), init.end(), params_.values().begin());
        trainer_ = std::make_unique<tg::Trainer<Loss, Policy>>(params_, typename Policy::options{.lr = w_.lr});
        trainer_->zero_grad();
    }
    void run() override {
        for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
            const auto [first, count] = w_.batch_rows(s);
            trainer_->zero_grad();
            trainer_->backward(tg::data::batch_view<float>(data_, first, count));
            trainer_->step();
        }
    }
    double loss() override { return trainer_->loss(data_); }
    std::vector<double> parameters() override { return {params_.values().begin(), params_.values().end()}; }
    std::vector<double> gradient() override { return {params_.grads().begin(), params_.grads().end()}; }

private:
    const workload& w_;
    tg::data::dataset data_;
    tg::Parameters<Loss> params_;
    std::unique_ptr<tg::Trainer<Loss, Policy>> trainer_;
};

std::unique_ptr<runner> make(const workload& w) {
    switch (w.id) {
        case workload_id::w1:
            return std::make_unique<trainer_runner<decltype(linear_mse), tg::SGD>>(w);
        case workload_id::w3:
            return std::make_unique<trainer_runner<decltype(mlp_tanh_mse), tg::Adam>>(w);
        case workload_id::w4:
            return std::make_unique<trainer_runner<decltype(mlp_digits_ce), tg::Adam>>(w);
        default:
            return nullptr;
    }
}

}  // namespace

target TYPEGRAD_DISPATCH_CAT(target_, TYPEGRAD_DISPATCH_TARGET)() { return {xsimd::default_arch::name(), &make}; }

}  // namespace typegrad_bench::dispatch
