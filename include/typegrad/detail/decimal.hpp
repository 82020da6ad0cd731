#pragma once
// A decimal literal read as the C++ compiler reads a double literal, and as strtod and Python's
// float() read the text: the double nearest its value, ties to the even one (IEEE 754's
// round-to-nearest). So `0.3_c` holds the very double that `0.3` is in C++ and in torch.
//
// The common literal (at most 2^53 as an integer of its digits, |power of ten| <= 22) is one
// multiplication or division of two exact doubles, rounded once (Clinger's fast path). Any other
// is approximated in double arithmetic (a few units in the last place away at most), then moved
// to the right double by exact comparisons of the literal's value with the halfway points
// between neighbouring doubles, in integers as large as those need (`big`).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::detail {

// Reached only by a text that is not a decimal literal, given to parse_decimal in a build without
// exceptions (`_c` checks its literal before); not constexpr, so that a constant evaluation fails
// and the compiler names this function.
inline void _c_takes_a_decimal_literal_such_as_2_5_c_or_1e_3_c() {}

namespace decimal_text {

constexpr void require(bool ok) {
    if (!ok)
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
        throw "typegrad: _c takes a decimal literal such as 2.5_c or 1e-3_c";
#else
        _c_takes_a_decimal_literal_such_as_2_5_c_or_1e_3_c();  // not constexpr: a compile error
#endif
}

// 10^0 ... 10^22, each exactly a double (5^22 < 2^53).
inline constexpr double exact_powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                          1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
// 10^(22 q), q = 0 ... 14, each the double nearest it (the compiler reads these literals).
inline constexpr double coarse_powers[] = {1e0,   1e22,  1e44,  1e66,  1e88,  1e110, 1e132, 1e154,
                                           1e176, 1e198, 1e220, 1e242, 1e264, 1e286, 1e308};

inline constexpr std::uint64_t hidden_bit = std::uint64_t{1} << 52;  // 2^52
inline constexpr int min_exponent = -1074;  // of the last place of subnormals and the least binade
inline constexpr int max_exponent = 971;    // of the last place of the greatest binade
// Digits past these many significant ones count only as "some nonzero digit follows": a halfway
// point between two doubles has at most 768 significant digits, so it cannot fall between the
// literal and its first 800 digits followed by a 1.
inline constexpr int kept_digits = 800;

// A literal's digits: all its significant digits (from the first nonzero one) read as an integer N,
// its value N · 10^exponent. `head` holds the first (at most 19) of them.
struct parts {
    std::uint64_t head = 0;
    int head_digits = 0;
    bool nonzero_after_head = false;
    bool well_formed = false;
    long long significant = 0;
    long long exponent = 0;
    std::size_t digits_end = 0;  // where the mantissa ends in the text (an 'e' or the end)
};

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// digits ['.' digits] [('e' | 'E') ['+' | '-'] digits], with ' between digits (C++14's separators);
// anything else is not `well_formed`.
constexpr parts split(std::string_view s) {
    parts p;
    bool point = false, any = false;
    long long fraction_digits = 0;
    std::size_t i = 0;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\'')
            continue;
        if (c == '.') {
            if (point)
                return p;
            point = true;
            continue;
        }
        if (!is_digit(c))
            break;
        any = true;
        fraction_digits += point;
        if (p.significant == 0 && c == '0')
            continue;
        ++p.significant;
        if (p.head_digits < 19) {
            p.head = p.head * 10 + static_cast<std::uint64_t>(c - '0');
            ++p.head_digits;
        } else if (c != '0')
            p.nonzero_after_head = true;
    }
    if (!any)
        return p;
    p.digits_end = i;
    long long e = 0;
    if (i < s.size()) {
        if (s[i] != 'e' && s[i] != 'E')
            return p;
        ++i;
        const bool negative = i < s.size() && s[i] == '-';
        if (i < s.size() && (s[i] == '+' || s[i] == '-'))
            ++i;
        if (i == s.size())
            return p;
        for (; i < s.size(); ++i) {
            if (s[i] == '\'')
                continue;
            if (!is_digit(s[i]))
                return p;
            if (e < 1'000'000'000)  // beyond any double either way: saturate, never overflow
                e = e * 10 + (s[i] - '0');
        }
        e = negative ? -e : e;
    }
    p.exponent = e - fraction_digits;
    p.well_formed = true;
    return p;
}

// A nonnegative integer in 32-bit limbs, least significant first, as large as the comparisons of a
// literal of `kept_digits` digits with a halfway point need (about 2700 bits).
struct big {
    static constexpr int capacity = 96;
    std::uint32_t limbs[capacity]{};
    int size = 0;  // limbs in use, the last nonzero

