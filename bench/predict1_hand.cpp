// The hand-written peer of tg::predict_one (BM_P1_hand, BM_P1_hand_fastmath): one sample through
// the 10-32-1 tanh MLP in plain loops, the first layer's weights stored transposed ([in][out]) so
// that the 32 hidden units are computed side by side (two AVX-512 vectors), then the dot product
// of the output layer. bench/CMakeLists.txt compiles this file twice: strict IEEE and -ffast-math
// (with which GCC calls glibc's vectorised tanhf). Everything lives in an anonymous namespace.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "predict1.hpp"

#ifndef TYPEGRAD_BENCH_HAND_NAME
#error "TYPEGRAD_BENCH_HAND_NAME must be defined (\"hand\" or \"hand_fastmath\")"
#endif

namespace {

namespace p1 = typegrad_bench::predict1;

struct hand_mlp {
    alignas(64) float w1t[p1::inputs][p1::hidden];
    alignas(64) float b1[p1::hidden];
    alignas(64) float w2[p1::hidden];
    float b2;

    explicit hand_mlp(const p1::weights& w) : b2(w.b2) {
        for (std::size_t j = 0; j < p1::hidden; ++j) {
            for (std::size_t i = 0; i < p1::inputs; ++i)
                w1t[i][j] = w.w1[j * p1::inputs + i];
            b1[j] = w.b1[j];
            w2[j] = w.w2[j];
        }
    }

    float operator()(const float* x) const {
        alignas(64) float h[p1::hidden];
#pragma omp simd
        for (std::size_t j = 0; j < p1::hidden; ++j)
            h[j] = b1[j];
        for (std::size_t i = 0; i < p1::inputs; ++i) {
            const float xi = x[i];
#pragma omp simd
            for (std::size_t j = 0; j < p1::hidden; ++j)
                h[j] += w1t[i][j] * xi;
        }
        float y = 0;
#pragma omp simd reduction(+ : y)
        for (std::size_t j = 0; j < p1::hidden; ++j)
            y += w2[j] * std::tanh(h[j]);
        return y + b2;
    }
};

void BM_P1_hand(benchmark::State& state) {
    const hand_mlp model(p1::model_weights());
    const auto& rows = p1::samples();
    std::vector<float> check;
    for (const auto& r : rows)
        check.push_back(model(r.data()));
    const double worst = p1::max_difference(check);
    state.counters["max_abs_diff"] = worst;
    if (worst > 1e-5) {
        state.SkipWithError("the hand-written loop disagrees with tg::predict");
        return;
    }
    std::size_t k = 0;
    for (auto _ : state) {
        const float y = model(rows[k++ % rows.size()].data());
        benchmark::DoNotOptimize(y);
    }
}

const bool registered =
    (benchmark::RegisterBenchmark((std::string("BM_P1_") + TYPEGRAD_BENCH_HAND_NAME).c_str(), BM_P1_hand), true);

}  // namespace
