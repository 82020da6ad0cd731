// tg::input_gradient: d(expr)/d(x) per row, against central differences in double (models with the
// new layers, an input used several times, a loss reading targets, a row count that leaves the last
// SIMD block partly filled), against torch.autograd.grad on the same model (input_gradient.json,
// recorded by record_torch.py), and its contract: the parameters' gradients are left untouched,
// a short output span is an error, a reused output buffer is overwritten.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/init/torch_default.hpp>
#include <typegrad/input_gradient.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/predict.hpp>

#include "datasets.hpp"
#include "reference.hpp"

namespace {

namespace tg = typegrad;
using typegrad_test::numbers;

constexpr auto x = tg::input<"x", 4>;
constexpr auto label = tg::class_target<"y", 3>;
constexpr auto model = tg::sequential<tg::Linear<4, 8>, tg::GELU<>, tg::Linear<8, 3>>{}(x);
constexpr auto loss = tg::cross_entropy(model, label);

//! Central differences of `expr`'s per-row value: for each feature, every row moved by ±eps at once
//! (rows are independent).
template <class Expr, class L>
std::vector<double> central_differences(Expr expr, const tg::Parameters<L, double>& params,
                                        const tg::data::basic_dataset<double>& data, double eps) {
    const std::size_t rows = data.rows(), cols = data.cols();
    std::vector<double> out(rows * cols);
    for (std::size_t f = 0; f < cols; ++f) {
        std::vector<double> up(data.features().begin(), data.features().end()), down = up;
        for (std::size_t r = 0; r < rows; ++r) {
            up[r * cols + f] += eps;
            down[r * cols + f] -= eps;
        }
        const std::vector<double> targets(data.targets().begin(), data.targets().end());
        const auto plus = typegrad_test::make_dataset<double>(cols, up, targets);
        const auto minus = typegrad_test::make_dataset<double>(cols, down, targets);
        const auto a = tg::predict(expr, params, plus.all()), b = tg::predict(expr, params, minus.all());
        for (std::size_t r = 0; r < rows; ++r)
            out[r * cols + f] = (a[r] - b[r]) / (2 * eps);
    }
    return out;
}

tg::data::basic_dataset<double> random_rows(std::size_t rows, std::size_t cols, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-2, 2);
    std::vector<double> features(rows * cols), targets(rows);
    for (auto& v : features)
        v = u(rng);
    for (std::size_t r = 0; r < rows; ++r)
        targets[r] = static_cast<double>(r % 3);
    return typegrad_test::make_dataset<double>(cols, features, targets);
}

template <class Expr, class L>
void check_against_differences(Expr expr, tg::Parameters<L, double>& params, const tg::data::basic_dataset<double>& d) {
    const auto grads_before = std::vector<double>(params.grads().begin(), params.grads().end());
    const std::vector<double> g = tg::input_gradient(expr, params, d);
    const std::vector<double> fd = central_differences(expr, params, d, 1e-6);
    REQUIRE(g.size() == fd.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
        INFO("row " << i / d.cols() << ", feature " << i % d.cols() << ": input_gradient " << g[i]
                    << ", central differences " << fd[i]);
        CHECK(std::abs(g[i] - fd[i]) <= 1e-5 + 1e-3 * std::abs(fd[i]));
    }
    CHECK(std::vector<double>(params.grads().begin(), params.grads().end()) == grads_before);
}

}  // namespace

TEST_CASE("input_gradient matches central differences in double", "[input_gradient]") {
    tg::Parameters<decltype(loss), double> params;
    tg::init::torch_default(params, 5);
    const auto d = random_rows(13, 4, 7);  // 13 rows: the last SIMD block is partly filled
    check_against_differences(loss, params, d);
    check_against_differences(tg::sum(model), params, d);
    check_against_differences(tg::sum(model) * tg::constant<0> + tg::sum(x * x), params, d);  // x twice

    // Every new layer, the input used by several ops (its adjoint gathers them all).
    constexpr auto h =
        tg::sequential<tg::Linear<4, 6>, tg::SiLU, tg::Linear<6, 6>, tg::ELU<>, tg::Linear<6, 6>, tg::LeakyReLU<>,
                       tg::Linear<6, 6>, tg::GELU<"tanh">, tg::Linear<6, 5>, tg::Softmax, tg::Linear<5, 1>>{}(x);
    constexpr auto mixed = tg::mse(h + tg::sum(tg::silu(x) * x), tg::target<"y">);
    tg::Parameters<decltype(mixed), double> p2;
    tg::init::torch_default(p2, 9);
    check_against_differences(mixed, p2, d);
}

TEST_CASE("input_gradient reuses its output buffer and checks its size", "[input_gradient]") {
    tg::Parameters<decltype(loss)> params;
    tg::init::torch_default(params, 3);
    const auto d = typegrad_test::iris<float>();
    const auto first = tg::input_gradient(loss, params, d);
    std::vector<float> out(d.rows() * 4, 12345.0f);
    tg::input_gradient(loss, params, d.all(), std::span<float>(out));
    CHECK(out == first);
    tg::input_gradient(loss, params, d.all(), std::span<float>(out));
    CHECK(out == first);  // overwritten, not added to
    std::vector<float> small(d.rows() * 4 - 1);
    CHECK_THROWS_WITH(tg::input_gradient(loss, params, d.all(), std::span<float>(small)),
                      "typegrad: input_gradient: the output span is smaller than rows x features");
    // The float sweep agrees with the double one.
    tg::Parameters<decltype(loss), double> p64;
    for (std::size_t k = 0; k < p64.total; ++k)
        p64.values()[k] = params.values()[k];
    const auto g64 = tg::input_gradient(loss, p64, typegrad_test::iris<double>());
    for (std::size_t i = 0; i < first.size(); ++i)
        CHECK(first[i] == Approx(g64[i]).epsilon(1e-4).margin(1e-6));
}

TEMPLATE_TEST_CASE("input_gradient equals torch.autograd.grad on the same model", "[input_gradient][torch]", float,
                   double) {
    using T = TestType;
    static const nlohmann::json r = typegrad_test::read_reference("input_gradient.json");
    const std::string dtype = std::is_same_v<T, float> ? "float32" : "float64";
    const nlohmann::json* c = nullptr;
    for (const auto& k : r.at("cases"))
        if (k.at("dtype") == dtype)
            c = &k;
    REQUIRE(c != nullptr);
    tg::Parameters<decltype(loss), T> params;
    typegrad_test::set_parameters(params, c->at("init"));
    const auto data = typegrad_test::iris<T>();
    std::vector<std::uint32_t> rows(c->at("rows").get<std::size_t>());
    std::iota(rows.begin(), rows.end(), 0u);
    const tg::data::batch_view<T> batch(data, std::span<const std::uint32_t>(rows));
    const double rtol = std::is_same_v<T, float> ? 1e-5 : 1e-12, atol = std::is_same_v<T, float> ? 1e-6 : 1e-14;

    const auto check = [&](const char* what, const std::vector<T>& got, const nlohmann::json& want_json) {
        const auto want = numbers(want_json);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            INFO(what << ": row " << i / 4 << ", feature " << i % 4 << ": typegrad " << got[i] << ", torch "
                      << want[i]);
            CHECK(typegrad_test::close(got[i], want[i], rtol, atol));
        }
    };
    check("sum of outputs", tg::input_gradient(tg::sum(model), params, batch), c->at("sum_of_outputs"));
    check("cross_entropy", tg::input_gradient(loss, params, batch), c->at("cross_entropy"));
}
