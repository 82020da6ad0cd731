#pragma once
// The text of the constexpr math a header written by tg::export_header carries (C++20's std::exp,
// std::tanh, ... are not constexpr, and the header includes no <cmath>). A file of its own because
// it is source code held as strings: the emitters name what they need, and only that is written.
//
// Every function computes in double and is accurate to a few ulp of double (tests/deploy measures
// it against std::); the code that calls them rounds the result once to the model's element type.
// Only powi works in that type, as typegrad's own powi does, so that integer powers match exactly. The same functions
// run at compile time and at run time, so a deployed prediction is one code path, bit for bit.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::deploy {

//! The functions of the generated header's `detail` namespace, as bits of a set.
enum math_fn : unsigned {
    math_constants = 1u << 0,  //!< inf and nan
    math_pow2 = 1u << 1,       //!< 2ᵏ exactly
    math_split = 1u << 2,      //!< x = f 2ᵉ with f in [1, 2)
    math_exp = 1u << 3,
    math_expm1 = 1u << 4,
    math_log = 1u << 5,
    math_log1p = 1u << 6,
    math_tanh = 1u << 7,
    math_sigmoid = 1u << 8,
    math_softplus = 1u << 9,
    math_sqrt = 1u << 10,
    math_pow = 1u << 11,         //!< xᶜ for a real c
    math_powi = 1u << 12,        //!< xⁿ for an integer n, as typegrad computes it
    math_is_inf = 1u << 13,      //!< x is +inf or -inf
    math_factorials = 1u << 14,  //!< 1 / n! for n <= 17
    math_erf = 1u << 15,
    math_gelu = 1u << 16,       //!< x Φ(x), torch's gelu (approximate="none")
    math_gelu_tanh = 1u << 17,  //!< torch's gelu (approximate="tanh")
    math_silu = 1u << 18,       //!< x / (1 + e^-x)
    math_all = (1u << 19) - 1,
};

