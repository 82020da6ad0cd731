// The gradient laws (tests/ops/laws.hpp) over tg::concat and the layers built on it and on the
// residual sum: a parameter and a computed value side by side, a scalar with a vector, one node
// twice, images along their channels, a dense layer after the concatenation, and a stack with a
// tg::residual block and tg::concat_branches. Each result meets a parameter `v` (or a dense layer),
// so that the VJP sees an upstream gradient other than all ones.
#include <typegrad/layers.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/concat.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/reduce.hpp>

#include "ops/laws.hpp"

namespace typegrad_test::concat_cases {

inline constexpr auto x = tg::input<"x", 3>;
inline constexpr auto y = tg::target<"y">;
inline constexpr auto label = tg::class_target<"y", 3>;
inline constexpr auto w = tg::param<"w", 3>;
inline constexpr auto b = tg::param<"b">;

template <class E>
constexpr auto projected(E e) {
    return tg::mse(tg::dot(tg::flatten(e), tg::param<"v", tg::size_of<E>>), y);
}

// A parameter (its adjoint straight from the concatenation) beside a computed vector.
struct param_and_value : case_defaults {
    static constexpr auto loss = projected(tg::concat(w, tg::tanh(w* x)));
};
// A scalar first, then a vector; and a vector, then an input.
struct scalar_and_vector : case_defaults {
    static constexpr auto loss = projected(tg::concat(tg::concat(b * b, w* x), x));
};
// The same node on both sides: two contributions to one adjoint.
struct same_node_twice : case_defaults {
    static constexpr auto loss = projected(tg::concat(tg::sigmoid(w + x), tg::sigmoid(w + x)));
};
// Two images [2, 2, 2] and [1, 2, 2] along their channels, then a convolution over the [3, 2, 2].
inline constexpr auto image = tg::view<1, 2, 2>(tg::input<"x", 4>);
struct images_along_channels : case_defaults {
    static constexpr auto loss = projected(
        tg::conv2d<"d", 3, 2, 1>(tg::concat(tg::conv2d<"c", 1, 2, 1>(image), tg::tanh(image* tg::param<"s">))));
};
// A residual block of convolutions over an image [2, 3, 3] (padding keeps the shape).
struct residual_of_images : case_defaults {
    static constexpr auto loss =
        projected(tg::residual<tg::Conv2d<2, 2, 3, 1, 1>, tg::Tanh>{}(tg::view<2, 3, 3>(tg::input<"x", 18>)));
};
// A dense layer over the concatenation of two dense branches (the block kernel's shape).
struct dense_after : case_defaults {
    static constexpr auto loss =
        tg::mse(tg::linear<"fc", 20, 1>(tg::concat(tg::tanh(tg::linear<"a", 3, 12>(x)), tg::linear<"b", 3, 8>(x))), y);
};
// A stack: a residual block, two branches concatenated, a classifier's loss.
using stack = tg::sequential<tg::Linear<3, 4>, tg::residual<tg::Linear<4, 4>, tg::Tanh, tg::Linear<4, 4>>,
                             tg::concat_branches<tg::Linear<4, 2>, tg::sequential<tg::Sigmoid>>, tg::Linear<6, 3>>;
struct residual_and_branches : case_defaults {
    static constexpr auto loss = tg::cross_entropy(stack{}(x), label);
};

}  // namespace typegrad_test::concat_cases

#define TYPEGRAD_CONCAT_CASES                                                                             \
    concat_cases::param_and_value, concat_cases::scalar_and_vector, concat_cases::same_node_twice,        \
        concat_cases::images_along_channels, concat_cases::residual_of_images, concat_cases::dense_after, \
        concat_cases::residual_and_branches

namespace typegrad_test {

TEMPLATE_TEST_CASE("concat: the gradient matches central differences (double)", "[concat][laws]",
                   TYPEGRAD_CONCAT_CASES) {
    gradient_matches_central_differences<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("concat: backward twice accumulates twice the gradient", "[concat][laws]",
                           (in_float, in_double), (TYPEGRAD_CONCAT_CASES)) {
    backward_twice_doubles_the_gradient<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("concat: zero_grad resets the gradient", "[concat][laws]", (in_float, in_double),
                           (TYPEGRAD_CONCAT_CASES)) {
    zero_grad_resets<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("concat: the SIMD sweep equals the per-sample sweep", "[concat][laws]",
                           (in_float, in_double), (TYPEGRAD_CONCAT_CASES)) {
    simd_matches_per_sample<TestType>();
}

TEST_CASE("concat: values are a's elements, then b's", "[concat]") {
    using namespace concat_cases;
    constexpr auto joined = tg::concat(w * x, b);
    static_assert(tg::size_of<decltype(joined)> == 4);
    static_assert(std::is_same_v<decltype(tg::concat(tg::view<2, 3>(tg::input<"x", 6>), tg::view<1, 3>(x)))::shape_type,
                                 tg::shape<3, 3>>);
    constexpr auto loss = tg::mse(tg::dot(joined, tg::param<"v", 4>), y);
    tg::Parameters<std::remove_cv_t<decltype(loss)>, double> params;
    params.value<"w">()[0] = 2;
    params.value<"w">()[1] = 3;
    params.value<"w">()[2] = 5;
    params.value<"b">()[0] = 7;
    const double v[] = {1, 10, 100, 1000};
    for (std::size_t i = 0; i < 4; ++i)
        params.value<"v">()[i] = v[i];
    const std::array<double, 3> features{1, -1, 0.5};
    const std::array<double, 1> targets{0};
    // dot((2, -3, 2.5, 7), v) = 2 - 30 + 250 + 7000
    const double prediction = 2 - 30 + 250 + 7000;
    CHECK(tg::backward(loss, params, features, targets) == Approx(prediction * prediction));
    // d/dv_i = 2 p (a, b)_i; d/db = 2 p v_3; d/dw_j = 2 p v_j x_j.
    CHECK(params.grad<"v">()[3] == Approx(2 * prediction * 7));
    CHECK(params.grad<"b">()[0] == Approx(2 * prediction * 1000));
    CHECK(params.grad<"w">()[1] == Approx(2 * prediction * 10 * -1));
}

}  // namespace typegrad_test
