// The relu variants and the softmax layer against torch 1.13 (activations.json, recorded by
// record_torch.py): values and derivatives in float and double, at 0, -0, tiny, moderate and large
// magnitudes, ±inf and NaN, on both code paths: the SIMD sweep (a sample per lane, through
// tg::predict and tg::input_gradient) and the one-sample path (a layer's elements side by side,
// through tg::predict_one, and the scalar reverse sweep of tg::backward). Also: each layer is the
// very expression of its builder.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/functional.hpp>
#include <typegrad/input_gradient.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/rectifiers.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/predict.hpp>

#include "datasets.hpp"
#include "reference.hpp"

namespace {

namespace tg = typegrad;
using namespace tg::literals;
using typegrad_test::number;
using typegrad_test::numbers;

constexpr std::size_t n_inputs = 39;  // record_torch.py's INPUTS
constexpr auto x1 = tg::input<"x", 1>;
constexpr auto xn = tg::input<"x", n_inputs>;
constexpr auto wn = tg::param<"w", n_inputs>;
constexpr auto half = 0.5_c;
constexpr auto fifth = 0.2_c;

// Each layer gives its builder's expression.
constexpr auto h = tg::input<"h", 5>;
static_assert(std::is_same_v<decltype(tg::sequential<tg::GELU<>>{}(h)), decltype(tg::gelu(h))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::GELU<"tanh">>{}(h)), decltype(tg::gelu<"tanh">(h))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::SiLU>{}(h)), decltype(tg::silu(h))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::ELU<>>{}(h)), decltype(tg::elu(h))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::ELU<0.5_c>>{}(h)), decltype(tg::elu(h, 0.5_c))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::LeakyReLU<>>{}(h)), decltype(tg::leaky_relu(h))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::LeakyReLU<0.2_c>>{}(h)), decltype(tg::leaky_relu(h, 0.2_c))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::Softmax>{}(h)), decltype(tg::softmax(h))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::Linear<5, 3>, tg::GELU<"tanh">, tg::Linear<3, 1>>{}(h)),
                             decltype(tg::linear<"2", 3, 1>(tg::gelu<"tanh">(tg::linear<"0", 5, 3>(h))))>);
// torch's defaults: leaky_relu's slope 0.01, elu's alpha 1.
static_assert(decltype(tg::leaky_relu(h))::op::slope == 0.01 && decltype(tg::elu(h))::op::alpha == 1.0);
static_assert(std::is_same_v<decltype(tg::elu(h)), decltype(tg::elu(h, 1_c))>);
// The derivatives at the kinks, in constant evaluation: leaky_relu and elu take the left side at 0.
static_assert(tg::ops::leaky_relu<std::bit_cast<std::uint64_t>(0.2)>::df(0.0, 0.0) == 0.2);
static_assert(tg::ops::elu<std::bit_cast<std::uint64_t>(0.5)>::df(0.0, 0.0) == 0.5);
static_assert(tg::ops::gelu::df(0.0, 0.0) == 0.5 && tg::ops::gelu_tanh::df(0.0, 0.0) == 0.5);
static_assert(tg::ops::silu::df(0.0, 0.0) == 0.5);

//! The error torch 1.13 allows itself: its float32 value's distance from its float64 value
//! (`torch_error`, 0 for a double case), plus a few ulp of the result and, where the formula
//! cancels (1 + erf(x) and 1 - tanh² for x < 0), a few ulp of 1 scaled by |x|³ (at most 1e4).
template <class T>
double allowed(double want, double x, double torch_error) {
    const double eps = std::numeric_limits<T>::epsilon();
    const double scale = std::isfinite(x) ? std::min(std::pow(std::max(1.0, std::fabs(x)), 3.0), 1e4) : 1.0;
    return 32 * eps * std::fabs(want) + 4 * eps * scale + 4 * torch_error;
}

const nlohmann::json& reference() {
    static const nlohmann::json r = typegrad_test::read_reference("activations.json");
    return r;
}

const nlohmann::json& find_case(const std::string& op, const std::string& dtype, std::size_t k = 0) {
    for (const auto& c : reference().at("cases"))
        if (c.at("op") == op && c.at("dtype") == dtype && k-- == 0)
            return c;
    throw std::runtime_error(std::string("activations.json has no case ").append(op).append(" ").append(dtype));
}

template <class T>
constexpr const char* dtype_name = std::is_same_v<T, float> ? "float32" : "float64";

struct reference_values {
    std::vector<double> x, y, grad, y_error, grad_error;
};

// The case of `op` in T, with torch's float error at each point (from the float64 case).
template <class T>
reference_values load(const std::string& op, std::size_t k = 0) {
    const auto& c = find_case(op, dtype_name<T>, k);
    const auto& d = find_case(op, "float64", k);
    reference_values r{numbers(c.at("x")), numbers(c.at("y")), numbers(c.at("grad")), {}, {}};
    const auto y64 = numbers(d.at("y")), g64 = numbers(d.at("grad"));
    for (std::size_t i = 0; i < r.x.size(); ++i) {
        const auto gap = [](double a, double b) { return std::isfinite(a - b) ? std::fabs(a - b) : 0.0; };
        r.y_error.push_back(std::is_same_v<T, float> ? gap(r.y[i], y64[i]) : 0.0);
        r.grad_error.push_back(std::is_same_v<T, float> ? gap(r.grad[i], g64[i]) : 0.0);
    }
    return r;
}

