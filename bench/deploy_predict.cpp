// One prediction of a model deployed by tg::export_header beside tg::predict of the same model
// (bench_deploy). BM_predict1_<contender>: one sample of 10 features in, one value out; the
// deployed header is compiled at -O3 with the same flags as typegrad's contenders.
// BM_P1_<contender>: one sample through tg::predict_one (typegrad) and through the hand-written
// loops of predict1_hand.cpp (hand, hand_fastmath), reported by bench/report.py as workload P1.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "deploy_model.hpp"
#include "deployed_mlp.hpp"
#include "predict1.hpp"

namespace {

namespace tg = typegrad;
namespace bd = typegrad_bench::deploy;

std::vector<std::array<float, 10>> samples() {
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal;
    std::vector<std::array<float, 10>> v(64);
    for (auto& s : v)
        for (auto& f : s)
            f = normal(rng);
    return v;
}

void BM_predict1_deployed(benchmark::State& state) {
    const auto rows = samples();
    std::size_t k = 0;
    for (auto _ : state) {
        const auto y = deployed_mlp::predict(rows[k++ % rows.size()]);
        benchmark::DoNotOptimize(y);
    }
}
BENCHMARK(BM_predict1_deployed);

void BM_predict1_typegrad(benchmark::State& state) {
    const auto rows = samples();
    tg::Parameters params{bd::loss};
    tg::init::torch_default(params, bd::seed);
    std::vector<tg::data::dataset> data;
    // Literal names: GCC 12 at -O3 warns falsely (-Wrestrict) on string concatenation.
    const std::vector<std::string> names{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};
    for (const auto& r : rows)
        data.emplace_back(names, std::vector<float>(r.begin(), r.end()));
    float y = 0;
    std::size_t k = 0;
    for (auto _ : state) {
        tg::predict(bd::model, params, data[k++ % data.size()].all(), std::span<float>(&y, 1));
        benchmark::DoNotOptimize(y);
    }
    // The two contenders compute the same model: report the largest difference over the samples.
    double worst = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        tg::predict(bd::model, params, data[i].all(), std::span<float>(&y, 1));
        const double d = static_cast<double>(deployed_mlp::predict(rows[i])[0]) - static_cast<double>(y);
        worst = d < 0 ? (-d > worst ? -d : worst) : (d > worst ? d : worst);
    }
    state.counters["max_abs_diff"] = worst;
    if (worst > 1e-5)
        state.SkipWithError("the deployed header and tg::predict disagree");
}
BENCHMARK(BM_predict1_typegrad);

const tg::Parameters<std::remove_cvref_t<decltype(bd::loss)>>& model_parameters() {
    static const auto params = [] {
        tg::Parameters p{bd::loss};
        tg::init::torch_default(p, bd::seed);
        return p;
    }();
    return params;
}

// tg::predict_one: the features as a span, no dataset; the finite check on (the default).
void BM_P1_typegrad(benchmark::State& state) {
    const auto& params = model_parameters();
    const auto& rows = typegrad_bench::predict1::samples();
    std::vector<float> check;
    for (const auto& r : rows)
        check.push_back(tg::predict_one(bd::model, params, r)[0]);
    const double worst = typegrad_bench::predict1::max_difference(check);
    state.counters["max_abs_diff"] = worst;
    if (worst > 1e-5) {
        state.SkipWithError("tg::predict_one disagrees with tg::predict");
        return;
    }
    std::size_t k = 0;
    for (auto _ : state) {
        const auto y = tg::predict_one(bd::model, params, rows[k++ % rows.size()]);
        benchmark::DoNotOptimize(y);
    }
}
BENCHMARK(BM_P1_typegrad);

}  // namespace

namespace typegrad_bench::predict1 {

const weights& model_weights() {
    static const weights w = [] {
        const auto& p = model_parameters();
        weights out;
        const auto w1 = p.value<"0.weight">();
        const auto b1 = p.value<"0.bias">();
        const auto w2 = p.value<"2.weight">();
        out.w1.assign(w1.begin(), w1.end());
        out.b1.assign(b1.begin(), b1.end());
        out.w2.assign(w2.begin(), w2.end());
        out.b2 = p.value<"2.bias">()[0];
        return out;
    }();
    return w;
}

const std::vector<std::array<float, inputs>>& samples() {
    static const auto v = ::samples();
    return v;
}

const std::vector<float>& reference() {
    static const std::vector<float> v = [] {
        std::vector<float> features;
        for (const auto& r : samples())
            features.insert(features.end(), r.begin(), r.end());
        const std::vector<std::string> names{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};
        const tg::data::dataset d(names, features);
        return tg::predict(bd::model, model_parameters(), d);
    }();
    return v;
}

double max_difference(const std::vector<float>& predicted) {
    const auto& ref = reference();
    if (predicted.size() != ref.size())
        return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i)
        worst = std::max(worst, std::fabs(static_cast<double>(predicted[i]) - static_cast<double>(ref[i])));
    return worst;
}

}  // namespace typegrad_bench::predict1
