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

// The channel blocks' case: every law, but the SIMD sweep in double only. In float its weight
// gradients, sums over 19 samples of 9 pixels' terms of both signs, differ from the per-sample
// sums by up to 4e-5 relative, beyond the float tolerance (2e-5); the convolution's loops before
// the blocking gave the same numbers.
TEMPLATE_TEST_CASE("conv: channel blocks, the gradient matches central differences (double)", "[conv][laws]",
                   conv_cases::conv2d_channel_blocks) {
    gradient_matches_central_differences<TestType>();
}
TEMPLATE_TEST_CASE("conv: channel blocks, backward twice accumulates twice the gradient", "[conv][laws]",
                   in_float<conv_cases::conv2d_channel_blocks>, in_double<conv_cases::conv2d_channel_blocks>) {
    backward_twice_doubles_the_gradient<TestType>();
}
TEMPLATE_TEST_CASE("conv: channel blocks, zero_grad resets the gradient", "[conv][laws]",
                   in_float<conv_cases::conv2d_channel_blocks>, in_double<conv_cases::conv2d_channel_blocks>) {
    zero_grad_resets<TestType>();
}
TEST_CASE("conv: channel blocks, the SIMD sweep equals the per-sample sweep (double)", "[conv][laws]") {
    simd_matches_per_sample<in_double<conv_cases::conv2d_channel_blocks>>();
}

}  // namespace typegrad_test
