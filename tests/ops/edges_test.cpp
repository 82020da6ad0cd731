// Values and derivatives where the maths is delicate: kinks, poles and ties take torch 1.13's
// derivatives, and the stable forms stay finite at |x| = 100, in float and double, on both the
// per-sample path and the SIMD path.
//
// Reference values: torch 1.13 (Debian python3-torch), with
//   def g(f, *xs, dt=torch.float64):
//       ts = [torch.tensor(x, dtype=dt, requires_grad=True) for x in xs]
//       y = f(*ts); y.backward(); return y.item(), [t.grad.item() for t in ts]
// and F = torch.nn.functional; the comment above each check gives the call and what it printed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/minmax.hpp>
#include <typegrad/ops/rectifiers.hpp>
#include <typegrad/ops/softmax.hpp>
#include <typegrad/parameters.hpp>

namespace {

namespace tg = typegrad;
using namespace tg::literals;

constexpr double inf_ = std::numeric_limits<double>::infinity();
constexpr double nan_ = std::numeric_limits<double>::quiet_NaN();

constexpr auto w = tg::param<"w">;
constexpr auto u = tg::param<"u">;
constexpr auto z = tg::param<"z", 3>;
constexpr auto y = tg::target<"y">;
constexpr auto label = tg::class_target<"y", 3>;
// Clang 14 mishandles the consteval `_c` literal and unary minus inside a function template (it
// rejects `-1_c` and leaves `0.5_c` undefined at link time), so the test cases below, which are
// templates, take the constants from here.
constexpr auto half = 0.5_c;
constexpr auto one_and_a_half = 1.5_c;
constexpr auto clamped = tg::clamp(w, -1_c, 2_c);
constexpr auto elu_half = tg::elu(w, 0.5_c);
constexpr auto leaky_fifth = tg::leaky_relu(w, 0.2_c);
constexpr auto reciprocal = tg::pow(w, -1_c);

template <class T>
bool matches(T got, double want) {
    if (std::isnan(want))
        return std::isnan(got);
    if (std::isinf(want))
        return got == static_cast<T>(want);
    // Float carries about 1e-5 relative error through logits of 100 (as torch's float does).
    return std::isfinite(got) && got == Approx(want).epsilon(std::is_same_v<T, float> ? 1e-5 : 1e-12).margin(1e-30);
}

//! The loss's value and gradient at the parameter values `at` (and the target, if it reads one),
//! on the per-sample path and on the SIMD path, each checked against the expected values. The SIMD
//! path gets one full block of copies of the row, so that no lane is padding: a padded lane has
//! weight 0, and 0 times an infinite derivative would be NaN.
template <class T, class Loss>
void check_at(Loss, std::initializer_list<double> at, double target, double want_value,
              std::initializer_list<double> want_grad) {
    using program = tg::autodiff::program<Loss, T>;
    tg::Parameters<Loss, T> scalar, simd;
    REQUIRE(at.size() == scalar.total);
    REQUIRE(want_grad.size() == scalar.total);
    std::size_t k = 0;
    for (const double v : at) {
        scalar.values()[k] = simd.values()[k] = static_cast<T>(v);
        ++k;
    }
    const T t = static_cast<T>(target);

    const T scalar_value = program::sample_backward(scalar.values().data(), scalar.grads().data(), nullptr, t, T(1));
    std::vector<typename program::lane> scratch(program::scratch_size);
    const std::vector<std::uint32_t> row_zero(program::lanes, 0);
    // Built by hand, not by tg::data::feed: these cases probe the ops at inputs the feed refuses
    // (a label that is no class), one row repeated in every lane.
    const tg::autodiff::sample_source<T> block{
        .targets = &t, .index = row_zero.data(), .count = program::lanes, .rows = 1};
    const T simd_value = program::backward(simd.values().data(), simd.grads().data(), scratch.data(), block);

    INFO("value: per-sample " << scalar_value << ", SIMD " << simd_value << ", want " << want_value);
    CHECK(matches(scalar_value, want_value));
    CHECK(matches(simd_value, want_value));
    k = 0;
    for (const double g : want_grad) {
        INFO("gradient element " << k << ": per-sample " << scalar.grads()[k] << ", SIMD " << simd.grads()[k]
                                 << ", want " << g);
        CHECK(matches(scalar.grads()[k], g));
        CHECK(matches(simd.grads()[k], g));
        ++k;
    }
}
template <class T, class Loss>
void check_at(Loss loss, std::initializer_list<double> at, double want_value, std::initializer_list<double> want_grad) {
    check_at<T>(loss, at, 0.0, want_value, want_grad);
}

}  // namespace

