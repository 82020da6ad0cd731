#pragma once
// The model, data and helpers shared by the fit tests.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace fit_test {
namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
constexpr auto y = tg::target<"y">;
constexpr auto model = tg::linear<"2", 6, 1>(tg::tanh(tg::linear<"0", 4, 6>(x)));
constexpr auto loss = tg::mse(model, y);
using Loss = std::remove_cvref_t<decltype(loss)>;

//! `rows` random samples of 4 features, targets from a fixed rule plus noise.
inline tg::data::dataset make_data(std::size_t rows, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<float> features, targets;
    for (std::size_t r = 0; r < rows; ++r) {
        double t = 0.2;
        for (std::size_t f = 0; f < 4; ++f) {
            const double v = normal(rng);
            features.push_back(static_cast<float>(v));
            t += (static_cast<double>(f) - 1.5) * v;
        }
        targets.push_back(static_cast<float>(std::tanh(t) + 0.05 * normal(rng)));
    }
    return tg::data::dataset({"a", "b", "c", "d"}, std::string("y"), std::move(features), std::move(targets));
}

//! Whether two flat arrays hold the same bits.
template <class A, class B>
bool same_bits(const A& a, const B& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
}

template <class P>
std::vector<float> copy_of(const P& params) {
    return std::vector<float>(params.values().begin(), params.values().end());
}

}  // namespace fit_test
