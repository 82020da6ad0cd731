#pragma once
// Small models and data shared by the trainer tests.
#include <cstdint>
#include <random>

#include <typegrad/typegrad.hpp>

namespace test_models {
namespace tg = typegrad;

constexpr auto x = tg::input<"x", 5>;
constexpr auto y = tg::target<"y">;
constexpr auto linear_mse = tg::mse(tg::linear<"fc", 5, 1>(x), y);
constexpr auto mlp_mse = tg::mse(tg::linear<"2", 8, 1>(tg::tanh(tg::linear<"0", 5, 8>(x))), y);

//! `rows` random samples of 5 features, targets from a fixed linear rule plus noise.
template <class T>
tg::data::basic_dataset<T> random_data(std::size_t rows, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<T> features, targets;
    for (std::size_t r = 0; r < rows; ++r) {
        double t = 0.5;
        for (std::size_t f = 0; f < 5; ++f) {
            const double v = normal(rng);
            features.push_back(static_cast<T>(v));
            t += (static_cast<double>(f) - 2.0) * v;
        }
        targets.push_back(static_cast<T>(t + 0.1 * normal(rng)));
    }
    return tg::data::basic_dataset<T>({"a", "b", "c", "d", "e"}, std::string("y"), std::move(features),
                                      std::move(targets));
}

}  // namespace test_models
