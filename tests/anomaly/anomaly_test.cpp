// Anomaly mode names the op that made the first NaN or infinity: seeded faults in the forward pass
// (log of 0, division by 0, sqrt of a negative, exp overflowing, a NaN in the data, a parameter set
// to inf) and in the backward pass (an infinite local derivative), through Trainer::backward and
// through tg::find_anomaly.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <typegrad/to_string.hpp>
#include <typegrad/train/anomaly.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {
constexpr auto x = tg::input<"x", 2>;
constexpr auto y = tg::target<"y">;
constexpr float inf = std::numeric_limits<float>::infinity();
constexpr float not_a_number = std::numeric_limits<float>::quiet_NaN();

// Trains `loss` with anomaly mode on over `d` (after `steps` steps on `warm`, when given) and
// returns the error that backward() throws.
template <class Loss, class Setup>
tg::non_finite_error fault_of(Loss loss, const tg::data::dataset& d, Setup setup, tg::trainer_checks checks = {},
                              const tg::data::dataset* warm = nullptr) {
    tg::Parameters params{loss};
    for (auto& p : params.values())
        p = 0.5f;
    setup(params);
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.0}};
    tg::detect_anomaly(trainer);
    trainer.set_checks(checks);
    if (warm) {
        trainer.zero_grad();
        (void)trainer.backward(*warm);
        trainer.step();
    }
    trainer.zero_grad();
    try {
        (void)trainer.backward(d);
    } catch (const tg::non_finite_error& e) {
        return e;
    }
    FAIL("backward() did not throw");
    throw;
}
const auto nothing = [](auto&) {};

// The report is in the message, as the structured fields say.
void check_message(const tg::non_finite_error& e) {
    REQUIRE(e.anomaly());
    CHECK_THAT(std::string(e.what()), Catch::EndsWith("; " + e.anomaly()->message()));
    CHECK_THAT(e.anomaly()->message(), Catch::Contains(e.anomaly()->expression) && Catch::Contains(e.anomaly()->loss) &&
                                           Catch::Contains("data row " + std::to_string(e.anomaly()->row)));
}
}  // namespace

TEST_CASE("anomaly mode: log of 0 in the forward pass") {
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(tg::log(x)), y);
    // Rows 0 and 2 are fine; row 1 has a feature 0.
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 0, 2, 2}, {0, 1, 0});
    const auto e = fault_of(loss, d, nothing);
    CHECK(e.rows() == std::vector<std::size_t>{1});
    const auto& r = *e.anomaly();
    CHECK(r.pass == tg::anomaly_pass::forward);
    CHECK(r.op == "log");
    CHECK(r.expression == tg::to_string(tg::log(x)));
    CHECK(r.loss == tg::to_string(loss));
    CHECK(r.row == 1);
    CHECK(r.element == 1);
    CHECK(r.value == -std::numeric_limits<double>::infinity());
    CHECK(r.param.empty());
    CHECK(r.from == "0 at element 1");
    check_message(e);
}

TEST_CASE("anomaly mode: division by 0, at the step it happens") {
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x) / tg::sum(x), y);
    const tg::data::dataset warm({"a", "b"}, "y", {1, 2}, {0});
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4, 1, -1}, {0, 1, 0});  // row 2 sums to 0
    const auto e = fault_of(loss, d, nothing, {}, &warm);
    const auto& r = *e.anomaly();
    CHECK(r.op == "/");
    CHECK(r.expression == tg::to_string(tg::linear<"fc", 2, 1>(x) / tg::sum(x)));
    CHECK(r.row == 2);
    CHECK(r.step == 1);
    CHECK(e.step() == 1);
    CHECK(std::isinf(r.value));
    check_message(e);
}

TEST_CASE("anomaly mode: sqrt of a negative number") {
    constexpr auto loss = tg::mse(tg::dot(tg::sqrt(x), tg::param<"w", 2>), y);
    const tg::data::dataset d({"a", "b"}, "y", {1, 4, 9, 16, 4, -1}, {0, 1, 0});
    const auto e = fault_of(loss, d, nothing);
    const auto& r = *e.anomaly();
    CHECK(r.op == "sqrt");
    CHECK(r.expression == "sqrt(x)");
    CHECK(r.row == 2);
    CHECK(r.element == 1);
    CHECK(std::isnan(r.value));
    check_message(e);
}

