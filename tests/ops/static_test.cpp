// Every op and loss evaluated and differentiated in constant evaluation (tg::value and tg::backward
// are constexpr): the values and derivatives below are checked by the compiler, for float and double.
#include <array>
#include <cstddef>

#include <catch2/catch.hpp>

#include <typegrad/functional.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/minmax.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>

namespace {

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto w = tg::param<"w">;
constexpr auto u = tg::param<"u">;
constexpr auto a = tg::param<"a", 2>;
constexpr auto c = tg::param<"c", 2>;
constexpr auto z = tg::param<"z", 3>;
constexpr auto x = tg::input<"x", 2>;
constexpr auto y = tg::target<"y">;
constexpr auto label = tg::class_target<"y", 3>;

constexpr double ln2 = 0.69314718055994530942, ln3 = 1.09861228866810969140;

template <class T, std::size_t N>
struct evaluation {
    T value{};
    std::array<T, N> grad{};
};

//! The value and gradient of `loss` at the parameter values `at...`, on one sample with features
//! `features` and target `target` (ignored by a loss that reads none).
template <class T, class Loss, std::size_t F = 0, class... At>
constexpr auto at_sample(Loss loss, std::array<double, F> features, double target, At... at) {
    tg::Parameters<Loss, T> params;
    static_assert(sizeof...(At) == params.total);
    std::size_t k = 0;
    ((params.values()[k++] = static_cast<T>(at)), ...);
    std::array<T, (F == 0 ? 1 : F)> xs{};
    for (std::size_t i = 0; i < F; ++i)
        xs[i] = static_cast<T>(features[i]);
    evaluation<T, tg::Parameters<Loss, T>::total> e;
    if constexpr (F == 0)
        e.value = tg::backward(loss, params, std::array<T, 0>{}, std::array<T, 1>{static_cast<T>(target)});
    else
        e.value = tg::backward(loss, params, xs, std::array<T, 1>{static_cast<T>(target)});
    for (std::size_t i = 0; i < params.total; ++i)
        e.grad[i] = params.grads()[i];
    return e;
}
//! The same for a loss that reads no data.
template <class T, class Loss, class... At>
constexpr auto at(Loss loss, At... values) {
    return at_sample<T>(loss, std::array<double, 0>{}, 0.0, values...);
}

template <class T>
constexpr bool near(T got, double want) {
    const double d = static_cast<double>(got) - want;
    const double scale = want < 0 ? -want : want;
    return (d < 0 ? -d : d) <= 1e-6 * (scale > 1 ? scale : 1);
}
template <class E, class... Want>
constexpr bool is(const E& e, double value, Want... grad) {
    std::size_t k = 0;
    return near(e.value, value) && (near(e.grad[k++], grad) && ...);
}

}  // namespace

TEMPLATE_TEST_CASE("arithmetic in constant evaluation", "[static]", float, double) {
    using T = TestType;
    STATIC_REQUIRE(is(at<T>(w + u, 1, 2), 3, 1, 1));
    STATIC_REQUIRE(is(at<T>(w - u, 1, 2), -1, 1, -1));
    STATIC_REQUIRE(is(at<T>(w * u, 3, 4), 12, 4, 3));
    STATIC_REQUIRE(is(at<T>(w / u, 3, 4), 0.75, 0.25, -0.1875));
    STATIC_REQUIRE(is(at<T>(-w, 3), -3, -1));
    STATIC_REQUIRE(is(at<T>(tg::sum(a * w), 1, 2, 3), 9, 3, 3, 3));  // a scalar broadcast over a vector
}

TEMPLATE_TEST_CASE("elementwise functions in constant evaluation", "[static]", float, double) {
    using T = TestType;
    STATIC_REQUIRE(is(at<T>(tg::square(w), 3), 9, 6));
    STATIC_REQUIRE(is(at<T>(tg::exp(w), 1), 2.71828182845904524, 2.71828182845904524));
    STATIC_REQUIRE(is(at<T>(tg::log(w), 2), ln2, 0.5));
    STATIC_REQUIRE(is(at<T>(tg::tanh(w), 0), 0, 1));
    STATIC_REQUIRE(is(at<T>(tg::sigmoid(w), 0), 0.5, 0.25));
    STATIC_REQUIRE(is(at<T>(tg::relu(w), 2), 2, 1));
    STATIC_REQUIRE(is(at<T>(tg::relu(w), 0), 0, 0));
    STATIC_REQUIRE(is(at<T>(tg::softplus(w), 0), ln2, 0.5));
    STATIC_REQUIRE(is(at<T>(tg::softplus(w), -2), 0.12692801104297249, 0.11920292202211755));
    STATIC_REQUIRE(is(at<T>(tg::abs(w), -2), 2, -1));
    STATIC_REQUIRE(is(at<T>(tg::abs(w), 0), 0, 0));
    STATIC_REQUIRE(is(at<T>(tg::sqrt(w), 4), 2, 0.25));
    STATIC_REQUIRE(is(at<T>(tg::pow<3>(w), -2), -8, 12));
    STATIC_REQUIRE(is(at<T>(tg::pow(w, 0.5_c), 4), 2, 0.25));
    STATIC_REQUIRE(is(at<T>(tg::pow(w, -2_c), 2), 0.25, -0.25));
    STATIC_REQUIRE(is(at<T>(tg::pow(w, 0_c), 0), 1, 0));
    STATIC_REQUIRE(is(at<T>(tg::clamp(w, -1_c, 1_c), 1), 1, 1));
    STATIC_REQUIRE(is(at<T>(tg::clamp(w, -1_c, 1_c), 2), 1, 0));
    STATIC_REQUIRE(is(at<T>(tg::clamp(w, -1_c, 1_c), 0.5), 0.5, 1));
    STATIC_REQUIRE(is(at<T>(tg::max(w, u), 1, 1), 1, 0.5, 0.5));
    STATIC_REQUIRE(is(at<T>(tg::max(w, u), 2, 1), 2, 1, 0));
    STATIC_REQUIRE(is(at<T>(tg::min(w, u), 2, 1), 1, 0, 1));
    STATIC_REQUIRE(is(at<T>(tg::min(w, u), 1, 1), 1, 0.5, 0.5));
}

