#pragma once
// What the MPI test programs of this folder share: the model (a small MLP on the digits), the data,
// and checks that count failures on every rank and agree on the verdict.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <typegrad/distributed/process_group.hpp>
#include <typegrad/typegrad.hpp>

namespace dist_test {

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 64>;
constexpr auto y = tg::class_target<"y", 10>;
using mlp = tg::sequential<tg::Linear<64, 16>, tg::ReLU, tg::Linear<16, 10>>;
constexpr auto logits = mlp{}(x);
constexpr auto loss = tg::cross_entropy(logits, y);
using loss_type = std::remove_cv_t<decltype(loss)>;

//! examples/data/digits.csv, standardised, in T.
template <class T>
tg::data::basic_dataset<T> digits() {
    return tg::data::read_csv<T>(TYPEGRAD_EXAMPLE_DATA "/digits.csv", {.target = "target"}).standardized();
}

//! Failures seen on this rank; report() makes every rank agree on the verdict.
struct checks {
    int failures = 0;
    int shown = 0;
    int rank = 0;
    double worst = 0;  // the largest |got - want| / (atol + rtol |want|) seen: below 1 passes

    template <class T>
    void near(const char* what, std::size_t step, std::size_t i, T got, T want, double rtol, double atol) {
        const double d = std::abs(double(got) - double(want));
        worst = std::max(worst, d / (atol + rtol * std::abs(double(want))));
        if (!(d <= atol + rtol * std::abs(double(want)))) {
            ++failures;
            if (shown++ < 10)
                std::printf("rank %d: %s, step %zu, element %zu: %.9g, expected %.9g (diff %.3g)\n", rank, what, step,
                            i, double(got), double(want), d);
        }
    }
    void that(bool ok, const std::string& what) {
        if (!ok) {
            ++failures;
            std::printf("rank %d: FAILED: %s\n", rank, what.c_str());
        }
    }
    //! The number of failures over every rank (a collective).
    int total(tg::distributed::process_group& group) {
        int all = failures;
        group.allreduce_sum(std::span<int>(&all, 1), "the test's verdict");
        return all;
    }
};

//! Whether `values` is bit for bit rank 0's on every rank (a collective).
template <class T>
bool same_on_every_rank(tg::distributed::process_group& group, std::span<const T> values) {
    std::vector<T> root(values.begin(), values.end());
    group.broadcast(std::span<T>(root), 0, "the test's broadcast");
    int differ = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
        differ += root[i] != values[i];
    group.allreduce_sum(std::span<int>(&differ, 1), "the test's comparison");
    return differ == 0;
}

}  // namespace dist_test
