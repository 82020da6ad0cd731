// The elementary functions on SIMD lanes that typegrad computes itself rather than through xsimd:
// tanh of float lanes (detail::tanh_float), against std::tanh in double; and the accuracy in float
// of xsimd's erf and of the relu variants built on it (ops/rectifiers.hpp).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <catch2/catch.hpp>

#include <typegrad/detail/math.hpp>
#include <typegrad/ops/rectifiers.hpp>

namespace {

using lane = xsimd::batch<float>;

float first_lane(const lane& b) {
    alignas(64) float out[lane::size];
    b.store_aligned(out);
    return out[0];
}

// Every 4099th positive float below `limit` and its negation (subnormals, the small range where
// f x ~ x, the reductions' range changes, saturation), a whole vector of them at a time through
// the lane function f: calls check(x, f(x)) for each.
template <class F, class Check>
void each_float(F f, float limit, Check check) {
    alignas(64) float in[lane::size], out[lane::size];
    std::size_t n = 0;
    const auto flush = [&] {
        std::fill(in + n, in + lane::size, 0.0f);
        f(lane::load_aligned(in)).store_aligned(out);
        for (std::size_t l = 0; l < n; ++l)
            check(in[l], out[l]);
        n = 0;
    };
    for (std::uint32_t bits = 0; bits < 0x7f800000u; bits += 4099) {
        const float v = std::bit_cast<float>(bits);
        if (v > limit)
            break;
        for (const float x : {v, -v}) {
            in[n++] = x;
            if (n == lane::size)
                flush();
        }
    }
    if (n > 0)
        flush();
}

}  // namespace

TEST_CASE("tanh of float lanes is within 4.1e-7 relative of tanh in double") {
    // Every 4099th positive float below infinity and its negation: subnormals, the small range
    // where tanh x ~ x, the reduction's range changes, and the saturation past 9.
    double worst = 0;
    float worst_at = 0;
    each_float([](const lane& v) { return typegrad::detail::tanh(v); }, std::numeric_limits<float>::max(),
               [&](float x, float got) {
                   const double expected = std::tanh(static_cast<double>(x));
                   const double err = expected == 0 ? std::fabs(got) : std::fabs(got - expected) / std::fabs(expected);
                   if (err > worst) {
                       worst = err;
                       worst_at = x;
                   }
               });
    INFO("worst relative error " << worst << " at x = " << worst_at);
    CHECK(worst <= 4.1e-7);  // every float below 10: 3.1e-7 with fused multiply-adds, 4.0e-7 without
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
        CHECK(out[l] == Approx(std::tanh(static_cast<double>(in[l]))).epsilon(4.1e-7).margin(1e-30));
}

namespace {

// The largest error of f on float lanes against g in double over every 4099th positive float
// below `limit` and its negation: relative, or absolute where g(x) is below `floor` in magnitude
// (1e-37: below float's normal numbers; 1: where the formula cancels, as 1 + erf(x) for x < -3).
template <class F, class G>
double worst_error(F f, G g, float limit, double floor, float& worst_at) {
    double worst = 0;
    each_float(f, limit, [&](float x, float got) {
        const double expected = g(static_cast<double>(x));
        const double err = std::fabs(got - expected) / std::max(std::fabs(expected), floor);
        if (err > worst) {
            worst = err;
            worst_at = x;
        }
    });
    return worst;
}

}  // namespace

TEST_CASE("erf of float lanes (xsimd's, which gelu uses) against double") {
    float at = 0;
    // Every float: erf saturates to ±1 from |x| = 4 on.
    const double erf_error = worst_error([](const lane& v) { return typegrad::detail::erf(v); },
                                         [](double v) { return std::erf(v); }, 1e30f, 1e-37, at);
    INFO("erf: worst relative error " << erf_error << " at x = " << at);
    CHECK(erf_error <= 4e-7);  // measured: 1.7e-7
}

TEST_CASE("gelu, silu and elu of float lanes against their formulas in double") {
    float at = 0;
    // Relative to max(|y|, 1): where 1 + erf(x), 1 + tanh(...) or eˣ - 1 cancels, float carries an
    // error of an ulp of 1, as torch's float kernels do.
    const auto gelu64 = [](double v) { return v * 0.5 * (1 + std::erf(v * 0.70710678118654752440)); };
    const double gelu_error =
        worst_error([](const lane& v) { return typegrad::ops::gelu::f(v); }, gelu64, 1e4f, 1.0, at);
    INFO("gelu: worst error " << gelu_error << " at x = " << at);
    CHECK(gelu_error <= 4e-7);  // measured: 1.1e-7
    const auto gelu_tanh64 = [](double v) {
        return 0.5 * v * (1 + std::tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v)));
    };
    const double gelu_tanh_error =
        worst_error([](const lane& v) { return typegrad::ops::gelu_tanh::f(v); }, gelu_tanh64, 1e4f, 1.0, at);
    INFO("gelu tanh: worst error " << gelu_tanh_error << " at x = " << at);
    CHECK(gelu_tanh_error <= 4e-7);  // measured: 1.9e-7
    const double silu_error = worst_error([](const lane& v) { return typegrad::ops::silu::f(v); },
                                          [](double v) { return v / (1 + std::exp(-v)); }, 80.0f, 1e-37, at);
    INFO("silu: worst relative error " << silu_error << " at x = " << at);
    CHECK(silu_error <= 4e-7);  // measured: 1.5e-7
    using elu1 = typegrad::ops::elu<std::bit_cast<std::uint64_t>(1.0)>;
    const double elu_error = worst_error([](const lane& v) { return elu1::f(v); },
                                         [](double v) { return v > 0 ? v : std::expm1(v); }, 1e30f, 1.0, at);
    INFO("elu: worst error " << elu_error << " at x = " << at);
    CHECK(elu_error <= 4e-7);  // measured: 7.2e-8
}