TEMPLATE_TEST_CASE("abs, relu, sqrt and log at 0 take torch's derivatives", "[edges]", float, double) {
    // g(torch.abs, 0.0) -> (0.0, [0.0]); g(torch.abs, float('nan')) -> (nan, [0.0])
    check_at<TestType>(tg::abs(w), {0.0}, 0.0, {0.0});
    check_at<TestType>(tg::abs(w), {nan_}, nan_, {0.0});
    // g(torch.relu, 0.0) -> (0.0, [0.0]); g(torch.relu, float('nan')) -> (nan, [1.0])
    check_at<TestType>(tg::relu(w), {0.0}, 0.0, {0.0});
    check_at<TestType>(tg::relu(w), {nan_}, nan_, {1.0});
    // g(torch.sqrt, 0.0) -> (0.0, [inf]); g(lambda x: torch.sqrt(x) * 0, 0.0) -> (0.0, [nan])
    check_at<TestType>(tg::sqrt(w), {0.0}, 0.0, {inf_});
    check_at<TestType>(tg::sqrt(w) * tg::constant<0>, {0.0}, 0.0, {nan_});
    // g(torch.log, 0.0) -> (-inf, [inf])
    check_at<TestType>(tg::log(w), {0.0}, -inf_, {inf_});
}

TEMPLATE_TEST_CASE("clamp passes the gradient on its bounds and blocks it outside, as torch", "[edges]", float,
                   double) {
    // g(lambda x: torch.clamp(x, -1.0, 2.0), -1.0) -> (-1.0, [1.0]); same at 2.0 -> (2.0, [1.0])
    check_at<TestType>(clamped, {-1.0}, -1.0, {1.0});
    check_at<TestType>(clamped, {2.0}, 2.0, {1.0});
    // at 2.5 -> (2.0, [0.0]); at nan_ -> (nan, [0.0])
    check_at<TestType>(clamped, {2.5}, 2.0, {0.0});
    check_at<TestType>(clamped, {-3.0}, -1.0, {0.0});
    check_at<TestType>(clamped, {nan_}, nan_, {0.0});
}

TEMPLATE_TEST_CASE("max and min split the gradient on ties and propagate NaN, as torch", "[edges]", float, double) {
    // g(torch.maximum, 1.5, 1.5) -> (1.5, [0.5, 0.5]); g(torch.minimum, 1.5, 1.5) -> (1.5, [0.5, 0.5])
    check_at<TestType>(tg::max(w, u), {1.5, 1.5}, 1.5, {0.5, 0.5});
    check_at<TestType>(tg::min(w, u), {1.5, 1.5}, 1.5, {0.5, 0.5});
    // g(torch.maximum, float('inf'), float('inf')) -> (inf, [0.5, 0.5])
    check_at<TestType>(tg::max(w, u), {inf_, inf_}, inf_, {0.5, 0.5});
    check_at<TestType>(tg::max(w, u), {2.0, 1.0}, 2.0, {1.0, 0.0});
    check_at<TestType>(tg::min(w, u), {2.0, 1.0}, 1.0, {0.0, 1.0});
    // g(torch.maximum, float('nan'), 1.5) -> (nan, [1.0, 1.0]); g(torch.maximum, 1.5, float('nan')) -> same
    check_at<TestType>(tg::max(w, u), {nan_, 1.5}, nan_, {1.0, 1.0});
    check_at<TestType>(tg::max(w, u), {1.5, nan_}, nan_, {1.0, 1.0});
    check_at<TestType>(tg::min(w, u), {1.5, nan_}, nan_, {1.0, 1.0});
}

