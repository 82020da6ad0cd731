// A class label out of [0, K) or not an integer gave a NaN loss and a zero gradient, and even the
// finite check stayed silent: check_class_targets existed but nothing called it. The feed now checks
// class targets once per dataset, for the trainer, predict-on-a-loss and gradcheck alike.
#include <catch2/catch.hpp>

#include <span>
#include <stdexcept>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::input<"x", 2>;
constexpr auto loss = tg::cross_entropy(tg::linear<"fc", 2, 3>(x), tg::class_target<"y", 3>);
}  // namespace

TEST_CASE("a label outside [0, K) is an error naming its row, not a NaN loss") {
    const tg::data::dataset d({"a", "b"}, "label", {1, 2, 3, 4, 5, 6}, {0, 2, 3});
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK_THROWS_WITH(trainer.backward(d), Catch::Contains("data row 2") && Catch::Contains("'label' = 3") &&
                                               Catch::Contains("expected an integer class index in [0, 3)"));
    for (const float g : params.grads())
        CHECK(g == 0.f);  // nothing was added
    CHECK_THROWS_AS(trainer.loss(d), std::invalid_argument);
    CHECK_THROWS_AS(tg::gradcheck(loss, params, d), std::invalid_argument);
}

TEST_CASE("a fractional or negative label is an error too, and a fixed dataset trains") {
    tg::data::dataset d({"a", "b"}, "label", {1, 2, 3, 4}, {0.5f, 1});
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK_THROWS_WITH(trainer.backward(d), Catch::Contains("'label' = 0.5"));
    d.update([](std::span<float>, std::span<float> targets) { targets[0] = -1; });
    CHECK_THROWS_WITH(trainer.backward(d), Catch::Contains("'label' = -1"));
    d.update([](std::span<float>, std::span<float> targets) { targets[0] = 2; });
    trainer.zero_grad();
    const float l = trainer.backward(d);
    CHECK(std::isfinite(l));
}
