// Layer normalisation (ops/norm.hpp, tg::LayerNorm): the gradient laws over the op (tests/ops/laws.hpp);
// values and gradients against torch 1.13 (layernorm.json, recorded by record_layernorm.py) in float
// and double, on the SIMD sweep (tg::predict, tg::input_gradient) and the one-sample path
// (tg::predict_one, tg::backward), a constant input among them; torch's initial values; and the
// training of a small MLP with a LayerNorm replayed against torch.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/functional.hpp>
#include <typegrad/init/torch_default.hpp>
#include <typegrad/input_gradient.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/norm.hpp>
#include <typegrad/optim.hpp>
#include <typegrad/predict.hpp>
#include <typegrad/to_string.hpp>
#include <typegrad/train/trainer.hpp>

#include "datasets.hpp"
#include "ops/laws.hpp"
#include "reference.hpp"
#include "replay_adam.hpp"

namespace typegrad_test {

using namespace tg::literals;

// The layer is its builder's expression, with torch.nn.Sequential's names; torch's defaults.
namespace expressions {
constexpr auto h = tg::input<"h", 6>;
static_assert(std::is_same_v<std::remove_cv_t<decltype(tg::sequential<tg::Linear<6, 4>, tg::LayerNorm<4>>{}(h))>,
                             decltype(tg::layer_norm<"1", 4>(tg::linear<"0", 6, 4>(h)))>);
static_assert(
    std::is_same_v<decltype(tg::sequential<tg::Unflatten<2, 3>, tg::LayerNorm<3, 1e-3_c, false>>{}(h)),
                   decltype(tg::layer_norm<"1", 3>(tg::view<2, 3>(h), 1e-3_c, tg::elementwise_affine<false>))>);
static_assert(std::is_same_v<decltype(tg::sequential<tg::Unflatten<2, 3>, tg::LayerNorm<tg::shape<2, 3>{}>>{}(h)),
                             decltype(tg::layer_norm<"1", 2, 3>(tg::view<2, 3>(h)))>);
static_assert(decltype(tg::layer_norm<"ln", 6>(h))::op::eps == 1e-5);
static_assert(std::is_same_v<decltype(tg::layer_norm<"ln", 6>(h)), decltype(tg::layer_norm<"ln", 6>(h, 1e-5_c))>);
// Over [L] of a signal [C, L]: C groups of L, parameters of shape [L].
using per_channel = decltype(tg::layer_norm<"ln", 3>(tg::view<2, 3>(h)));
static_assert(per_channel::op::groups == 2 && per_channel::op::normalized_size == 3);
static_assert(std::is_same_v<per_channel::shape_type, tg::shape<2, 3>>);

// In constant evaluation: a constant input gives the bias exactly and a finite gradient, (gⱼ -
// mean(g)) / √eps; an input of mean 0 and variance 1 comes back (nearly) unchanged.
using op4 = tg::ops::layer_norm<1, 4, std::bit_cast<std::uint64_t>(1e-5)>;
constexpr bool constant_input_gives_bias() {
    tg::detail::lanes<double, 4> x{{0.7, 0.7, 0.7, 0.7}}, y{}, w{{1.5, 2, 0.5, 1}}, b{{0.25, -1, 2, 0}};
    op4::forward(y, x, w, b);
    bool ok = y[0] == 0.25 && y[1] == -1 && y[2] == 2 && y[3] == 0;
    tg::detail::lanes<double, 4> gy{{1, 0, 0, 0}}, gx{{0, 0, 0, 0}};
    op4::vjp<0>(gx, gy, y, x, w, b);
    // g = gy · w = (1.5, 0, 0, 0), mean(g) = 0.375: dx = (1.125, -0.375, -0.375, -0.375) / √1e-5.
    const double s = 1 / tg::detail::sqrt(1e-5);
    const auto near = [](double a, double e) { return (a - e < 0 ? e - a : a - e) <= 1e-12 * (e < 0 ? -e : e); };
    return ok && near(gx[0], 1.125 * s) && near(gx[1], -0.375 * s) && near(gx[3], -0.375 * s);
}
static_assert(constant_input_gives_bias());
constexpr bool standard_input_unchanged() {
    tg::detail::lanes<double, 4> x{{-1, 1, -1, 1}}, y{};
    op4::forward(y, x);
    const double shrink = 1 / tg::detail::sqrt(1 + 1e-5);
    return y[0] == -shrink && y[1] == shrink;
}
static_assert(standard_input_unchanged());

// Written back as the builder: the name and normalized shape, eps when not torch's default.
constexpr auto p23 = tg::param<"p", 2, 3>;
static_assert(tg::expression_text<decltype(tg::layer_norm<"ln", 6>(h))> ==
              tg::fixed_string("layer_norm<\"ln\", 6>(h)"));
static_assert(tg::expression_text<decltype(tg::layer_norm<"ln", 2, 3>(p23, 1e-3_c))> ==
              tg::fixed_string("layer_norm<\"ln\", 2, 3>(p, 0.001)"));
static_assert(tg::expression_text<decltype(tg::layer_norm<"ln", 3>(p23, 1e-5_c, tg::elementwise_affine<false>))> ==
              tg::fixed_string("layer_norm<\"\", 3>(p, 0.00001, elementwise_affine<false>)"));
static_assert(tg::op_name(tg::layer_norm<"ln", 6>(h)) == "layer_norm");
}  // namespace expressions

// The gradient laws: the op after a linear layer (so that its input's gradient reaches a
// parameter), met by a parameter `v` so that its upstream gradient is not all ones.
namespace norm_cases {
inline constexpr auto y = tg::target<"y">;
template <class E>
constexpr auto projected(E e) {
    using S = typename E::shape_type;
    return tg::mse(tg::dot(tg::flatten(e), tg::param<"v", S::size>), y);
}
inline constexpr auto hidden = tg::linear<"fc", 4, 5>(tg::input<"x", 4>);
inline constexpr auto signal = tg::view<3, 4>(tg::linear<"fc", 4, 12>(tg::input<"x", 4>));
struct vector : case_defaults {
    static constexpr auto loss = projected(tg::layer_norm<"ln", 5>(hidden));
};
struct per_channel : case_defaults {
    static constexpr auto loss = projected(tg::layer_norm<"ln", 4>(signal));
};
struct whole_signal : case_defaults {
    static constexpr auto loss = projected(tg::layer_norm<"ln", 3, 4>(signal));
};
struct no_affine : case_defaults {
    static constexpr auto loss = projected(tg::layer_norm<"ln", 5>(hidden, 1e-3_c, tg::elementwise_affine<false>));
};
struct in_a_stack : case_defaults {
    static constexpr auto loss =
        projected(tg::sequential<tg::Linear<4, 6>, tg::LayerNorm<6>, tg::Tanh, tg::Linear<6, 3>>{}(tg::input<"x", 4>));
};
}  // namespace norm_cases

#define TYPEGRAD_NORM_CASES \
    norm_cases::vector, norm_cases::per_channel, norm_cases::whole_signal, norm_cases::no_affine, norm_cases::in_a_stack

TEMPLATE_TEST_CASE("layer_norm: the gradient matches central differences (double)", "[norm][laws]",
                   TYPEGRAD_NORM_CASES) {
    gradient_matches_central_differences<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("layer_norm: backward twice accumulates twice the gradient", "[norm][laws]",
                           (in_float, in_double), (TYPEGRAD_NORM_CASES)) {
    backward_twice_doubles_the_gradient<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("layer_norm: zero_grad resets the gradient", "[norm][laws]", (in_float, in_double),
                           (TYPEGRAD_NORM_CASES)) {
    zero_grad_resets<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("layer_norm: the SIMD sweep equals the per-sample sweep", "[norm][laws]",
                           (in_float, in_double), (TYPEGRAD_NORM_CASES)) {
    simd_matches_per_sample<TestType>();
}

namespace {

const nlohmann::json& recording() {
    static const nlohmann::json r = read_reference("layernorm.json");
    return r;
}

const nlohmann::json& find(const char* list, const std::string& name, const std::string& dtype = "") {
    for (const auto& c : recording().at(list))
        if (c.at("name") == name && (dtype.empty() || c.at("dtype") == dtype))
            return c;
    throw std::runtime_error(std::string("layernorm.json has no case ").append(name).append(" ").append(dtype));
}

template <class T>
constexpr const char* dtype_name = std::is_same_v<T, float> ? "float32" : "float64";

template <class P>
void set(P& params, std::string_view name, const std::vector<double>& v) {
    auto values = params.value(name);
    REQUIRE(values.size() == v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
        values[i] = static_cast<typename P::value_type>(v[i]);
}

//! How far typegrad's T result may be from torch's float64 one: 64 ulp of T of the largest value
//! of the vector (or of the upstream gradient c, the scale of a gradient that is 0, as the
//! weight's of a constant input), plus the float64 recording's own error, 32 ulp of double
//! amplified by the condition of the normalisation (the largest |x| over the smallest σ of the
//! groups).
template <class T>
struct tolerance_of {
    double kappa = 1;
    double scale = 0;
    double operator()(const std::vector<double>& want) const {
        double largest = scale;
        for (const double w : want)
            largest = std::max(largest, std::fabs(w));
        return largest * (64 * std::numeric_limits<T>::epsilon() + 32 * std::numeric_limits<double>::epsilon() * kappa);
    }
};

double condition(const std::vector<double>& x, std::size_t group, double eps) {
    double kappa = 1;
    for (std::size_t base = 0; base < x.size(); base += group) {
        double mean = 0, var = 0, largest = 0;
        for (std::size_t j = 0; j < group; ++j)
            mean += x[base + j] / static_cast<double>(group);
        for (std::size_t j = 0; j < group; ++j) {
            var += (x[base + j] - mean) * (x[base + j] - mean) / static_cast<double>(group);
            largest = std::max(largest, std::fabs(x[base + j]));
        }
        kappa = std::max(kappa, largest / std::sqrt(var + eps));
    }
    return kappa;
}

template <class Got>
void check_close(const char* what, const Got& got, const std::vector<double>& want, double tol) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO(what << "[" << i << "]: typegrad " << got[i] << ", torch " << want[i] << ", allowed " << tol);
        CHECK(close(static_cast<double>(got[i]), want[i], 0.0, tol));
    }
}

//! The recorded case `name` in T: `make(e)` is the layer norm of the flat expression e of S elements,
//! flattened (the same op and options as the recording's).
template <class T, std::size_t S, class Make>
void check_case(const std::string& name, Make make) {
    const auto& c = find("values", name, dtype_name<T>);
    const auto& d = find("values", name, "float64");
    const bool affine = c.at("elementwise_affine").template get<bool>();
    const auto x = numbers(c.at("x")), cs = numbers(c.at("c"));
    REQUIRE(x.size() == S);
    const std::size_t group = [&] {
        std::size_t n = 1;
        for (const auto& e : c.at("normalized_shape"))
            n *= e.template get<std::size_t>();
        return n;
    }();
    double largest_c = 0;
    for (const double v : cs)
        largest_c = std::max(largest_c, std::fabs(v));
    const tolerance_of<T> tol{condition(numbers(d.at("x")), group, c.at("eps").template get<double>()), largest_c};
    const auto want_y = numbers(d.at("y")), want_gx = numbers(d.at("grad_x"));

    constexpr auto model = decltype(make(tg::input<"x", S>)){};
    constexpr auto loss = tg::dot(model, tg::param<"c", S>);
    tg::Parameters<decltype(loss), T> params;
    set(params, "c", cs);
    if (affine) {
        set(params, "ln.weight", numbers(c.at("weight")));
        set(params, "ln.bias", numbers(c.at("bias")));
    }
    const std::vector<T> xs(x.begin(), x.end());
    const auto data = make_dataset<T>(S, xs, {T(0)});

    // The SIMD sweep, a sample per lane.
    check_close("y (predict)", tg::predict(model, params, data.all()), want_y, tol(want_y));
    check_close("grad x (input_gradient)", tg::input_gradient(loss, params, data.all()), want_gx, tol(want_gx));
    // The one-sample path, and the scalar reverse sweep with x a parameter.
    check_close("y (predict_one)", tg::predict_one(model, params, xs), want_y, tol(want_y));
    constexpr auto as_params = tg::dot(decltype(make(tg::param<"x", S>)){}, tg::param<"c", S>);
    tg::Parameters<decltype(as_params), T> p;
    set(p, "x", x);
    set(p, "c", cs);
    if (affine) {
        set(p, "ln.weight", numbers(c.at("weight")));
        set(p, "ln.bias", numbers(c.at("bias")));
    }
    tg::backward(as_params, p);
    check_close("grad x (backward)", p.grad("x"), want_gx, tol(want_gx));
    if (affine) {
        const auto want_gw = numbers(d.at("grad_weight")), want_gb = numbers(d.at("grad_bias"));
        check_close("grad weight", p.grad("ln.weight"), want_gw, tol(want_gw));
        check_close("grad bias", p.grad("ln.bias"), want_gb, tol(want_gb));
    }
}

}  // namespace

TEMPLATE_TEST_CASE("layer_norm as torch's F.layer_norm: values and gradients", "[norm][torch]", float, double) {
    using T = TestType;
    check_case<T, 8>("vector", [](auto x) { return tg::layer_norm<"ln", 8>(x); });
    check_case<T, 15>("channels", [](auto x) { return tg::flatten(tg::layer_norm<"ln", 5>(tg::view<3, 5>(x))); });
    check_case<T, 6>("whole", [](auto x) { return tg::flatten(tg::layer_norm<"ln", 2, 3>(tg::view<2, 3>(x))); });
    check_case<T, 6>("no_affine",
                     [](auto x) { return tg::layer_norm<"ln", 6>(x, 1e-3_c, tg::elementwise_affine<false>); });
    check_case<T, 7>("offset", [](auto x) { return tg::layer_norm<"ln", 7>(x); });
    check_case<T, 4>("constant", [](auto x) { return tg::layer_norm<"ln", 4>(x); });
}

TEMPLATE_TEST_CASE("layer_norm of a constant input is the bias exactly, with a finite gradient", "[norm][torch]", float,
                   double) {
    using T = TestType;
    const auto& c = find("values", "constant", dtype_name<T>);
    const auto x = numbers(c.at("x")), bias = numbers(c.at("bias"));
    constexpr auto model = tg::layer_norm<"ln", 4>(tg::input<"x", 4>);
    constexpr auto loss = tg::dot(model, tg::param<"c", 4>);
    tg::Parameters<decltype(loss), T> params;
    set(params, "c", numbers(c.at("c")));
    set(params, "ln.weight", numbers(c.at("weight")));
    set(params, "ln.bias", bias);
    const std::vector<T> xs(x.begin(), x.end());
    const auto data = make_dataset<T>(4, xs, {T(0)});
    const auto y = tg::predict(model, params, data.all());
    const auto y_one = tg::predict_one(model, params, xs);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(y[i] == static_cast<T>(bias[i]));
        CHECK(y_one[i] == static_cast<T>(bias[i]));
    }
    for (const T g : tg::input_gradient(loss, params, data.all()))
        CHECK(std::isfinite(g));
}

TEST_CASE("torch_default gives a LayerNorm torch's initial weight 1 and bias 0", "[norm]") {
    constexpr auto model =
        tg::sequential<tg::Linear<4, 8>, tg::LayerNorm<8>, tg::Tanh, tg::Linear<8, 3>>{}(tg::input<"x", 4>);
    tg::Parameters params{model};
    for (auto& v : params.values())
        v = 7;
    tg::init::torch_default(params, 3);
    for (const float w : params.value("1.weight"))
        CHECK(w == 1);
    for (const float b : params.value("1.bias"))
        CHECK(b == 0);
    // The linear layers keep their draws.
    for (const float w : params.value("0.weight"))
        CHECK(std::fabs(w) <= 0.5f);
    for (const float w : params.value("3.weight"))
        CHECK((std::fabs(w) <= 1 / std::sqrt(8.0f) && w != 7));
    // And so does the recording: torch starts there too.
    for (const double w : numbers(find("trajectories", "layernorm").at("init").at("1.weight")))
        CHECK(w == 1);
    for (const double b : numbers(find("trajectories", "layernorm").at("init").at("1.bias")))
        CHECK(b == 0);
}

namespace {

//! Sequential(Linear(4, 8), LayerNorm(8, eps, affine), Tanh(), Linear(8, 3)) on iris, cross-entropy
//! over the whole set, Adam(lr=0.05), in float: every step's loss, the first gradient and the final
//! parameters within the recording's tolerances.
template <class Norm>
void replay(const std::string& name) {
    const auto& c = find("trajectories", name);
    constexpr auto loss =
        tg::cross_entropy(tg::sequential<tg::Linear<4, 8>, Norm, tg::Tanh, tg::Linear<8, 3>>{}(tg::input<"x", 4>),
                          tg::class_target<"y", 3>);
    tg::Parameters<decltype(loss)> params;
    replay_adam_on_iris(name, c, params);
}

}  // namespace

TEST_CASE("an MLP with a LayerNorm trains as torch's", "[norm][torch]") {
    replay<tg::LayerNorm<8>>("layernorm");
    replay<tg::LayerNorm<8, 1e-3_c, false>>("layernorm_no_affine");
}

}  // namespace typegrad_test