TEMPLATE_TEST_CASE("pow at 0 and at a negative base takes torch's values and derivatives", "[edges]", float, double) {
    // g(lambda x: torch.pow(x, 0.0), 0.0) -> (1.0, [0.0])
    check_at<TestType>(tg::pow(w, tg::constant<0>), {0.0}, 1.0, {0.0});
    // exponent 1.0 -> (0.0, [1.0]); 2.0 -> (0.0, [0.0]); 1.5 -> (0.0, [0.0])
    check_at<TestType>(tg::pow(w, tg::constant<1>), {0.0}, 0.0, {1.0});
    check_at<TestType>(tg::pow<2>(w), {0.0}, 0.0, {0.0});
    check_at<TestType>(tg::pow(w, one_and_a_half), {0.0}, 0.0, {0.0});
    // exponent 0.5 -> (0.0, [inf]); -1.0 -> (inf, [-inf])
    check_at<TestType>(tg::pow(w, half), {0.0}, 0.0, {inf_});
    check_at<TestType>(reciprocal, {0.0}, inf_, {-inf_});
    // g(lambda x: torch.pow(x, 3), -2.0) -> (-8.0, [12.0]); g(lambda x: torch.pow(x, 0.5), -2.0) -> (nan, [nan])
    check_at<TestType>(tg::pow<3>(w), {-2.0}, -8.0, {12.0});
    check_at<TestType>(tg::pow(w, half), {-2.0}, nan_, {nan_});
}

TEMPLATE_TEST_CASE("l1, huber and smooth_l1 take torch's derivatives at their kinks", "[edges]", float, double) {
    // g(lambda p, y: F.l1_loss(p, y), 1.0, 1.0) -> (0.0, [0.0, -0.0])
    check_at<TestType>(tg::l1(w, y), {1.0}, 1.0, 0.0, {0.0});
    // g(lambda p, y: F.huber_loss(p, y, delta=1.0), 2.0, 1.0) -> (0.5, [1.0, -1.0]); p = 0 -> (0.5, [-1.0, 1.0])
    check_at<TestType>(tg::huber(w, y), {2.0}, 1.0, 0.5, {1.0});
    check_at<TestType>(tg::huber(w, y), {0.0}, 1.0, 0.5, {-1.0});
    check_at<TestType>(tg::huber(w, y, half), {4.0}, 1.0, 1.375, {0.5});
    // g(lambda p, y: F.smooth_l1_loss(p, y, beta=0.5), 1.5, 1.0) -> (0.25, [1.0, -1.0])
    check_at<TestType>(tg::smooth_l1(w, y, half), {1.5}, 1.0, 0.25, {1.0});
    // g(lambda p, y: F.smooth_l1_loss(p, y, beta=1.0), 1.0, 1.0) -> (0.0, [0.0, 0.0])
    check_at<TestType>(tg::smooth_l1(w, y), {1.0}, 1.0, 0.0, {0.0});
    // beta 0 is l1 but for its derivative at 0, where torch's kernel takes the d <= -beta branch:
    // g(lambda p, y: F.smooth_l1_loss(p, y, beta=0.0), 1.0, 1.0) -> (0.0, [-1.0, -1.0]) (float32 too)
    check_at<TestType>(tg::smooth_l1(w, y, tg::constant<0>), {1.0}, 1.0, 0.0, {-1.0});
    // ... and 0.5 -> (0.5, [-1.0, 1.0])
    check_at<TestType>(tg::smooth_l1(w, y, tg::constant<0>), {0.5}, 1.0, 0.5, {-1.0});
}

TEMPLATE_TEST_CASE("softplus, sigmoid and bce_with_logits at 0", "[edges]", float, double) {
    // g(F.softplus, 0.0) -> (0.6931471805599453, [0.5])
    check_at<TestType>(tg::softplus(w), {0.0}, 0.6931471805599453, {0.5});
    check_at<TestType>(tg::sigmoid(w), {0.0}, 0.5, {0.25});
    // g(lambda z, y: F.binary_cross_entropy_with_logits(z, y), 0.0, 1.0) -> (0.6931471805599453, [-0.5, -0.0])
    check_at<TestType>(tg::bce_with_logits(w, y), {0.0}, 1.0, 0.6931471805599453, {-0.5});
}

