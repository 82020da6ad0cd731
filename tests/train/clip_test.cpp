// Gradient clipping with torch 1.13's rules.
#include <catch2/catch.hpp>

#include <cmath>

#include <typegrad/train/clip.hpp>

#include "models.hpp"

namespace tg = typegrad;
using namespace test_models;

namespace {
tg::Parameters<decltype(linear_mse), double> with_grads(std::initializer_list<double> weight, double bias) {
    tg::Parameters<decltype(linear_mse), double> p;
    std::size_t i = 0;
    for (double w : weight)
        p.grad<"fc.weight">()[i++] = w;
    p.grad<"fc.bias">()[0] = bias;
    return p;
}
}  // namespace

TEST_CASE("clip_grad_norm scales by max_norm / (norm + 1e-6) and returns the norm", "[clip]") {
    auto p = with_grads({3, 0, 0, 0, 4}, 12);  // |fc.weight| = 5, |fc.bias| = 12, total = sqrt(25 + 144) = 13
    const double norm = tg::clip_grad_norm(p, 1.3);
    CHECK(norm == Approx(13.0));
    const double coef = 1.3 / (13.0 + 1e-6);
    CHECK(p.grad<"fc.weight">()[0] == Approx(3 * coef));
    CHECK(p.grad<"fc.weight">()[4] == Approx(4 * coef));
    CHECK(p.grad<"fc.bias">()[0] == Approx(12 * coef));
}

TEST_CASE("clip_grad_norm leaves gradients below the bound as they are", "[clip]") {
    auto p = with_grads({3, 0, 0, 0, 4}, 0);
    CHECK(tg::clip_grad_norm(p, 10.0) == Approx(5.0));
    CHECK(p.grad<"fc.weight">()[0] == 3.0);
    CHECK(p.grad<"fc.weight">()[4] == 4.0);
}

TEST_CASE("clip_grad_norm with the infinity norm uses the largest |g|", "[clip]") {
    auto p = with_grads({-6, 1, 0, 0, 2}, 3);
    CHECK(tg::clip_grad_norm(p, 3.0, INFINITY) == Approx(6.0));
    CHECK(p.grad<"fc.weight">()[0] == Approx(-6 * 3.0 / (6.0 + 1e-6)));
}

TEST_CASE("clip_grad_norm reports a non-finite norm when asked", "[clip]") {
    auto p = with_grads({NAN, 0, 0, 0, 0}, 0);
    CHECK_THROWS_WITH(tg::clip_grad_norm(p, 1.0, 2.0, true), Catch::Contains("NaN"));
}

TEST_CASE("clip_grad_value clamps every gradient", "[clip]") {
    auto p = with_grads({-6, 1, 0.5, 0, 2}, 3);
    tg::clip_grad_value(p, 1.0);
    CHECK(p.grad<"fc.weight">()[0] == -1.0);
    CHECK(p.grad<"fc.weight">()[1] == 1.0);
    CHECK(p.grad<"fc.weight">()[2] == 0.5);
    CHECK(p.grad<"fc.bias">()[0] == 1.0);
}