TEST_CASE("anomaly mode: exp overflowing in float, not the square after it") {
    constexpr auto loss = tg::mse(tg::exp(tg::linear<"fc", 2, 1>(x)), y);
    const tg::data::dataset d({"a", "b"}, "y", {1, 1, 100, 100}, {0, 1});  // exp(100.5) > FLT_MAX
    const auto e = fault_of(loss, d, nothing);
    const auto& r = *e.anomaly();
    CHECK(r.op == "exp");
    CHECK(r.expression == tg::to_string(tg::exp(tg::linear<"fc", 2, 1>(x))));
    CHECK(r.row == 1);
    CHECK(r.value == std::numeric_limits<double>::infinity());
    // The operand it came from is finite, and given.
    CHECK(std::isfinite(std::stod(r.from)));
    check_message(e);
}

TEST_CASE("anomaly mode: a NaN in the data, with the data check off") {
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x), y);
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4, 5, not_a_number}, {0, 1, 0});
    const auto e = fault_of(loss, d, nothing, {.finite_data = false});
    const auto& r = *e.anomaly();
    CHECK(r.op == "input");
    CHECK(r.expression == "x");
    CHECK(r.row == 2);
    CHECK(r.element == 1);
    CHECK(std::isnan(r.value));
    check_message(e);
}

TEST_CASE("anomaly mode: a parameter set to inf") {
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x), y);
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4}, {0, 1});
    const auto e = fault_of(loss, d, [](auto& p) { p.template value<"fc.weight">()[1] = inf; });
    const auto& r = *e.anomaly();
    CHECK(r.op == "parameter");
    CHECK(r.param == "fc.weight[1]");
    CHECK(r.row == 0);  // every row is at fault: the first is re-run
    check_message(e);
}

TEST_CASE("anomaly mode: an infinite derivative in the backward pass, into a node") {
    // |p - y| written as sqrt((p - y)^2): finite, but at p = y sqrt's derivative is inf.
    constexpr auto p = tg::linear<"fc", 2, 1>(x);
    constexpr auto loss = tg::sum(tg::sqrt(tg::square(p - y)));
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4}, {0, 4});  // row 1: p = 0.5 (3 + 4) + 0.5 = 4
    const auto e = fault_of(loss, d, nothing, {.finite = true});
    CHECK(e.rows() == std::vector<std::size_t>{1});
    const auto& r = *e.anomaly();
    CHECK(r.pass == tg::anomaly_pass::backward);
    CHECK(r.op == "sqrt");
    CHECK(r.expression == tg::to_string(tg::sqrt(tg::square(p - y))));
    CHECK(r.operand == tg::to_string(tg::square(p - y)));
    CHECK(r.param.empty());
    CHECK(r.row == 1);
    CHECK(r.value == std::numeric_limits<double>::infinity());
    check_message(e);
}

TEST_CASE("anomaly mode: an infinite derivative in the backward pass, into a parameter") {
    constexpr auto s = tg::param<"s", 2>;
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x), y) + tg::sum(tg::sqrt(s));
    const tg::data::dataset d({"a", "b"}, "y", {1, 2, 3, 4}, {0, 1});
    const auto e = fault_of(loss, d, [](auto& params) { params.template value<"s">()[1] = 0; }, {.finite = true});
    CHECK(e.param() == "s[1]");
    const auto& r = *e.anomaly();
    CHECK(r.pass == tg::anomaly_pass::backward);
    CHECK(r.op == "sqrt");
    CHECK(r.operand == "s");
    CHECK(r.param == "s[1]");
    CHECK(r.element == 1);
    check_message(e);
}

TEST_CASE("anomaly mode is off by default, and finds nothing in a finite sample") {
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(tg::log(x)), y);
    const tg::data::dataset d({"a", "b"}, "y", {1, 0}, {0});
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK(trainer.get_anomaly_detector() == nullptr);
    try {
        (void)trainer.backward(d);
        FAIL("backward() accepted a non-finite loss");
    } catch (const tg::non_finite_error& e) {
        CHECK_FALSE(e.anomaly());
        CHECK_THAT(std::string(e.what()), !Catch::Contains("anomaly"));
    }
    tg::detect_anomaly(trainer);
    CHECK(trainer.get_anomaly_detector() != nullptr);
    tg::detect_anomaly(trainer, false);
    CHECK(trainer.get_anomaly_detector() == nullptr);

    const float good[] = {1, 2};
    CHECK_FALSE(tg::find_anomaly(loss, params, std::span<const float>(good), 0.f));
    const float bad[] = {1, 0};
    const auto r = tg::find_anomaly(loss, params, std::span<const float>(bad), 0.f);
    REQUIRE(r);
    CHECK(r->op == "log");
    CHECK_THROWS_AS(tg::find_anomaly(loss, params, std::span<const float>(good, 1), 0.f), std::invalid_argument);
}
