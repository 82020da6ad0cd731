#pragma once
// The gradient laws every op and loss obeys, written once and applied to a list of op cases.
//
// An op case is a type with `static constexpr auto loss` (a small scalar loss using the op, with
// parameters and usually the input `x` and a target) and the range [lo, hi] its random parameters
// and features are drawn from (derive from `case_defaults`, override what the op needs: a positive
// range for log, sqrt, division; `binary` for 0/1 targets; `index_bounds`, one per input column, for
// columns read as indices in [0, bound), 0 for the others). A class target is detected from the loss.
//
// The laws:
// (a) gradient_matches_central_differences: tg::gradcheck in double on random parameters and rows;
// (b) backward_twice_doubles_the_gradient: two tg::backward calls accumulate twice the gradient;
// (c) zero_grad_resets: zero_grad, then backward, gives the same gradient as the first backward;
// (d) simd_matches_per_sample: program::backward over a number of rows that is not a multiple of
//     the lane count (the padded last block) equals the per-sample sweep summed over the rows.
// (b) to (d) run for float and double: `in_float<Case>` and `in_double<Case>`.
#include <array>
#include <cmath>
#include <cstddef>
#include <random>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "datasets.hpp"

#include <typegrad/autodiff/program.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/functional.hpp>
#include <typegrad/gradcheck.hpp>
#include <typegrad/parameters.hpp>

namespace typegrad_test {

namespace tg = typegrad;

//! What an op case does not say: parameters and features in [-2, 2], real targets in [-2, 2].
struct case_defaults {
    static constexpr double lo = -2, hi = 2;
    static constexpr bool binary = false;
};

template <class Case>
struct in_float {
    using case_type = Case;
    using value_type = float;
};
template <class Case>
struct in_double {
    using case_type = Case;
    using value_type = double;
};

template <class Case, class T>
struct fixture {
    using loss_type = std::remove_cv_t<decltype(Case::loss)>;
    using params_type = tg::Parameters<loss_type, T>;
    using program = tg::autodiff::program<loss_type, T>;
    using target = typename program::target;
    static constexpr std::size_t width = [] {
        if constexpr (std::is_void_v<typename program::input>)
            return std::size_t{0};
        else
            return tg::size_of<typename program::input>;
    }();
    static constexpr std::size_t rows = 5;  // for the laws on std::array data (tg::backward)

    std::mt19937_64 rng;
    explicit fixture(std::uint64_t seed) : rng(seed) {}

