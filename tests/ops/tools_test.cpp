// tg::gradcheck (it passes on correct gradients and names the element of a wrong one) and the
// metrics tg::accuracy and tg::r2.
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/gradcheck.hpp>
#include <typegrad/metrics.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/predict.hpp>

namespace {

namespace tg = typegrad;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

constexpr auto x = tg::input<"x", 2>;
constexpr auto y = tg::target<"y">;
constexpr auto w = tg::param<"w">;

// x³ with a wrong derivative (2x² instead of 3x²): what gradcheck is there to catch.
struct wrong_cube : tg::detail::unary_elementwise<wrong_cube> {
    static constexpr auto f(const auto& v) { return v * v * v; }
    static constexpr auto df(const auto& v, const auto&) { return (v + v) * v; }
};
template <tg::Expression A>
constexpr auto wrong_cube_of(A) {
    return tg::node<wrong_cube, A>{};
}

}  // namespace

TEST_CASE("gradcheck passes on a correct gradient and says how close it came", "[gradcheck]") {
    constexpr auto loss =
        tg::cross_entropy(tg::linear<"out", 3, 3>(tg::tanh(tg::linear<"hidden", 2, 3>(x))), tg::class_target<"y", 3>);
    tg::Parameters<decltype(loss), double> params;
    for (std::size_t k = 0; k < params.total; ++k)
        params.values()[k] = 0.3 * static_cast<double>(k % 5) - 0.6;
    const std::vector<double> features{0.5, -1.0, 2.0, 0.25, -0.75, 1.5};
    const std::vector<double> labels{2, 0, 1};

    const auto r = tg::gradcheck(loss, params, features, labels);
    INFO(r.report);
    CHECK(r.ok);
    CHECK(static_cast<bool>(r));
    CHECK(r.checked == params.total);
    CHECK(r.failures == 0);
    CHECK(r.abs_err <= 1e-5 + 1e-3 * std::abs(r.numeric));
    CHECK_THAT(r.report,
               StartsWith("gradcheck: ok: 21 gradient elements of 4 parameters agree with central differences"));
}

TEST_CASE("gradcheck names the parameter element whose gradient is wrong", "[gradcheck]") {
    constexpr auto loss = tg::mse(tg::sum(wrong_cube_of(tg::linear<"fc", 2, 2>(x))), y);
    tg::Parameters<decltype(loss), double> params;
    const auto weight = params.value<"fc.weight">();
    weight[0] = 0.5;
    weight[1] = -0.25;
    weight[2] = 0.75;
    weight[3] = 0.125;
    params.value<"fc.bias">()[0] = 0.125;
    const std::array<double, 4> features{1.0, 2.0, -0.5, 3.0};
    const std::array<double, 2> targets{0.5, -1.0};

    const auto r = tg::gradcheck(loss, params, features, targets);
    CHECK_FALSE(r.ok);
    CHECK(r.checked == 6);
    CHECK(r.failures == 6);
    CHECK(r.worst_param == "fc.weight");
    CHECK(r.index == 3);  // d/dW[1, 1] = mean over rows of 2 (Σ h³ - y) 3 h₁² x₁ = 3.01171875, the largest
    CHECK(r.numeric == Approx(3.01171875));
    CHECK(r.analytic == Approx(2.0 / 3.0 * 3.01171875));  // 2x² where 3x² is due
    CHECK(r.abs_err == Approx(std::abs(r.analytic - r.numeric)));
    CHECK(r.rel_err == Approx(r.abs_err / std::abs(r.numeric)));
    CHECK_THAT(r.report, StartsWith("typegrad: gradcheck: 6 of 6 gradient elements differ from central differences"));
    CHECK_THAT(r.report, Contains("worst: fc.weight[1, 1]: analytic "));
}

TEST_CASE("gradcheck compares in double whatever the parameters and data hold", "[gradcheck]") {
    constexpr auto loss = tg::mse(tg::sigmoid(tg::linear<"fc", 2, 1>(x)), y);
    tg::Parameters<decltype(loss), float> params;
    params.value<"fc.weight">()[0] = 0.5f;
    params.value<"fc.weight">()[1] = -1.5f;
    const std::array<float, 4> features{1.0f, 2.0f, -0.5f, 3.0f};
    const std::array<float, 2> targets{0.5f, 1.0f};
    const auto r = tg::gradcheck(loss, params, features, targets);
    INFO(r.report);
    CHECK(r.ok);
    CHECK(r.checked == 3);
}

TEST_CASE("gradcheck uses the tolerances it is given", "[gradcheck]") {
    constexpr auto loss = tg::exp(w);
    tg::Parameters<decltype(loss), double> params;
    params.values()[0] = 1.0;
    CHECK(tg::gradcheck(loss, params).ok);
    const auto strict = tg::gradcheck(loss, params, {.eps = 1e-2, .rtol = 1e-9, .atol = 1e-9});
    CHECK_FALSE(strict.ok);
    CHECK(strict.numeric == Approx(std::exp(1.0) * (1 + 1e-4 / 6)).epsilon(1e-9));  // (e^(1+h) - e^(1-h)) / 2h
}

