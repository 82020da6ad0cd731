#pragma once
// Elementary functions on a "lane value" V: either a plain float/double (per-sample code, usable in
// constant evaluation) or an xsimd batch (one sample per lane). Ops are written once against these.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::detail {

template <class V>
inline constexpr bool is_batch_v = xsimd::is_batch<V>::value;

template <class V>
struct scalar_of {
    using type = V;
};
template <class T, class A>
struct scalar_of<xsimd::batch<T, A>> {
    using type = T;
};
template <class V>
using scalar_of_t = typename scalar_of<V>::type;

//! Samples in one lane value: 1 for a scalar, the vector width for a batch.
template <class V>
inline constexpr std::size_t lane_count = 1;
template <class T, class A>
inline constexpr std::size_t lane_count<xsimd::batch<T, A>> = xsimd::batch<T, A>::size;

// Constant-evaluation versions: accurate to a few ulp of double, only used where std:: is not constexpr.
namespace cx {
constexpr double ldexp(double x, int e) {
    for (; e > 0; --e)
        x *= 2.0;
    for (; e < 0; ++e)
        x *= 0.5;
    return x;
}
constexpr double exp(double x) {
    if (x != x)
        return x;
    if (x > 709.0)
        return std::numeric_limits<double>::infinity();
    if (x < -745.0)
        return 0.0;
    constexpr double ln2 = 0.6931471805599453094;
    const int k = static_cast<int>(x / ln2 + (x >= 0 ? 0.5 : -0.5));
    const double r = x - k * ln2;  // |r| <= ln2 / 2
    double term = 1.0, sum = 1.0;
    for (int n = 1; n < 30; ++n) {
        term *= r / n;
        sum += term;
    }
    return ldexp(sum, k);
}
constexpr double log(double x) {
    if (x != x || x < 0)
        return std::numeric_limits<double>::quiet_NaN();
    if (x == 0)
        return -std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity())
        return x;
    int e = 0;
    while (x > 1.5) {
        x *= 0.5;
        ++e;
    }
    while (x < 0.75) {
        x *= 2.0;
        --e;
    }
    // log(x) = 2 atanh(s), s = (x - 1) / (x + 1), |s| <= 0.2
    const double s = (x - 1) / (x + 1), s2 = s * s;
    double term = s, sum = 0.0;
    for (int n = 1; n < 60; n += 2) {
        sum += term / n;
        term *= s2;
    }
    return 2.0 * sum + e * 0.6931471805599453094;
}
constexpr double sqrt(double x) {
    if (x != x || x < 0)
        return std::numeric_limits<double>::quiet_NaN();
    if (x == 0 || x == std::numeric_limits<double>::infinity())
        return x;
    double r = x > 1 ? x : 1.0;
    for (int i = 0; i < 200; ++i) {
        const double next = 0.5 * (r + x / r);
        if (next == r)
            break;
        r = next;
    }
    return r;
}
}  // namespace cx

// xsimd 8.1 (Debian 12) does not compile with GCC the integer `select` of AVX-512BW, which its float
// log and pow call: arch/xsimd_avx512bw.hpp switches over sizeof(T) with a plain `switch`, so the
// 8- and 16-bit blends are instantiated for 32- and 64-bit integers too. AVX-512DQ has the same
// registers and a select that compiles, so those two functions run as AVX-512DQ batches.
template <class V>
struct math_batch {
    using type = V;
};
#if XSIMD_WITH_AVX512BW
template <class T>
struct math_batch<xsimd::batch<T, xsimd::avx512bw>> {
    using type = xsimd::batch<T, xsimd::avx512dq>;
};
#endif
template <class V, class F>
V via_math_batch(const V& x, F f) {
    using W = typename math_batch<V>::type;
    if constexpr (std::is_same_v<W, V>)
        return f(x);
    else
        return V(f(W(x.data)).data);
}

// xsimd's exp on double lanes (and the erf and tanh built on it) turns a multiple of the argument
// into 64-bit integers; below AVX-512DQ that is a scalar cast, undefined for NaN, ±inf and
// magnitudes past 2^63, even though xsimd then selects the right result (0, inf, NaN) anyway.
// with_finite_argument clamps the argument to [-bound, bound], where f already has its limit
// value, and computes NaN lanes on 0, putting the NaN back after: the same results, no such cast.
template <class V, class F>
V with_finite_argument(const V& x, double bound, F f) {
    if constexpr (std::is_same_v<scalar_of_t<V>, double>) {
        const auto nan = x != x;
        const V b(bound);
        return xsimd::select(nan, x, f(xsimd::select(nan, V(0.0), xsimd::min(xsimd::max(x, -b), b))));
    } else {
        return f(x);
    }
}

