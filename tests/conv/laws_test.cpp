// The gradient laws (tests/ops/laws.hpp) over the convolution and pooling ops.
#include "conv_cases.hpp"

namespace typegrad_test {

TEMPLATE_TEST_CASE("conv: the gradient matches central differences (double)", "[conv][laws]", TYPEGRAD_CONV_CASES) {
    gradient_matches_central_differences<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("conv: backward twice accumulates twice the gradient", "[conv][laws]", (in_float, in_double),
                           (TYPEGRAD_CONV_CASES)) {
    backward_twice_doubles_the_gradient<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("conv: zero_grad resets the gradient", "[conv][laws]", (in_float, in_double),
                           (TYPEGRAD_CONV_CASES)) {
    zero_grad_resets<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("conv: the SIMD sweep equals the per-sample sweep", "[conv][laws]", (in_float, in_double),
                           (TYPEGRAD_CONV_CASES)) {
    simd_matches_per_sample<TestType>();
}

}  // namespace typegrad_test
