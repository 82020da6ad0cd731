// tg::LBFGS on quadratics (convergence in few iterations, the stopping tolerances, the state kept
// across step() calls) and its validation.
#include <catch2/catch.hpp>
#include <typegrad/optim/lbfgs.hpp>

#include <cmath>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "quadratic.hpp"

namespace tg = typegrad;
using typegrad_test::quadratic;

namespace {
template <class T>
tg::LBFGS<T> over(quadratic<T>& q, tg::lbfgs_options o) {
    return tg::LBFGS<T>(std::span<T>(q.x), std::span<const T>(q.grad), o);
}
}  // namespace

TEMPLATE_TEST_CASE("LBFGS with strong Wolfe solves a quadratic in about n iterations", "", float, double) {
    using T = TestType;
    quadratic<T> q(12);
    auto lbfgs = over(q, {.max_iter = 100, .line_search_fn = tg::line_search::strong_wolfe});
    const T start = q.residual();
    lbfgs.step(std::ref(q));
    INFO("iterations " << lbfgs.n_iter() << ", closure calls " << lbfgs.func_evals() << ", residual " << q.residual());
    // Exact arithmetic and exact line searches need n = 12 iterations at most; strong Wolfe steps
    // are not exact, a few more are allowed.
    CHECK(lbfgs.n_iter() <= 24);
    CHECK(lbfgs.n_iter() >= 2);
    // It stops on the loss change (under tolerance_change = 1e-9) before max|g| reaches 1e-7.
    CHECK(q.residual() <= 1e-4 * start);
    CHECK(lbfgs.func_evals() == q.calls);

    // Without tolerance_change it goes on until max|g| <= tolerance_grad (double) or until
    // steps stop shrinking the loss (float).
    quadratic<T> r(12);
    auto exact = over(r, {.max_iter = 100, .tolerance_change = 0, .line_search_fn = tg::line_search::strong_wolfe});
    exact.step(std::ref(r));
    INFO("without tolerance_change: iterations " << exact.n_iter() << ", residual " << r.residual());
    if constexpr (std::is_same_v<T, double>) {
        CHECK(r.residual() <= 1e-7);
        CHECK(exact.n_iter() <= 24);
    }
    CHECK(r.residual() <= q.residual());
}

TEST_CASE("LBFGS with a fixed step descends a quadratic") {
    quadratic<double> q(12);
    auto lbfgs = over(q, {.lr = 1, .max_iter = 40, .history_size = 5});
    const double first = q(), start = q.residual();
    q.calls = 0;
    const double returned = lbfgs.step(std::ref(q));
    CHECK(returned == first);  // the loss before the step
    CHECK(q.residual() < 1e-3 * start);
    CHECK(lbfgs.history() == 5);
    CHECK(lbfgs.func_evals() == q.calls);
}

TEST_CASE("LBFGS stops at once when max|g| <= tolerance_grad, keeping its state") {
    quadratic<double> q(8);
    auto lbfgs = over(q, {.max_iter = 100, .tolerance_change = 0, .line_search_fn = tg::line_search::strong_wolfe});
    lbfgs.step(std::ref(q));
    REQUIRE(q.residual() <= 1e-7);  // max|g| = the residual, under the default 1e-7
    const long iters = lbfgs.n_iter(), evals = lbfgs.func_evals();
    const auto x = q.x;
    const double loss = q();
    CHECK(lbfgs.step(std::ref(q)) == loss);
    CHECK(lbfgs.n_iter() == iters);          // no iteration
    CHECK(lbfgs.func_evals() == evals + 1);  // the one closure call
    CHECK(q.x == x);

    // A larger tolerance_grad stops the first step as soon as the gradient is under it.
    quadratic<double> r(8);
    auto coarse = over(r, {.max_iter = 100,
                           .tolerance_grad = 1e-2,
                           .tolerance_change = 0,
                           .line_search_fn = tg::line_search::strong_wolfe});
    coarse.step(std::ref(r));
    CHECK(r.residual() <= 1e-2);
    CHECK(coarse.n_iter() < lbfgs.n_iter());
}

TEST_CASE("LBFGS stops when the step or the loss change is under tolerance_change") {
    for (auto search : {tg::line_search::none, tg::line_search::strong_wolfe}) {
        quadratic<double> q(12);
        const double tol = 1e-3;
        auto lbfgs = over(q, {.lr = 0.5,
                              .max_iter = 1000,
                              .max_eval = 100000,
                              .tolerance_grad = 0,
                              .tolerance_change = tol,
                              .line_search_fn = search});
        lbfgs.step(std::ref(q));
        INFO("line search " << static_cast<int>(search) << ", iterations " << lbfgs.n_iter());
        CHECK(lbfgs.n_iter() < 1000);
        // The last iteration ended on one of the two tests (or on a direction no longer
        // descending faster than tolerance_change).
        double step = 0;
        for (double d : lbfgs.direction())
            step = std::max(step, std::abs(d * lbfgs.t()));
        const double loss = q();
        CHECK((step <= tol || std::abs(loss - lbfgs.prev_loss()) < tol || lbfgs.t() == 0.5));
        // and it ended early: without the tolerance it keeps going.
        quadratic<double> r(12);
        auto longer = over(r, {.lr = 0.5,
                               .max_iter = 1000,
                               .max_eval = 100000,
                               .tolerance_grad = 0,
                               .tolerance_change = 1e-12,
                               .line_search_fn = search});
        longer.step(std::ref(r));
        CHECK(longer.n_iter() > lbfgs.n_iter());
        CHECK(r.residual() < q.residual());
    }
}