TEMPLATE_TEST_CASE("leaky_relu and elu take the left side at their kink, and torch's value at NaN", "[edges]", float,
                   double) {
    // g(F.leaky_relu, 0.0) -> (0.0, [0.01]); g(F.leaky_relu, float('nan')) -> (nan, [0.01])
    check_at<TestType>(tg::leaky_relu(w), {0.0}, 0.0, {0.01});
    check_at<TestType>(tg::leaky_relu(w), {nan_}, nan_, {0.01});
    // g(lambda x: F.leaky_relu(x, 0.2), 0.0) -> (0.0, [0.2]); at -2.0 -> (-0.4, [0.2]); at 2.0 -> (2.0, [1.0])
    check_at<TestType>(leaky_fifth, {0.0}, 0.0, {0.2});
    check_at<TestType>(leaky_fifth, {-2.0}, -0.4, {0.2});
    check_at<TestType>(leaky_fifth, {2.0}, 2.0, {1.0});
    // g(F.elu, 0.0) -> (0.0, [1.0]); g(lambda x: F.elu(x, 0.5), 0.0) -> (0.0, [0.5]); F.elu at nan -> (nan, [1.0])
    check_at<TestType>(tg::elu(w), {0.0}, 0.0, {1.0});
    check_at<TestType>(elu_half, {0.0}, 0.0, {0.5});
    check_at<TestType>(elu_half, {nan_}, nan_, {1.0});
    // g(lambda x: F.elu(x, 0.5), -100.0) -> (-0.5, [1.86e-44]) (float32: (-0.5, [1.96e-44]))
    check_at<TestType>(elu_half, {-100.0}, -0.5, {0.0});
    check_at<TestType>(elu_half, {100.0}, 100.0, {1.0});
    // eˣ - 1 as torch's kernel, not expm1: g(F.elu, -2.0**-27) -> (-7.450580596923828e-09, [0.99999999255])
    // in float64, (0.0, [1.0]) in float32
    check_at<TestType>(tg::elu(w), {-0x1p-27}, std::is_same_v<TestType, float> ? 0.0 : -0x1p-27, {std::exp(-0x1p-27)});
}

TEMPLATE_TEST_CASE("gelu (both forms) and silu at 0 and at |x| = 100", "[edges]", float, double) {
    // g(F.gelu, 0.0) -> (0.0, [0.5]); the tanh form and F.silu too
    check_at<TestType>(tg::gelu(w), {0.0}, 0.0, {0.5});
    check_at<TestType>(tg::gelu<"tanh">(w), {0.0}, 0.0, {0.5});
    check_at<TestType>(tg::silu(w), {0.0}, 0.0, {0.5});
    // g(F.gelu, 100.0) -> (100.0, [1.0]); g(F.gelu, -100.0) -> (-0.0, [0.0]); the same for the tanh form
    check_at<TestType>(tg::gelu(w), {100.0}, 100.0, {1.0});
    check_at<TestType>(tg::gelu(w), {-100.0}, 0.0, {0.0});
    check_at<TestType>(tg::gelu<"tanh">(w), {100.0}, 100.0, {1.0});
    check_at<TestType>(tg::gelu<"tanh">(w), {-100.0}, 0.0, {0.0});
    // g(F.silu, 100.0) -> (100.0, [1.0]); g(F.silu, -100.0) -> (-3.72e-42, [-3.68e-42]) (float32: (-0.0, [0.0]))
    check_at<TestType>(tg::silu(w), {100.0}, 100.0, {1.0});
    check_at<TestType>(tg::silu(w), {-100.0}, 0.0, {0.0});
    // at ±inf the derivatives are inf · 0: g(F.gelu, inf) -> (inf, [nan]); g(F.silu, -inf) -> (nan, [nan])
    check_at<TestType>(tg::gelu(w), {inf_}, inf_, {nan_});
}