template <class V>
constexpr V exp(V x) {
    if constexpr (is_batch_v<V>) {
        return with_finite_argument(x, 800.0, [](const V& v) { return V(xsimd::exp(v)); });  // e^±800: inf, 0
    } else {
        if (std::is_constant_evaluated())
            return static_cast<V>(cx::exp(x));
        return std::exp(x);
    }
}
template <class V>
constexpr V log(V x) {
    if constexpr (is_batch_v<V>) {
        return via_math_batch(x, [](const auto& v) { return xsimd::log(v); });
    } else {
        if (std::is_constant_evaluated())
            return static_cast<V>(cx::log(x));
        return std::log(x);
    }
}
template <class V>
constexpr V log1p(V x) {
    if constexpr (is_batch_v<V>) {
        return xsimd::log1p(x);
    } else {
        if (std::is_constant_evaluated())
            return static_cast<V>(cx::log(1.0 + x));
        return std::log1p(x);
    }
}
template <class V>
constexpr V sqrt(V x) {
    if constexpr (is_batch_v<V>) {
        return xsimd::sqrt(x);
    } else {
        if (std::is_constant_evaluated())
            return static_cast<V>(cx::sqrt(x));
        return std::sqrt(x);
    }
}
template <class V>
constexpr V abs(V x) {
    if constexpr (is_batch_v<V>) {
        return xsimd::abs(x);
    } else {
        return x < 0 ? -x : x;
    }
}
//! tanh of float lanes without branches: x P(x²) / Q(x²), P and Q of degree 4 fitted on [0, 9] for
//! the least maximum relative error (tools/fit_tanh.py: 2.1e-8 in exact arithmetic), on x clamped
//! to [-10, 10] (tanh rounds to 1 in float past 9, and the fit rises past 1 between 9 and 10) and
//! the result clamped to [-1, 1], so that it saturates at exactly ±1. Once rounded in float within
//! 3.1e-7 relative of tanh in double with fused multiply-adds, 4.0e-7 without (every float below
//! 10, tests/ops/lanes_math_test.cpp), odd, exact at ±0; NaN passes through both
//! clamps, which take x and the quotient as the second operand of min and max (x86's min and max
//! return their second operand when one is NaN). Eight multiply-adds and a division: about two
//! thirds of the work of e / (e + 2) with e = expm1(2|x|) and half of xsimd 8.1's tanh, which
//! branches on the lanes' range and computes exp, a polynomial and a select.
template <class A>
inline xsimd::batch<float, A> tanh_float(const xsimd::batch<float, A>& x) {
    using B = xsimd::batch<float, A>;
    const B c = xsimd::min(B(10.0f), xsimd::max(B(-10.0f), x));
    const B s = c * c;
    B p = xsimd::fma(s, B(1.33549909e-08f), B(2.06093404e-05f));
    p = xsimd::fma(p, s, B(0.00349560454f));
    p = xsimd::fma(p, s, B(0.133810397f));
    p = xsimd::fma(p, s, B(0.999999979f));
    B q = xsimd::fma(s, B(7.77669943e-07f), B(0.000328566117f));
    q = xsimd::fma(q, s, B(0.0258770453f));
    q = xsimd::fma(q, s, B(0.467143553f));
    q = xsimd::fma(q, s, B(1.0f));
    return xsimd::min(B(1.0f), xsimd::max(B(-1.0f), c * p / q));
}

//! tanh of float lanes where 1 + tanh x is taken near tanh x = -1 (gelu's tanh form), which turns
//! the absolute error of tanh near ±1 into a relative one: half of tanh_float's there, for about
//! 1.5 times its work. tanh|x| = e / (e + 2), e = expm1(2|x|), with the sign of x.
//! expm1 by range reduction 2|x| = k ln2 + r (|r| <= ln2 / 2, Cody-Waite in two parts) and Taylor's
//! series of eʳ - 1 to r⁷ (truncation below 2e-8 relative), scaled by 2ᵏ through the exponent bits:
//! e = 2ᵏ (eʳ - 1) + (2ᵏ - 1), exact for k = 0, so small |x| keep their relative accuracy.
//! |x| is clamped at 9 (tanh 9 rounds to 1 in float); NaN passes through the clamp. Within 2.4e-7
//! relative of tanh in double, as xsimd's; about half the work of xsimd 8.1's tanh, which
//! branches on the lanes' range and computes exp, a polynomial and a select.
template <class A>
inline xsimd::batch<float, A> tanh_float_expm1(const xsimd::batch<float, A>& x) {
    using B = xsimd::batch<float, A>;
    using I = xsimd::batch<std::int32_t, A>;
    const B a = xsimd::abs(x);
    const B c = xsimd::select(a > B(9.0f), B(9.0f), a);
    const B z = c + c;
    const B shifter(12582912.0f);  // 1.5 · 2²³: adding it rounds to an integer, held in the low bits
    const B t = xsimd::fma(z, B(1.44269504088896341f), shifter);
    const B k = t - shifter;
    const B r = xsimd::fma(k, B(-1.42860677e-6f), xsimd::fma(k, B(-0.693145752f), z));  // ln2 = hi + lo
    B p = xsimd::fma(r, B(1.0f / 5040.0f), B(1.0f / 720.0f));
    p = xsimd::fma(p, r, B(1.0f / 120.0f));
    p = xsimd::fma(p, r, B(1.0f / 24.0f));
    p = xsimd::fma(p, r, B(1.0f / 6.0f));
    p = xsimd::fma(p, r, B(0.5f));
    p = xsimd::fma(p, r, B(1.0f));
    const I ki = xsimd::bitwise_cast<I>(t) - xsimd::bitwise_cast<I>(shifter);
    const B scale = xsimd::bitwise_cast<B>((ki + I(127)) << 23);  // 2ᵏ, 0 <= k <= 26
    const B e = xsimd::fma(scale, p * r, scale - B(1.0f));
    return (e / (e + B(2.0f))) ^ (x & B(-0.0f));  // the sign bit of x
}

