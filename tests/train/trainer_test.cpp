// The trainer's PyTorch semantics: backward() adds, zero_grad() resets, step() applies the policy.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "models.hpp"

namespace tg = typegrad;
using namespace test_models;

namespace {

template <class P>
std::vector<double> grads_of(const P& params) {
    return {params.grads().begin(), params.grads().end()};
}

template <class Loss, class T>
void init(tg::Parameters<Loss, T>& params) {
    tg::init::torch_default(params, 7);
}

}  // namespace

TEMPLATE_TEST_CASE("backward() twice gives twice the gradient", "[trainer]", float, double) {
    const auto data = test_models::random_data<TestType>(45, 1);
    tg::Parameters<decltype(mlp_mse), TestType> params;
    init(params);
    tg::Trainer<decltype(mlp_mse), tg::SGD, TestType> trainer{params, {.lr = 0.1}};
    trainer.zero_grad();
    trainer.backward(data);
    const auto once = grads_of(params);
    trainer.backward(data);
    const auto twice = grads_of(params);
    REQUIRE(std::any_of(once.begin(), once.end(), [](double g) { return g != 0; }));
    for (std::size_t i = 0; i < once.size(); ++i)
        CHECK(twice[i] == Approx(2 * once[i]).epsilon(1e-6));
}

TEMPLATE_TEST_CASE("micro-batches accumulate to the sum of their gradients", "[trainer]", float, double) {
    const auto data = test_models::random_data<TestType>(70, 2);
    tg::Parameters<decltype(mlp_mse), TestType> params;
    init(params);
    tg::Trainer<decltype(mlp_mse), tg::SGD, TestType> trainer{params, {.lr = 0.1}};
    const std::vector<std::uint32_t> rows = [] {
        std::vector<std::uint32_t> r(70);
        std::iota(r.begin(), r.end(), 0u);
        return r;
    }();
    // Gradients of each micro-batch of 14 rows, alone.
    std::vector<double> sum(params.total, 0.0);
    for (std::size_t k = 0; k < 5; ++k) {
        trainer.zero_grad();
        trainer.backward(tg::data::batch_view<TestType>(data, std::span(rows).subspan(k * 14, 14)));
        for (std::size_t i = 0; i < sum.size(); ++i)
            sum[i] += params.grads()[i];
    }
    // The same five backward() calls without zero_grad() in between.
    trainer.zero_grad();
    for (std::size_t k = 0; k < 5; ++k)
        trainer.backward(tg::data::batch_view<TestType>(data, std::span(rows).subspan(k * 14, 14)));
    for (std::size_t i = 0; i < sum.size(); ++i)
        CHECK(params.grads()[i] == Approx(sum[i]).epsilon(1e-5).margin(1e-7));
}

TEMPLATE_TEST_CASE("zero_grad() resets every gradient and nothing else", "[trainer]", float, double) {
    const auto data = test_models::random_data<TestType>(20, 3);
    tg::Parameters<decltype(linear_mse), TestType> params;
    init(params);
    const std::vector<double> before(params.values().begin(), params.values().end());
    tg::Trainer<decltype(linear_mse), tg::SGD, TestType> trainer{params, {.lr = 0.1}};
    trainer.backward(data);
    REQUIRE(params.template grad<"fc.bias">()[0] != 0);
    trainer.zero_grad();
    for (auto g : params.grads())
        CHECK(g == 0);
    for (std::size_t i = 0; i < before.size(); ++i)
        CHECK(params.values()[i] == static_cast<TestType>(before[i]));
}

TEMPLATE_TEST_CASE("the SIMD batch path equals the per-sample path averaged", "[trainer]", float, double) {
    // 37 rows: several full blocks of lanes and a padded last one, whatever the lane count.
    const auto data = test_models::random_data<TestType>(37, 4);
    tg::Parameters<decltype(mlp_mse), TestType> simd, scalar;
    init(simd);
    init(scalar);
    tg::Trainer<decltype(mlp_mse), tg::SGD, TestType> trainer{simd, {.lr = 0.1}};
    const TestType batch_loss = trainer.backward(data);
    double mean_loss = 0;
    using program = tg::autodiff::program<decltype(mlp_mse), TestType>;
    for (std::size_t r = 0; r < data.rows(); ++r)
        mean_loss += program::sample_backward(scalar.values().data(), scalar.grads().data(), data.row(r),
                                              data.target(r), TestType(1) / TestType(data.rows()));
    mean_loss /= static_cast<double>(data.rows());
    CHECK(batch_loss == Approx(mean_loss).epsilon(1e-5));
    CHECK(trainer.loss(data) == Approx(mean_loss).epsilon(1e-5));
    for (std::size_t i = 0; i < simd.total; ++i)
        CHECK(simd.grads()[i] == Approx(scalar.grads()[i]).epsilon(1e-4).margin(1e-6));
}

