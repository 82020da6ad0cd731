// The gradient laws (laws.hpp) over the relu variants of ops/rectifiers.hpp: gelu (both forms),
// silu, elu and leaky_relu (default and other constants).
#include "op_cases.hpp"

namespace typegrad_test {

TEMPLATE_TEST_CASE("the gradient matches central differences (double)", "[laws]", TYPEGRAD_RECTIFIER_CASES) {
    gradient_matches_central_differences<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("backward twice accumulates twice the gradient", "[laws]", (in_float, in_double),
                           (TYPEGRAD_RECTIFIER_CASES)) {
    backward_twice_doubles_the_gradient<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("zero_grad resets the gradient", "[laws]", (in_float, in_double),
                           (TYPEGRAD_RECTIFIER_CASES)) {
    zero_grad_resets<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("the SIMD sweep equals the per-sample sweep", "[laws]", (in_float, in_double),
                           (TYPEGRAD_RECTIFIER_CASES)) {
    simd_matches_per_sample<TestType>();
}

}  // namespace typegrad_test
