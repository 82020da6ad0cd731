// Non-finite values passed silently: the finite check was opt-in, never looked at the loss, named no
// step, and fired after step() had already overwritten the parameters. Now the loss is checked always,
// non-finite data by default, and with trainer_checks::finite a gradient before step() applies it.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::input<"x", 2>;
constexpr auto y = tg::target<"y">;
constexpr auto prediction = tg::linear<"fc", 2, 1>(x);
constexpr auto mse = tg::mse(prediction, y);
// |p - y| written as sqrt((p - y)^2): finite at p = y, but its gradient there is inf * 0 = NaN.
constexpr auto root = tg::sum(tg::sqrt(tg::square(prediction - y)));
}  // namespace

TEST_CASE("a non-finite loss is reported by backward() with the step and the rows at fault, checks off") {
    // Row 1's feature overflows the square in float.
    tg::data::dataset d({"a", "b"}, "y", {1, 2, 1e30f, 1, 3, 4}, {0, 1, 2});
    tg::Parameters params{mse};
    params.value<"fc.weight">()[0] = 0.5f;
    tg::Trainer<decltype(mse), tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.set_checks({.finite = false});
    try {
        (void)trainer.backward(d);
        FAIL("backward() accepted an infinite loss");
    } catch (const tg::non_finite_error& e) {
        CHECK(e.step() == 0);
        CHECK(e.param().empty());
        CHECK(e.rows() == std::vector<std::size_t>{1});
        CHECK(std::string(e.what()) ==
              "typegrad: Trainer::backward at step 0: the batch's mean loss is infinite; data row 1 gives a non-finite "
              "loss");
    }
}

TEST_CASE("non-finite data is refused by default, naming row and column; the check can be turned off") {
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, std::numeric_limits<float>::quiet_NaN()}, {0, 1});
    tg::Parameters params{mse};
    tg::Trainer<decltype(mse), tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK_THROWS_WITH(trainer.backward(d), Catch::Contains("data row 1") && Catch::Contains("feature 'b' = nan"));
    CHECK_THROWS_WITH(tg::predict(prediction, params, d), Catch::Contains("feature 'b' = nan"));
    trainer.set_checks({.finite_data = false});
    trainer.zero_grad();
    CHECK_THROWS_AS(trainer.backward(d), tg::non_finite_error);  // the NaN reaches the loss, which is checked
}

TEST_CASE("with the finite check, a NaN gradient is reported before step() and no parameter changes") {
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4}, {0, 0});  // p = y = 0 with zero weights
    tg::Parameters params{root};
    tg::Trainer<decltype(root), tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.set_checks({.finite = true});
    trainer.zero_grad();
    try {
        (void)trainer.backward(d);
        FAIL("backward() accepted a NaN gradient");
    } catch (const tg::non_finite_error& e) {
        CHECK(e.param() == "fc.weight[0]");
        CHECK(e.rows() == std::vector<std::size_t>{0, 1});
        CHECK(std::string(e.what()) ==
              "typegrad: backward() at step 0: the gradient of 'fc.weight[0]' is NaN; data rows 0, 1 give a "
              "non-finite gradient there; no parameter was changed");
    }
    const std::vector<float> before(params.values().begin(), params.values().end());
    CHECK_THROWS_WITH(trainer.step(), Catch::Contains("typegrad: step() at step 0: the gradient of 'fc.weight[0]' is "
                                                      "NaN") &&
                                          Catch::Contains("no parameter was changed"));
    CHECK(std::vector<float>(params.values().begin(), params.values().end()) == before);
    CHECK(trainer.steps() == 0);
}

TEST_CASE("without checks, a NaN gradient with a finite loss goes through as in PyTorch") {
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4}, {0, 0});
    tg::Parameters params{root};
    tg::Trainer<decltype(root), tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.zero_grad();
    CHECK(trainer.backward(d) == 0.f);
    CHECK(std::isnan(params.grad<"fc.weight">()[0]));
    trainer.step();
    CHECK(trainer.steps() == 1);
}