TEMPLATE_TEST_CASE("sigmoid, softplus and tanh stay finite at |x| = 100", "[extremes]", float, double) {
    // float64: g(torch.sigmoid, -100.0) -> (3.7200759760208356e-44, [3.7200759760208356e-44]); float32 -> (0.0, [0.0])
    check_at<TestType>(tg::sigmoid(w), {-100.0}, 0.0, {0.0});
    check_at<TestType>(tg::sigmoid(w), {100.0}, 1.0, {0.0});
    // g(F.softplus, 100.0) -> (100.0, [1.0]); g(F.softplus, -100.0) -> (3.72e-44, [3.72e-44]) (float32: 3.78e-44)
    check_at<TestType>(tg::softplus(w), {100.0}, 100.0, {1.0});
    check_at<TestType>(tg::softplus(w), {-100.0}, 0.0, {0.0});
    // g(torch.tanh, 100.0) -> (1.0, [0.0])
    check_at<TestType>(tg::tanh(w), {100.0}, 1.0, {0.0});
    check_at<TestType>(tg::tanh(w), {-100.0}, -1.0, {0.0});
}

TEMPLATE_TEST_CASE("logsumexp, softmax and log_softmax stay finite at logits of +-100", "[extremes]", float, double) {
    // x = [100, -100, 0]: torch.logsumexp(x, 0) -> 100.0, x.grad -> [1.0, 1.4e-87, 3.7e-44]
    check_at<TestType>(tg::logsumexp(z), {100.0, -100.0, 0.0}, 100.0, {1.0, 0.0, 0.0});
    check_at<TestType>(tg::logsumexp(z), {-100.0, -100.0, -100.0}, -100.0 + std::log(3.0), {1.0 / 3, 1.0 / 3, 1.0 / 3});
    // torch.log_softmax(x, 0) -> [0.0, -200.0, -100.0]; (l * [1, 2, 3]).sum() gives x.grad [-5.0, 2.0, 3.0]
    constexpr auto weighted = tg::dot(tg::log_softmax(z), tg::constant<1> + tg::param<"c", 3>);
    check_at<TestType>(weighted, {100.0, -100.0, 0.0, 0.0, 1.0, 2.0}, -700.0, {-5.0, 2.0, 3.0, 0.0, -200.0, -100.0});
    check_at<TestType>(tg::dot(tg::softmax(z), tg::param<"c", 3>), {100.0, -100.0, 0.0, 1.0, 2.0, 3.0}, 1.0,
                       {0.0, 0.0, 0.0, 1.0, 0.0, 0.0});
}

TEMPLATE_TEST_CASE("cross_entropy, nll and bce_with_logits stay finite at logits of +-100", "[extremes]", float,
                   double) {
    // F.cross_entropy(x.unsqueeze(0), torch.tensor([1])) at x = [100, -100, 0] -> 200.0, x.grad -> [1.0, -1.0, 3.7e-44]
    check_at<TestType>(tg::cross_entropy(z, label), {100.0, -100.0, 0.0}, 1.0, 200.0, {1.0, -1.0, 0.0});
    check_at<TestType>(tg::cross_entropy(z, label), {100.0, -100.0, 0.0}, 0.0, 0.0, {0.0, 0.0, 0.0});
    check_at<TestType>(tg::nll(tg::log_softmax(z), label), {-100.0, 100.0, 100.0}, 0.0, 200.0 + std::log(2.0),
                       {-1.0, 0.5, 0.5});
    // g(lambda z, y: F.binary_cross_entropy_with_logits(z, y), 100.0, 0.0) -> (100.0, [1.0, -100.0]);
    // (-100.0, 1.0) -> (100.0, [-1.0, 100.0]); (100.0, 1.0) -> (0.0, [0.0, -100.0])
    check_at<TestType>(tg::bce_with_logits(w, y), {100.0}, 0.0, 100.0, {1.0});
    check_at<TestType>(tg::bce_with_logits(w, y), {-100.0}, 1.0, 100.0, {-1.0});
    check_at<TestType>(tg::bce_with_logits(w, y), {100.0}, 1.0, 0.0, {0.0});
    check_at<TestType>(tg::bce_with_logits(w, y), {-100.0}, 0.0, 0.0, {0.0});
}

TEMPLATE_TEST_CASE("nll of a label that is no class is NaN, not a silent zero", "[edges]", float, double) {
    check_at<TestType>(tg::cross_entropy(z, label), {1.0, 2.0, 3.0}, 3.0, nan_, {0.0, 0.0, 0.0});
    check_at<TestType>(tg::cross_entropy(z, label), {1.0, 2.0, 3.0}, 0.5, nan_, {0.0, 0.0, 0.0});
}