TEMPLATE_TEST_CASE("reductions, products and normalised exponentials in constant evaluation", "[static]", float,
                   double) {
    using T = TestType;
    STATIC_REQUIRE(is(at<T>(tg::sum(a), 1, 2), 3, 1, 1));
    STATIC_REQUIRE(is(at<T>(tg::mean(a), 1, 2), 1.5, 0.5, 0.5));
    STATIC_REQUIRE(is(at<T>(tg::dot(a, c), 1, 2, 3, 4), 11, 3, 4, 1, 2));
    // W = [[1, 2], [3, 4]], a = [5, 6]: W a = [17, 39]; the operands are (a, W), so a comes first.
    STATIC_REQUIRE(is(at<T>(tg::sum(tg::matvec(tg::param<"W", 2, 2>, a)), 5, 6, 1, 2, 3, 4), 56, 4, 6, 5, 6, 5, 6));
    // fc.weight [1, 2] = [1, 2], fc.bias = 0.5, x = [3, 4]
    STATIC_REQUIRE(
        is(at_sample<T>(tg::sum(tg::linear<"fc", 2, 1>(x)), std::array{3.0, 4.0}, 0, 1, 2, 0.5), 11.5, 3, 4, 1));
    STATIC_REQUIRE(is(at<T>(tg::logsumexp(a), 0, 0), ln2, 0.5, 0.5));
    STATIC_REQUIRE(is(at<T>(tg::dot(tg::softmax(a), c), 0, 0, 1, 3), 2, -0.5, 0.5, 0.5, 0.5));
    STATIC_REQUIRE(is(at<T>(tg::dot(tg::log_softmax(a), c), 0, 0, 1, 3), -4 * ln2, -1, 1, -ln2, -ln2));
}

TEMPLATE_TEST_CASE("losses in constant evaluation", "[static]", float, double) {
    using T = TestType;
    constexpr std::array<double, 0> none{};
    STATIC_REQUIRE(is(at_sample<T>(tg::mse(w, y), none, 1, 3), 4, 4));
    STATIC_REQUIRE(is(at_sample<T>(tg::l1(w, y), none, 1, 3), 2, 1));
    STATIC_REQUIRE(is(at_sample<T>(tg::huber(w, y), none, 1, 3), 1.5, 1));
    STATIC_REQUIRE(is(at_sample<T>(tg::huber(w, y, 0.5_c), none, 1, 1.25), 0.03125, 0.25));
    STATIC_REQUIRE(is(at_sample<T>(tg::smooth_l1(w, y, 0.5_c), none, 1, 1.25), 0.0625, 0.5));
    STATIC_REQUIRE(is(at_sample<T>(tg::smooth_l1(w, y, 0.5_c), none, 1, 3), 1.75, 1));
    STATIC_REQUIRE(is(at_sample<T>(tg::smooth_l1(w, y, 0_c), none, 1, 1), 0, -1));
    STATIC_REQUIRE(is(at_sample<T>(tg::bce_with_logits(w, y), none, 1, 0), ln2, -0.5));
    STATIC_REQUIRE(is(at_sample<T>(tg::bce_with_logits(w, y), none, 0, 2), 2.12692801104297249, 0.88079707797788244));
    STATIC_REQUIRE(is(at_sample<T>(tg::nll(z, label), none, 2, 0.5, 1.5, 2.5), -2.5, 0, 0, -1));
    STATIC_REQUIRE(is(at_sample<T>(tg::cross_entropy(z, label), none, 1, 0, 0, 0), ln3, 1.0 / 3, -2.0 / 3, 1.0 / 3));
}