#define CHECK_NEAR(got, want, x, err)                                                                       \
    do {                                                                                                    \
        INFO("x = " << (x) << ": got " << (got) << ", torch " << (want));                                   \
        CHECK(typegrad_test::close(static_cast<double>(got), (want), 0.0, allowed<T>((want), (x), (err)))); \
    } while (false)

//! An elementwise op, `make(x)` its builder, against its recording in T, on every path.
template <class T, class Make>
void check_elementwise(const std::string& op, Make make) {
    const reference_values r = load<T>(op);
    REQUIRE(r.x.size() == n_inputs);
    const std::vector<T> xs(r.x.begin(), r.x.end());
    const tg::data::feed_checks any_value{.finite = false};

    // The SIMD sweep, a sample per lane: one row per input.
    {
        constexpr auto model = decltype(make(x1)){};
        tg::Parameters<decltype(model), T> params;
        const auto data = typegrad_test::make_dataset<T>(1, xs, std::vector<T>(xs.size(), T(0)));
        const std::vector<T> y = tg::predict(model, params, data.all(), any_value);
        const std::vector<T> g = tg::input_gradient(model, params, data.all(), any_value);
        for (std::size_t i = 0; i < n_inputs; ++i) {
            CHECK_NEAR(y[i], r.y[i], r.x[i], r.y_error[i]);
            CHECK_NEAR(g[i], r.grad[i], r.x[i], r.grad_error[i]);
        }
    }
    // The one-sample path: the inputs side by side in one sample, a SIMD vector at a time and a
    // scalar tail; the derivative from the scalar reverse sweep.
    {
        constexpr auto model = decltype(make(xn)){};
        tg::Parameters<decltype(model), T> none;
        const auto y = tg::predict_one(model, none, xs, any_value);
        constexpr auto loss = tg::sum(decltype(make(wn)){});
        tg::Parameters<decltype(loss), T> params;
        std::copy(xs.begin(), xs.end(), params.values().begin());
        tg::backward(loss, params);
        for (std::size_t i = 0; i < n_inputs; ++i) {
            CHECK_NEAR(y[i], r.y[i], r.x[i], r.y_error[i]);
            CHECK_NEAR(params.grads()[i], r.grad[i], r.x[i], r.grad_error[i]);
        }
    }
}

template <class T, std::size_t N>
void check_softmax(std::size_t k) {
    const auto& c = find_case("softmax", dtype_name<T>, k);
    const reference_values r = load<T>("softmax", k);
    REQUIRE(r.x.size() == N);
    const auto weights = numbers(c.at("c"));
    constexpr auto x = tg::input<"x", N>;
    constexpr auto loss = tg::dot(tg::sequential<tg::Softmax>{}(x), tg::param<"c", N>);
    tg::Parameters<decltype(loss), T> params;
    std::copy(weights.begin(), weights.end(), params.values().begin());
    const std::vector<T> xs(r.x.begin(), r.x.end());
    const auto data = typegrad_test::make_dataset<T>(N, xs, {T(0)});

    const std::vector<T> y = tg::predict(tg::softmax(x), params, data.all());
    const auto y_one = tg::predict_one(tg::softmax(x), params, xs);
    const std::vector<T> g = tg::input_gradient(loss, params, data.all());
    for (std::size_t i = 0; i < N; ++i) {
        CHECK_NEAR(y[i], r.y[i], r.x[i], r.y_error[i]);
        CHECK_NEAR(y_one[i], r.y[i], r.x[i], r.y_error[i]);
        CHECK_NEAR(g[i], r.grad[i], r.x[i], r.grad_error[i]);
    }
}

}  // namespace

TEMPLATE_TEST_CASE("gelu, both forms, as torch's F.gelu", "[torch]", float, double) {
    using T = TestType;
    check_elementwise<T>("gelu", [](auto x) { return tg::gelu(x); });
    check_elementwise<T>("gelu_tanh", [](auto x) { return tg::gelu<"tanh">(x); });
}

TEMPLATE_TEST_CASE("silu as torch's F.silu", "[torch]", float, double) {
    using T = TestType;
    check_elementwise<T>("silu", [](auto x) { return tg::silu(x); });
}

TEMPLATE_TEST_CASE("elu as torch's F.elu, alpha 1 and 0.5", "[torch]", float, double) {
    using T = TestType;
    check_elementwise<T>("elu", [](auto x) { return tg::elu(x); });
    check_elementwise<T>("elu_0.5", [](auto x) { return tg::elu(x, half); });
}

TEMPLATE_TEST_CASE("leaky_relu as torch's F.leaky_relu, slope 0.01 and 0.2", "[torch]", float, double) {
    using T = TestType;
    check_elementwise<T>("leaky_relu", [](auto x) { return tg::leaky_relu(x); });
    check_elementwise<T>("leaky_relu_0.2", [](auto x) { return tg::leaky_relu(x, fifth); });
}

TEMPLATE_TEST_CASE("the Softmax layer as torch's nn.Softmax(dim=-1)", "[torch]", float, double) {
    using T = TestType;
    check_softmax<T, 3>(0);
    check_softmax<T, 4>(1);
    check_softmax<T, 3>(2);
    check_softmax<T, 5>(3);
}
