// clip_grad_norm with a negative max_norm multiplied every gradient by a negative factor (the
// gradients' sign flipped silently); a NaN or infinite bound, or a negative clip_value, went
// through as well. Now each throws std::invalid_argument and leaves the gradients as they were.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <typegrad/train/clip.hpp>

#include "train/models.hpp"

namespace tg = typegrad;
using namespace test_models;
using Catch::Matchers::Equals;

namespace {
tg::Parameters<decltype(linear_mse), double> with_grads() {
    tg::Parameters<decltype(linear_mse), double> p;
    std::size_t i = 0;
    for (double w : {3.0, -1.0, 0.5, 0.0, 4.0})
        p.grad<"fc.weight">()[i++] = w;
    p.grad<"fc.bias">()[0] = 12;
    return p;
}
std::vector<double> grads_of(tg::Parameters<decltype(linear_mse), double>& p) {
    const auto g = p.grads();
    return {g.begin(), g.end()};
}
}  // namespace

TEST_CASE("regression: clip_grad_norm rejects a negative or non-finite max_norm", "[regression][clip]") {
    auto p = with_grads();
    const auto before = grads_of(p);
    CHECK_THROWS_WITH(tg::clip_grad_norm(p, -1.0), Equals("typegrad: clip_grad_norm: Invalid max_norm value: -1.0"));
    CHECK_THROWS_WITH(tg::clip_grad_norm(p, std::numeric_limits<double>::quiet_NaN()),
                      Equals("typegrad: clip_grad_norm: Invalid max_norm value: nan"));
    CHECK_THROWS_AS(tg::clip_grad_norm(p, std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK(grads_of(p) == before);
    CHECK_NOTHROW(tg::clip_grad_norm(p, 0.0));  // as torch: every gradient becomes 0
}

TEST_CASE("regression: clip_grad_value rejects a negative or NaN clip_value", "[regression][clip]") {
    auto p = with_grads();
    const auto before = grads_of(p);
    CHECK_THROWS_WITH(tg::clip_grad_value(p, -0.5),
                      Equals("typegrad: clip_grad_value: Invalid clip_value value: -0.5"));
    CHECK_THROWS_AS(tg::clip_grad_value(p, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    CHECK(grads_of(p) == before);
}
