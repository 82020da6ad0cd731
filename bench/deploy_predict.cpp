// One prediction of a model deployed by tg::export_header beside tg::predict of the same model
// (bench_deploy). BM_predict1_<contender>: one sample of 10 features in, one value out; the
// deployed header is compiled at -O3 with the same flags as typegrad's contenders.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "deploy_model.hpp"
#include "deployed_mlp.hpp"

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

}  // namespace