TEST_CASE("LBFGS counts iterations and closure calls across step() calls, max_iter and max_eval bound them") {
    quadratic<double> q(30);
    auto lbfgs = over(q, {.lr = 0.2, .max_iter = 4, .history_size = 3});
    for (int s = 1; s <= 3; ++s) {
        lbfgs.step(std::ref(q));
        CHECK(lbfgs.n_iter() == 4 * s);
        // Without a line search: one call to start, then one after each iteration but the last.
        CHECK(lbfgs.func_evals() == 4 * s);
        CHECK(lbfgs.history() == 3);
    }
    quadratic<double> r(30);
    auto bounded = over(r, {.max_iter = 50, .max_eval = 7, .line_search_fn = tg::line_search::strong_wolfe});
    bounded.step(std::ref(r));
    CHECK(r.calls >= 7);
    CHECK(bounded.func_evals() == r.calls);
    CHECK(bounded.n_iter() < 7);
}

TEST_CASE("LBFGS validates its options with torch's wording") {
    std::vector<double> x(3), g(3);
    const auto make = [&](tg::lbfgs_options o) {
        return tg::LBFGS<double>(std::span<double>(x), std::span<const double>(g), o);
    };
    CHECK_THROWS_WITH(make({.lr = -1}), "typegrad: LBFGS: Invalid learning rate: -1.0");
    CHECK_THROWS_WITH(make({.lr = std::nan("")}), "typegrad: LBFGS: Invalid learning rate: nan");
    CHECK_THROWS_WITH(make({.max_iter = -2}), "typegrad: LBFGS: Invalid max_iter value: -2");
    CHECK_THROWS_WITH(make({.max_eval = -1}), "typegrad: LBFGS: Invalid max_eval value: -1");
    CHECK_THROWS_WITH(make({.tolerance_grad = -1e-5}), "typegrad: LBFGS: Invalid tolerance_grad value: -1e-05");
    CHECK_THROWS_WITH(make({.tolerance_change = -1}), "typegrad: LBFGS: Invalid tolerance_change value: -1.0");
    CHECK_THROWS_WITH(make({.history_size = 0}), "typegrad: LBFGS: Invalid history_size value: 0");
    CHECK_THROWS_AS(make({.lr = -1}), std::invalid_argument);
    std::vector<double> shorter(2);
    CHECK_THROWS_WITH(tg::LBFGS<double>(std::span<double>(x), std::span<const double>(shorter)),
                      "typegrad: LBFGS: the values and the gradients differ in size (3 and 2)");
    CHECK_NOTHROW(make({.lr = 0}));
}

TEST_CASE("LBFGS stores a pair only when y·s > 1e-10: a function linear at the start") {
    // Huber terms h(x − c) (r²/2 for |r| <= 1, |r| − ½ beyond) from |r| = 5..8: the gradient stays
    // constant for the first iterations, y = 0 and y·s = 0, so no pair may be stored. Storing one
    // anyway (the variant) divides by y·s = 0 and y·y = 0: the direction turns non-finite.
    constexpr std::size_t n = 4;
    struct huber {
        std::vector<double> x = std::vector<double>(n), grad = std::vector<double>(n);
        double operator()() {
            double f = 0;
            for (std::size_t k = 0; k < n; ++k) {
                const double r = x[k] - 0.5 * static_cast<double>(k);
                f += std::abs(r) <= 1 ? r * r / 2 : std::abs(r) - 0.5;
                grad[k] = std::abs(r) <= 1 ? r : (r > 0 ? 1.0 : -1.0);
            }
            return f;
        }
    };
    const auto run = [](tg::optim::detail::lbfgs_variant v) {
        huber h;
        for (std::size_t k = 0; k < n; ++k)
            h.x[k] = 0.5 * static_cast<double>(k) + 5 + static_cast<double>(k);
        tg::LBFGS<double> lbfgs(std::span<double>(h.x), std::span<const double>(h.grad),
                                {.max_iter = 60, .tolerance_change = 0}, v);
        lbfgs.step(std::ref(h));
        return std::pair{h(), lbfgs.history()};
    };
    const auto [loss, pairs] = run({});
    CHECK(std::isfinite(loss));
    CHECK(loss < 1e-6);  // from 26 at the start
    CHECK(pairs > 0);
    tg::optim::detail::lbfgs_variant no_check;
    no_check.skip_curvature_check = true;
    CHECK_FALSE(std::isfinite(run(no_check).first));
}
