// The elementary functions on SIMD lanes that typegrad computes itself rather than through xsimd:
// tanh of float lanes (detail::tanh_float), against std::tanh in double.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

#include <typegrad/detail/math.hpp>

namespace {

using lane = xsimd::batch<float>;

float first_lane(const lane& b) {
    alignas(64) float out[lane::size];
    b.store_aligned(out);
    return out[0];
}

}  // namespace

TEST_CASE("tanh of float lanes is within 2.5e-7 relative of tanh in double") {
    // Every 4099th positive float below infinity and its negation: subnormals, the small range
    // where tanh x ~ x, the reduction's range changes, and the saturation past 9.
    double worst = 0;
    float worst_at = 0;
    for (std::uint32_t bits = 0; bits < 0x7f800000u; bits += 4099) {
        const float v = std::bit_cast<float>(bits);
        for (const float x : {v, -v}) {
            const double expected = std::tanh(static_cast<double>(x));
            const double got = first_lane(typegrad::detail::tanh(lane(x)));
            const double err = expected == 0 ? std::fabs(got) : std::fabs(got - expected) / std::fabs(expected);
            if (err > worst) {
                worst = err;
                worst_at = x;
            }
        }
    }
    INFO("worst relative error " << worst << " at x = " << worst_at);
    CHECK(worst <= 2.5e-7);
}

TEST_CASE("tanh of float lanes at the special values: NaN, infinities, signed zero, each lane its own") {
    const float inf = std::numeric_limits<float>::infinity();
    CHECK(std::isnan(first_lane(typegrad::detail::tanh(lane(std::numeric_limits<float>::quiet_NaN())))));
    CHECK(first_lane(typegrad::detail::tanh(lane(inf))) == 1.0f);
    CHECK(first_lane(typegrad::detail::tanh(lane(-inf))) == -1.0f);
    CHECK(first_lane(typegrad::detail::tanh(lane(100.0f))) == 1.0f);
    const float z = first_lane(typegrad::detail::tanh(lane(-0.0f)));
    CHECK(z == 0.0f);
    CHECK(std::signbit(z));

    // Lanes of different ranges in one vector: each gets its own value.
    alignas(64) float in[lane::size], out[lane::size];
    for (std::size_t l = 0; l < lane::size; ++l)
        in[l] = (l % 2 == 0 ? 1.0f : -1.0f) * static_cast<float>(l) * 0.37f;
    typegrad::detail::tanh(lane::load_aligned(in)).store_aligned(out);
    for (std::size_t l = 0; l < lane::size; ++l)
        CHECK(out[l] == Approx(std::tanh(static_cast<double>(in[l]))).epsilon(3e-7).margin(1e-30));
}