template <class V>
constexpr V tanh(V x) {
    if constexpr (is_batch_v<V>) {
        if constexpr (std::is_same_v<scalar_of_t<V>, float>)
            return tanh_float(x);
        else
            return with_finite_argument(x, 30.0, [](const V& v) { return V(xsimd::tanh(v)); });  // tanh ±30: ±1
    } else {
        if (std::is_constant_evaluated()) {
            // tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): no overflow for large |x|
            const double e = cx::exp(-2.0 * (x < 0 ? -x : x));
            const double t = (1.0 - e) / (1.0 + e);
            return static_cast<V>(x < 0 ? -t : t);
        }
        return std::tanh(x);
    }
}

//! tanh where 1 ± tanh x is used near ∓1 (tanh_float_expm1 for float lanes), otherwise tanh.
template <class V>
constexpr V tanh_near_one(V x) {
    if constexpr (is_batch_v<V> && std::is_same_v<scalar_of_t<V>, float>)
        return tanh_float_expm1(x);
    else
        return detail::tanh(x);  // qualified: unqualified, xsimd::tanh of a batch wins by argument lookup
}

template <class V>
constexpr auto select(const auto& cond, const V& a, const V& b) {
    if constexpr (is_batch_v<V>) {
        return xsimd::select(cond, a, b);
    } else {
        return cond ? a : b;
    }
}
template <class V>
constexpr V max(const V& a, const V& b) {
    if constexpr (is_batch_v<V>) {
        return xsimd::max(a, b);
    } else {
        return a < b ? b : a;
    }
}
template <class V>
constexpr V min(const V& a, const V& b) {
    if constexpr (is_batch_v<V>) {
        return xsimd::min(a, b);
    } else {
        return b < a ? b : a;
    }
}

//! The number `c` as a lane value (every lane holding it).
template <class V>
constexpr V splat(double c) {
    return V(static_cast<scalar_of_t<V>>(c));
}

//! xⁿ for an integer n, by repeated squaring: exact signs for a negative x, 0⁰ = 1, x⁻ⁿ = 1 / xⁿ.
template <class V>
constexpr V powi(V x, long long n) {
    unsigned long long k = n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
    V result = splat<V>(1.0);
    for (V base = x; k != 0; k >>= 1) {
        if (k & 1ULL)
            result *= base;
        if (k > 1)
            base *= base;
    }
    if (n < 0)
        return splat<V>(1.0) / result;
    return result;
}

//! xᶜ for a real c (NaN for x < 0 unless c is an integer: use powi then).
template <class V>
constexpr V pow(V x, double c) {
    if constexpr (is_batch_v<V>) {
        const V r =
            via_math_batch(x, [c](const auto& v) { return xsimd::pow(v, splat<std::remove_cvref_t<decltype(v)>>(c)); });
        // xsimd 8 gives 0 for 0 to any power; a negative power of 0 is +inf.
        return c < 0 ? xsimd::select(x == V(0), splat<V>(std::numeric_limits<double>::infinity()), r) : r;
    } else {
        if (std::is_constant_evaluated())
            return static_cast<V>(cx::exp(c * cx::log(x)));
        return std::pow(x, static_cast<V>(c));
    }
}

//! `a * b + c`, fused where the target has FMA.
template <class V>
constexpr V fma(const V& a, const V& b, const V& c) {
    if constexpr (is_batch_v<V>) {
        return xsimd::fma(a, b, c);
    } else {
        return a * b + c;
    }
}

}  // namespace TYPEGRAD_NS::detail