TEST_CASE("step() applies SGD to every parameter: value -= lr * grad", "[trainer]") {
    const auto data = test_models::random_data<double>(16, 5);
    tg::Parameters<decltype(linear_mse), double> params;
    init(params);
    tg::Trainer<decltype(linear_mse), tg::SGD, double> trainer{params, {.lr = 0.25}};
    trainer.zero_grad();
    trainer.backward(data);
    const std::vector<double> v(params.values().begin(), params.values().end()), g = grads_of(params);
    trainer.step();
    for (std::size_t i = 0; i < v.size(); ++i)
        CHECK(params.values()[i] == Approx(v[i] - 0.25 * g[i]).epsilon(1e-12));
}

TEST_CASE("training the linear model brings the loss down to the noise level", "[trainer]") {
    const auto data = test_models::random_data<float>(200, 6);
    tg::Parameters params{linear_mse};
    init(params);
    tg::Trainer<decltype(linear_mse), tg::SGD> trainer{params, {.lr = 0.05}};
    const float start = trainer.loss(data);
    for (int epoch = 0; epoch < 30; ++epoch)
        for (auto batch : tg::data::batches(data, 16, tg::data::shuffle{.seed = static_cast<std::uint64_t>(epoch)})) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
    CHECK(start > 1.0f);
    CHECK(trainer.loss(data) < 0.02f);  // noise variance 0.01
    // The rule: weight f is f - 2, bias 0.5.
    for (std::size_t f = 0; f < 5; ++f)
        CHECK(params.value<"fc.weight">()[f] == Approx(static_cast<double>(f) - 2.0).margin(0.05));
    CHECK(params.value<"fc.bias">()[0] == Approx(0.5).margin(0.05));
}

TEST_CASE("a batch whose width differs from the model's input is an error naming both", "[trainer]") {
    const tg::data::dataset d({"a", "b", "c"}, "y", {1, 2, 3}, {1});
    tg::Parameters params{linear_mse};
    tg::Trainer<decltype(linear_mse), tg::SGD> trainer{params, {.lr = 0.1}};
    REQUIRE_THROWS_WITH(trainer.backward(d), Catch::Contains("input 'x' has 5 features but the data has 3"));
}

TEST_CASE("checked mode reports a missing zero_grad() and a non-finite gradient by name", "[trainer]") {
    auto data = test_models::random_data<float>(8, 7);
    tg::Parameters params{linear_mse};
    init(params);
    tg::Trainer<decltype(linear_mse), tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.set_checks({.zero_grad = true, .finite = true});
    trainer.zero_grad();
    trainer.backward(data);
    trainer.step();
    REQUIRE_THROWS_WITH(trainer.backward(data), Catch::Contains("without zero_grad()"));
    trainer.zero_grad();
    data.update([](std::span<float> features, std::span<float>) { features[3] = 1e30f; });
    // 1e30 squared overflows: a finite input, an infinite loss and gradient.
    REQUIRE_THROWS_WITH(trainer.backward(data), Catch::Contains("mean loss is infinite") &&
                                                    Catch::Contains("data row 0 gives a non-finite loss"));
    trainer.zero_grad();
    data.update(
        [](std::span<float> features, std::span<float>) { features[3] = std::numeric_limits<float>::infinity(); });
    REQUIRE_THROWS_WITH(trainer.backward(data), Catch::Contains("data row 0") && Catch::Contains("feature 'd' = inf"));
}

TEST_CASE("an empty batch adds nothing", "[trainer]") {
    const auto data = test_models::random_data<float>(4, 8);
    tg::Parameters params{linear_mse};
    init(params);
    tg::Trainer<decltype(linear_mse), tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.zero_grad();
    const std::vector<std::uint32_t> none;
    CHECK(trainer.backward(tg::data::batch_view<float>(data, std::span<const std::uint32_t>(none))) == 0.0f);
    for (auto g : params.grads())
        CHECK(g == 0);
}

TEMPLATE_TEST_CASE("a dataset's feature-major copy changes nothing but the loads", "[trainer]", float, double) {
    // 83 rows: full blocks read with vector loads, a partial one gathered, at any lane count.
    const auto rows_major = test_models::random_data<TestType>(83, 9);
    auto with_columns = rows_major;
    with_columns.keep_columns();
    REQUIRE(with_columns.columns().size() == with_columns.features().size());
    tg::Parameters<decltype(mlp_mse), TestType> a, b;
    init(a);
    init(b);
    tg::Trainer<decltype(mlp_mse), tg::SGD, TestType> ta{a, {.lr = 0.1}}, tb{b, {.lr = 0.1}};
    // Consecutive rows (vector loads) and a shuffled order (gathers from the columns).
    for (auto batch : tg::data::batches(rows_major, 32, tg::data::no_shuffle{}))
        ta.backward(batch);
    for (auto batch : tg::data::batches(with_columns, 32, tg::data::no_shuffle{}))
        tb.backward(batch);
    for (auto batch : tg::data::batches(rows_major, 20, tg::data::shuffle{.seed = 5}))
        ta.backward(batch);
    for (auto batch : tg::data::batches(with_columns, 20, tg::data::shuffle{.seed = 5}))
        tb.backward(batch);
    for (std::size_t i = 0; i < a.total; ++i)
        CHECK(a.grads()[i] == b.grads()[i]);
    CHECK(ta.loss(rows_major) == tb.loss(with_columns));
}