namespace detail {

struct math_piece {
    unsigned fn;
    unsigned needs;  // the pieces its text calls
    std::string_view text;
};

// In the order they are written: each after the pieces it calls. `value_type` (used by powi) is
// the model's element type, which the generated header declares before them.
inline constexpr std::array<math_piece, 19> math_pieces{{
    {math_constants, 0, R"(// GCC and Clang evaluate these builtins in constant expressions; <limits> is not included.
inline constexpr double inf = __builtin_huge_val();
inline constexpr double nan = __builtin_nan("");
)"},
    {math_pow2, 0, R"(// 2^k for -1022 <= k <= 1023, from its bits (a constexpr builtin of GCC and Clang; no <bit>).
static_assert(sizeof(unsigned long long) == sizeof(double) && sizeof(double) * 8 == 64);
constexpr double pow2(int k) noexcept {
    return __builtin_bit_cast(double, static_cast<unsigned long long>(k + 1023) << 52);
}
)"},
    {math_factorials, 0, R"(// 1 / n! for the Taylor series of exp and expm1, computed once by the compiler.
inline constexpr std::array<double, 18> inverse_factorial = [] {
    std::array<double, 18> c{};
    double f = 1.0;
    for (std::size_t n = 0; n < c.size(); ++n) {
        f *= n == 0 ? 1.0 : static_cast<double>(n);
        c[n] = 1.0 / f;
    }
    return c;
}();
)"},
    {math_split, math_pow2,
     R"(// x = f 2^e with f in [1, 2), for a finite x > 0, from its bits; a subnormal x scaled first.
constexpr double split(double x, int& e) noexcept {
    e = 0;
    if (x < 0x1p-1022) {
        x *= 0x1p64;
        e = -64;
    }
    const unsigned long long bits = __builtin_bit_cast(unsigned long long, x);
    e += static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    return __builtin_bit_cast(double, (bits & 0xfffffffffffffULL) | (1023ULL << 52));
}
)"},
    {math_exp, math_constants | math_pow2 | math_factorials,
     R"(// e^x = 2^k e^r, |r| <= ln2 / 2 (ln2 in two parts, so that r is exact), e^r by Taylor to r^13;
// 2^k in two factors, so that each is a normal number down to the subnormal results.
constexpr double exp(double x) noexcept {
    if (x != x)
        return x;
    if (x > 709.782712893384)
        return inf;
    if (x < -745.1332191019412)
        return 0.0;
    const int k = static_cast<int>(x * 1.4426950408889634 + (x < 0 ? -0.5 : 0.5));
    const double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
    double p = inverse_factorial[13];
    for (int n = 12; n >= 0; --n)
        p = p * r + inverse_factorial[static_cast<std::size_t>(n)];
    return p * pow2(k - k / 2) * pow2(k / 2);
}
)"},
    {math_expm1, math_exp | math_factorials,
     R"(// e^x - 1 without cancellation near 0: Taylor to x^17 for |x| < ln2 / 2.
constexpr double expm1(double x) noexcept {
    if (x > -0.34657359027997264 && x < 0.34657359027997264) {
        double p = inverse_factorial[17];
        for (int n = 16; n >= 1; --n)
            p = p * x + inverse_factorial[static_cast<std::size_t>(n)];
        return x * p;
    }
    return exp(x) - 1.0;
}
)"},
    {math_log, math_constants | math_split,
     R"(// ln x = e ln2 + 2 atanh(s), x = f 2^e with f in [sqrt(1/2), sqrt(2)), s = (f - 1) / (f + 1).
constexpr double log(double x) noexcept {
    if (x != x || x < 0)
        return nan;
    if (x == 0)
        return -inf;
    if (x == inf)
        return x;
    int e = 0;
    double f = split(x, e);
    if (f > 1.4142135623730951) {
        f *= 0.5;
        ++e;
    }
    const double s = (f - 1.0) / (f + 1.0), s2 = s * s;
    constexpr auto odd_inverse = [] {
        std::array<double, 14> c{};
        for (int n = 0; n < 14; ++n)
            c[static_cast<std::size_t>(n)] = 1.0 / (2 * n + 1);
        return c;
    }();
    double p = odd_inverse[13];
    for (int n = 12; n >= 0; --n)
        p = p * s2 + odd_inverse[static_cast<std::size_t>(n)];
    return e * 6.93147180369123816490e-01 + (2.0 * s * p + e * 1.90821492927058770002e-10);
}
)"},
    {math_log1p, math_constants | math_log,
     R"(// ln(1 + u), exact to a few ulp for tiny u too: ln(w) u / (w - 1) with w = 1 + u rounded.
constexpr double log1p(double u) noexcept {
    const double w = 1.0 + u;
    if (w == 1.0)
        return u;
    if (w == inf)
        return w;
    return log(w) * (u / (w - 1.0));
}
)"},
    {math_tanh, math_expm1, R"(// tanh x = -expm1(-2|x|) / (2 + expm1(-2|x|)), with the sign of x; 1 beyond |x| = 22.
constexpr double tanh(double x) noexcept {
    if (x != x)
        return x;
    const double a = x < 0 ? -x : x;
    double t = 1.0;
    if (a < 22.0) {
        const double e = expm1(-2.0 * a);
        t = -e / (2.0 + e);
    }
    return x < 0 ? -t : t;
}
)"},
    {math_sigmoid, math_exp, R"(// 1 / (1 + e^-x): 0 when e^-x overflows.
constexpr double sigmoid(double x) noexcept { return 1.0 / (1.0 + exp(-x)); }
)"},
    {math_softplus, math_exp | math_log1p, R"(// ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): no overflow for any x.
constexpr double softplus(double x) noexcept { return (x < 0 ? 0.0 : x) + log1p(exp(x < 0 ? x : -x)); }
)"},
    {math_sqrt, math_constants | math_split | math_pow2,
     R"(// sqrt x = sqrt(m) 2^(e/2), x = m 2^e with m in [1, 4) and e even: Newton from (1 + m) / 2.
constexpr double sqrt(double x) noexcept {
    if (x != x || x < 0)
        return nan;
    if (x == 0 || x == inf)
        return x;
    int e = 0;
    double m = split(x, e);
    if (e % 2 != 0) {
        m *= 2.0;
        --e;
    }
    double r = 0.5 * (1.0 + m);
    for (int n = 0; n < 8; ++n)
        r = 0.5 * (r + m / r);
    return r * pow2(e / 2);
}
)"},
    {math_pow, math_constants | math_exp | math_log, R"(// x^c for a real, non-integer c: e^(c ln x); NaN for x < 0.
constexpr double pow(double x, double c) noexcept {
    if (x < 0)
        return nan;
    return exp(c * log(x));
}
)"},
    {math_powi, 0, R"(// x^n for an integer n by repeated squaring, in value_type, the order typegrad multiplies in.
constexpr value_type powi(value_type x, long long n) noexcept {
    unsigned long long k = n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
    value_type result = 1;
    for (value_type base = x; k != 0; k >>= 1) {
        if (k & 1ULL)
            result *= base;
        if (k > 1)
            base *= base;
    }
    return n < 0 ? value_type(1) / result : result;
}
)"},
    {math_is_inf, math_constants, R"(constexpr bool is_inf(double x) noexcept { return x == inf || x == -inf; }
)"},
    {math_erf, math_exp,
     R"(// The coefficients of erf's Taylor series, erf x = 2/sqrt(pi) x sum (-1)^n x^2n / (n! (2n + 1)).
inline constexpr std::array<double, 21> erf_series = [] {
    std::array<double, 21> c{};
    double f = 1.0;
    for (std::size_t n = 0; n < c.size(); ++n) {
        f *= n == 0 ? 1.0 : static_cast<double>(n);
        c[n] = (n % 2 == 0 ? 1.0 : -1.0) / (f * static_cast<double>(2 * n + 1));
    }
    return c;
}();
// erf x: for |x| < 1.25 the Taylor series to x^41 (Horner's scheme in x^2); then 1 - erfc |x|,
// erfc a = e^-a^2 / (sqrt(pi) (a + (1/2) / (a + 1 / (a + (3/2) / (a + ...))))), Laplace's continued
// fraction from its 16 + 240 / a^2-th term (enough for double from a = 1.25 on); 1 from |x| = 6 on,
// where erfc is below half an ulp of 1. With the sign of x, -0 kept; NaN passes. Within 1.7 ulp of
// glibc's erf on [-40, 40] (typegrad's tests/deploy/math_test.cpp), equal to it at 0, +-6 and beyond.
constexpr double erf(double x) noexcept {
    if (x != x || x == 0)
        return x;
    const double a = x < 0 ? -x : x;
    double r = 1.0;
    if (a < 1.25) {
        const double a2 = a * a;
        double p = erf_series[20];
        for (std::size_t n = 20; n-- > 0;)
            p = p * a2 + erf_series[n];
        r = 1.1283791670955126 * (a * p);
    } else if (a < 6.0) {
        double t = a;
        for (int k = 16 + static_cast<int>(240.0 / (a * a)); k >= 1; --k)
            t = a + 0.5 * static_cast<double>(k) / t;
        r = 1.0 - exp(-(a * a)) / (1.7724538509055160 * t);
    }
    return x < 0 ? -r : r;
}
)"},
    {math_gelu, math_erf, R"(// x Phi(x) = x 0.5 (1 + erf(x / sqrt 2)), as torch computes it: NaN at -inf (-inf 0).
constexpr double gelu(double x) noexcept { return x * 0.5 * (1.0 + erf(x * 0.70710678118654752)); }
)"},
    {math_gelu_tanh, math_tanh,
     R"(// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), torch's approximation: NaN at -inf (-inf 0).
constexpr double gelu_tanh(double x) noexcept {
    return 0.5 * x * (1.0 + tanh(0.79788456080286536 * (x + 0.044715 * (x * x * x))));
}
)"},
    {math_silu, math_exp, R"(// x / (1 + e^-x), as torch computes it: -0 below x = -709.78 (e^-x infinite), NaN at -inf.
constexpr double silu(double x) noexcept { return x / (1.0 + exp(-x)); }
)"},
}};

}  // namespace detail

//! Every function `needs` calls, directly or through another, with `needs` itself.
constexpr unsigned math_closure(unsigned needs) noexcept {
    // Each piece calls only pieces before it: one backward pass collects them all.
    for (std::size_t k = detail::math_pieces.size(); k-- > 0;)
        if (needs & detail::math_pieces[k].fn)
            needs |= detail::math_pieces[k].needs;
    return needs;
}

//! The source of the functions in `needs` and of those they call; empty when `needs` is 0.
inline std::string math_source(unsigned needs) {
    needs = math_closure(needs);
    std::string out;
    for (const auto& piece : detail::math_pieces)
        if (needs & piece.fn)
            out.append(piece.text);
    return out;
}

}  // namespace TYPEGRAD_NS::deploy