    constexpr void multiply_add(std::uint32_t factor, std::uint32_t addend) {
        std::uint64_t carry = addend;
        for (int i = 0; i < size; ++i) {
            const std::uint64_t t = std::uint64_t{limbs[i]} * factor + carry;
            limbs[i] = static_cast<std::uint32_t>(t);
            carry = t >> 32;
        }
        if (carry != 0)
            limbs[size++] = static_cast<std::uint32_t>(carry);
    }
    constexpr void multiply_by_power_of_five(long long n) {
        for (; n >= 13; n -= 13)
            multiply_add(1220703125u, 0);  // 5^13, the largest power of five below 2^32
        std::uint32_t rest = 1;
        for (; n > 0; --n)
            rest *= 5;
        multiply_add(rest, 0);
    }
    constexpr void shift_left(long long bits) {
        if (size == 0 || bits == 0)
            return;
        const int whole = static_cast<int>(bits / 32), part = static_cast<int>(bits % 32);
        std::uint32_t top = part == 0 ? 0 : limbs[size - 1] >> (32 - part);
        for (int i = size - 1; i >= 0; --i) {
            const std::uint32_t below = part == 0 || i == 0 ? 0 : limbs[i - 1] >> (32 - part);
            limbs[i + whole] = part == 0 ? limbs[i] : (limbs[i] << part) | below;
        }
        for (int i = 0; i < whole; ++i)
            limbs[i] = 0;
        size += whole;
        if (top != 0)
            limbs[size++] = top;
    }
    // this · f, f < 2^64
    constexpr big times(std::uint64_t f) const {
        big r;
        const std::uint32_t halves[2] = {static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(f >> 32)};
        for (int j = 0; j < 2; ++j) {
            std::uint64_t carry = 0;
            for (int i = 0; i < size; ++i) {
                const std::uint64_t t = r.limbs[i + j] + std::uint64_t{limbs[i]} * halves[j] + carry;
                r.limbs[i + j] = static_cast<std::uint32_t>(t);
                carry = t >> 32;
            }
            r.limbs[size + j] = static_cast<std::uint32_t>(carry);
        }
        r.size = size + 2;
        while (r.size > 0 && r.limbs[r.size - 1] == 0)
            --r.size;
        return r;
    }
};

constexpr int compare(const big& a, const big& b) {
    if (a.size != b.size)
        return a.size < b.size ? -1 : 1;
    for (int i = a.size - 1; i >= 0; --i)
        if (a.limbs[i] != b.limbs[i])
            return a.limbs[i] < b.limbs[i] ? -1 : 1;
    return 0;
}

// The literal's value v = a · 2^twos / fives, kept as the integers a and fives, to be compared with
// halfway points h = odd · 2^k: v <=> h is a · 2^twos <=> odd · fives · 2^k.
struct exact_value {
    big a, fives;
    long long twos = 0;

    constexpr int compare_with(std::uint64_t odd, long long k) const {
        big left = a, right = fives.times(odd);
        if (twos > k)
            left.shift_left(twos - k);
        else
            right.shift_left(k - twos);
        return compare(left, right);
    }
};

// The first `kept_digits` significant digits as D (a 1 appended if a nonzero digit follows them),
// and v = D · 10^E = D · 5^E · 2^E.
constexpr exact_value exactly(std::string_view s, const parts& p) {
    big d;
    long long kept = 0;
    bool nonzero_after = false;
    std::uint32_t chunk = 0, scale = 1;
    for (std::size_t i = 0; i < p.digits_end; ++i) {
        const char c = s[i];
        if (!is_digit(c) || (kept == 0 && c == '0'))
            continue;
        if (kept == kept_digits) {
            nonzero_after = nonzero_after || c != '0';
            continue;
        }
        ++kept;
        chunk = chunk * 10 + static_cast<std::uint32_t>(c - '0');
        scale *= 10;
        if (scale == 1'000'000'000) {
            d.multiply_add(scale, chunk);
            chunk = 0;
            scale = 1;
        }
    }
    if (nonzero_after) {
        chunk = chunk * 10 + 1;
        scale *= 10;
    }
    if (scale != 1)
        d.multiply_add(scale, chunk);
    const long long e = p.exponent + (p.significant - kept) - (nonzero_after ? 1 : 0);
    exact_value v;
    v.a = d;
    v.fives.limbs[0] = 1;
    v.fives.size = 1;
    if (e >= 0)
        v.a.multiply_by_power_of_five(e);
    else
        v.fives.multiply_by_power_of_five(-e);
    v.twos = e;
    return v;
}

// The double m · 2^k: a significand m < 2^53 (below 2^52 only for subnormals, k = min_exponent).
struct binary {
    std::uint64_t m;
    int k;
};