    T uniform() { return static_cast<T>(std::uniform_real_distribution<double>(Case::lo, Case::hi)(rng)); }
    T target_value() {
        if constexpr (tg::ClassTarget<target>)
            return static_cast<T>(std::uniform_int_distribution<int>(0, static_cast<int>(target::classes) - 1)(rng));
        else if constexpr (Case::binary)
            return static_cast<T>(std::uniform_int_distribution<int>(0, 1)(rng));
        else
            return uniform();
    }
    void randomize(params_type& p) {
        for (auto& v : p.values())
            v = uniform();
    }
    //! A feature of column c: an index in [0, bound) for a column the case reads as indices
    //! (`Case::index_bounds`, 0 for the others), else a uniform draw.
    T feature(std::size_t c) {
        if constexpr (requires { Case::index_bounds; }) {
            if (const std::size_t bound = Case::index_bounds[c]; bound > 0)
                return static_cast<T>(std::uniform_int_distribution<std::size_t>(0, bound - 1)(rng));
        }
        return uniform();
    }
    template <class Features, class Targets>
    void fill(Features& features, Targets& targets) {
        for (std::size_t k = 0; k < features.size(); ++k)
            features[k] = feature(k % width);
        for (auto& v : targets)
            v = target_value();
    }
};

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-12;

//! (a) The reverse sweep agrees with central finite differences, in double.
template <class Case>
void gradient_matches_central_differences() {
    fixture<Case, double> f(1);
    typename fixture<Case, double>::params_type params;
    f.randomize(params);
    std::vector<double> features(f.rows * f.width), targets(f.rows);
    f.fill(features, targets);
    const auto result = tg::gradcheck(Case::loss, params, features, targets);
    INFO(result.report);
    CHECK(result.ok);
    CHECK(result.checked == params.total);
}

//! (b) backward adds into the gradients: twice is twice the gradient.
template <class Law>
void backward_twice_doubles_the_gradient() {
    using Case = typename Law::case_type;
    using T = typename Law::value_type;
    using F = fixture<Case, T>;
    F f(2);
    typename F::params_type params;
    f.randomize(params);
    std::array<T, F::rows * F::width> features{};
    std::array<T, F::rows> targets{};
    f.fill(features, targets);

    const T first = tg::backward(Case::loss, params, features, targets);
    const auto once = params.grads();
    std::array<T, F::params_type::total> g1{};
    for (std::size_t k = 0; k < g1.size(); ++k)
        g1[k] = once[k];
    const T second = tg::backward(Case::loss, params, features, targets);
    CHECK(first == second);
    for (std::size_t k = 0; k < g1.size(); ++k) {
        INFO("gradient element " << k);
        CHECK(std::isfinite(g1[k]));
        CHECK(params.grads()[k] == Approx(2 * g1[k]).epsilon(tolerance<T>).margin(tolerance<T>));
    }
}

//! (c) zero_grad resets every gradient, and the next backward starts from zero.
template <class Law>
void zero_grad_resets() {
    using Case = typename Law::case_type;
    using T = typename Law::value_type;
    using F = fixture<Case, T>;
    F f(3);
    typename F::params_type params;
    f.randomize(params);
    std::array<T, F::rows * F::width> features{};
    std::array<T, F::rows> targets{};
    f.fill(features, targets);

    tg::backward(Case::loss, params, features, targets);
    std::array<T, F::params_type::total> g1{};
    for (std::size_t k = 0; k < g1.size(); ++k)
        g1[k] = params.grads()[k];
    params.zero_grad();
    for (const T g : params.grads())
        CHECK(g == T(0));
    tg::backward(Case::loss, params, features, targets);
    for (std::size_t k = 0; k < g1.size(); ++k)
        CHECK(params.grads()[k] == g1[k]);
}

//! (d) The SIMD sweep over many rows, the last block padded, equals the per-sample sweep summed.
template <class Law>
void simd_matches_per_sample() {
    using Case = typename Law::case_type;
    using T = typename Law::value_type;
    using F = fixture<Case, T>;
    using program = typename F::program;
    constexpr std::size_t rows = 3 * program::lanes + 3;
    F f(4);
    typename F::params_type simd, scalar;
    f.randomize(simd);
    for (std::size_t k = 0; k < simd.total; ++k)
        scalar.values()[k] = simd.values()[k];
    std::vector<T> features(rows * F::width), targets(rows);
    f.fill(features, targets);

    std::vector<typename program::lane> scratch(program::scratch_size);
    const auto data = typegrad_test::make_dataset<T>(F::width, features, targets);
    const auto all =
        tg::data::feed<typename program::input, typename program::target>(data.all(), "laws", {.finite = false});
    const T simd_loss = program::backward(simd.values().data(), simd.grads().data(), scratch.data(), all);

    T scalar_loss = 0;
    for (std::size_t r = 0; r < rows; ++r)
        scalar_loss += program::sample_backward(scalar.values().data(), scalar.grads().data(),
                                                features.data() + r * F::width, targets[r], T(1) / T(rows));
    scalar_loss /= T(rows);

    CHECK(simd_loss == Approx(scalar_loss).epsilon(tolerance<T>));
    for (std::size_t k = 0; k < simd.total; ++k) {
        INFO("gradient element " << k);
        CHECK(simd.grads()[k] == Approx(scalar.grads()[k]).epsilon(tolerance<T>).margin(tolerance<T>));
    }
}

}  // namespace typegrad_test