TEST_CASE("gradcheck refuses data that does not fit the loss", "[gradcheck]") {
    constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x), y);
    tg::Parameters<decltype(loss), double> params;
    const std::vector<double> five{1, 2, 3, 4, 5}, two{1, 2}, one{1};
    CHECK_THROWS_AS(tg::gradcheck(loss, params, five, two), std::invalid_argument);
    CHECK_THROWS_WITH(
        tg::gradcheck(loss, params, std::vector<double>{1}, one),
        "typegrad: gradcheck: the data does not fit the loss: 1 feature values and 1 targets for an input of "
        "width 2 and one target per row");
    // A row holds exactly the input's width, as the trainer and predict require.
    const std::vector<double> wide{1, 2, 3, 4, 5, 6};
    CHECK_THROWS_WITH(
        tg::gradcheck(loss, params, wide, two),
        "typegrad: gradcheck: the data does not fit the loss: 6 feature values and 2 targets for an input "
        "of width 2 and one target per row");
}

TEMPLATE_TEST_CASE("accuracy takes the argmax of class scores, or the sign of one logit", "[metrics]", float, double) {
    using T = TestType;
    const std::vector<T> scores{0.1, 0.7, 0.2, /**/ 0.5, 0.4, 0.1, /**/ 0.3, 0.3, 0.4};
    CHECK(tg::accuracy(scores, std::vector<T>{1, 1, 2}) == Approx(2.0 / 3.0));
    // torch.argmax picks the first of equal maxima
    CHECK(tg::accuracy(std::vector<T>{0.5, 0.5, 0.2, 0.9, 0.9, 0.1}, std::vector<T>{0, 1}) == Approx(0.5));
    // one logit per row: class 1 when it is > 0
    CHECK(tg::accuracy(std::vector<T>{-1, 2, 0, 0.5}, std::vector<T>{0, 1, 1, 0}) == Approx(0.5));
    CHECK(tg::accuracy(std::vector<T>{-1, 2}, std::vector<T>{0, 1}) == 1.0);
    CHECK_THROWS_WITH(
        tg::accuracy(std::vector<T>{1, 2, 3}, std::vector<T>{0, 1}),
        "typegrad: accuracy: 3 predictions for 2 targets; expected one value or one score per class for each target");
    CHECK_THROWS_AS(tg::accuracy(std::vector<T>{}, std::vector<T>{}), std::invalid_argument);
}

TEMPLATE_TEST_CASE("r2 is sklearn's coefficient of determination", "[metrics]", float, double) {
    using T = TestType;
    const std::vector<T> targets{1, 2, 3, 4};
    // sklearn.metrics.r2_score([1, 2, 3, 4], [1.5, 2, 2.5, 4.5]) -> 0.85
    CHECK(tg::r2(std::vector<T>{1.5, 2, 2.5, 4.5}, targets) == Approx(0.85));
    CHECK(tg::r2(targets, targets) == 1.0);
    CHECK(tg::r2(std::vector<T>{2.5, 2.5, 2.5, 2.5}, targets) == 0.0);
    // constant targets: 1 if exact, else 0 (sklearn's force_finite)
    CHECK(tg::r2(std::vector<T>{2, 2}, std::vector<T>{2, 2}) == 1.0);
    CHECK(tg::r2(std::vector<T>{1, 2}, std::vector<T>{2, 2}) == 0.0);
    CHECK_THROWS_WITH(tg::r2(std::vector<T>{1, 2, 3}, targets),
                      "typegrad: r2: 3 predictions for 4 targets; expected one prediction per target");
}

TEST_CASE("metrics take the predictions tg::predict writes", "[metrics]") {
    constexpr auto prediction = tg::linear<"fc", 2, 1>(x);
    constexpr auto loss = tg::mse(prediction, y);
    tg::Parameters<decltype(loss), double> params;
    params.value<"fc.weight">()[0] = 2;
    params.value<"fc.weight">()[1] = -1;
    params.value<"fc.bias">()[0] = 0.5;
    const std::vector<double> features{1, 1, 2, 0, 0, 3, -1, 1, 4, 2, 0.5, 0.5, 1, 3};
    std::vector<double> targets;
    for (std::size_t r = 0; r < 7; ++r)
        targets.push_back(2 * features[2 * r] - features[2 * r + 1] + 0.5);
    const tg::data::basic_dataset<double> data({"a", "b"}, "y", features, targets);

    const std::vector<double> predicted = tg::predict(prediction, params, data);
    CHECK(tg::r2(predicted, targets) == 1.0);
    std::vector<double> classes;
    for (const double t : targets)
        classes.push_back(t > 0 ? 1 : 0);
    CHECK(tg::accuracy(predicted, classes) == 1.0);
}