constexpr double to_double(binary b) {
    if (b.k > max_exponent)
        return std::bit_cast<double>(std::uint64_t{0x7ff} << 52);  // +inf
    if (b.m < hidden_bit)
        return std::bit_cast<double>(b.m);
    return std::bit_cast<double>((static_cast<std::uint64_t>(b.k - min_exponent + 1) << 52) | (b.m - hidden_bit));
}

constexpr binary to_binary(double x) {
    const auto bits = std::bit_cast<std::uint64_t>(x);
    const int biased = static_cast<int>(bits >> 52);  // x >= 0
    if (biased == 0x7ff)
        return {2 * hidden_bit - 1, max_exponent};  // the greatest double, for an approximation that overflowed
    if (biased == 0)
        return {bits, min_exponent};
    return {(bits & (hidden_bit - 1)) | hidden_bit, biased + min_exponent - 1};
}

// head · 10^e in double arithmetic (a few units in the last place away), at most the greatest
// double; 10^e is within the range of doubles or just below it.
constexpr double approximate(std::uint64_t head, long long e) {
    const double x = static_cast<double>(head);
    if (e >= 0) {
        const double y = x * exact_powers[e % 22];
        constexpr double greatest = 1.7976931348623157e308;
        // Not beyond it: GCC does not take an overflow to inf as a constant expression.
        return y > greatest / coarse_powers[e / 22] ? greatest : y * coarse_powers[e / 22];
    }
    long long a = -e;
    double y = x;
    if (a > 308) {
        y /= coarse_powers[14];
        a -= 308;
    }
    return y / exact_powers[a % 22] / coarse_powers[a / 22];
}

// The double nearest v from the approximation `near`: up while v is beyond the halfway point above
// (or on it, and the double above is the even one), else down likewise.
constexpr double nearest(std::string_view s, const parts& p) {
    const exact_value v = exactly(s, p);
    binary b = to_binary(approximate(p.head, p.exponent + (p.significant - p.head_digits)));
    bool moved = false;
    for (;;) {
        const int c = v.compare_with(2 * b.m + 1, b.k - 1);
        if (c < 0 || (c == 0 && b.m % 2 == 0))
            break;
        moved = true;
        if (++b.m == 2 * hidden_bit) {
            b.m = hidden_bit;
            if (++b.k > max_exponent)
                return to_double(b);
        }
    }
    while (!moved && b.m != 0) {
        const bool binade_start = b.m == hidden_bit && b.k > min_exponent;  // the double below is half as far
        const int c = binade_start ? v.compare_with(4 * b.m - 1, b.k - 2) : v.compare_with(2 * b.m - 1, b.k - 1);
        if (c > 0 || (c == 0 && b.m % 2 == 0))
            break;
        if (binade_start) {
            b.m = 2 * hidden_bit - 1;
            --b.k;
        } else
            --b.m;
    }
    return to_double(b);
}

}  // namespace decimal_text

//! The double nearest the value of the decimal literal `s` ("2.5", "1e-3", "1'000.5", no sign), ties
//! to even: the double that C++ makes of the literal, and strtod of the text. +inf beyond the
//! greatest double (at or past its halfway point to 2^1024), 0 below half the least subnormal.
//! Usable at run time too (tg::to_string writes a constant back as a text that this reads to the
//! same double).
constexpr double parse_decimal(std::string_view s) {
    const decimal_text::parts p = decimal_text::split(s);
    decimal_text::require(p.well_formed);
    if (p.significant == 0)
        return 0.0;
    const long long lead = p.exponent + p.significant - 1;  // 10^lead <= value < 10^(lead + 1)
    if (lead > 308)
        return decimal_text::to_double({decimal_text::hidden_bit, decimal_text::max_exponent + 1});
    if (lead < -325)  // value < 10^-325, below half the least subnormal (2^-1075, 2.47e-325)
        return 0.0;
    if (!p.nonzero_after_head) {
        std::uint64_t m = p.head;
        long long e = p.exponent + (p.significant - p.head_digits);
        while (m % 10 == 0) {
            m /= 10;
            ++e;
        }
        constexpr std::uint64_t exact = std::uint64_t{1} << 53;  // every integer up to it is a double
        // 1e23 and the like: m · 10^(e - 22) is still an exact integer double.
        for (; e > 22 && m <= exact / 10; --e)
            m *= 10;
        if (m <= exact && e >= -22 && e <= 22)
            return e >= 0 ? static_cast<double>(m) * decimal_text::exact_powers[e]
                          : static_cast<double>(m) / decimal_text::exact_powers[-e];
    }
    return decimal_text::nearest(s, p);
}

}  // namespace TYPEGRAD_NS::detail
