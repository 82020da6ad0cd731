// `_c` once read a literal by adding its digits up in double and dividing by 10 per fractional
// digit: 0.3_c was 0.30000000000000004, one unit in the last place above the double 0.3 that C++
// and torch read, so that tg::LeakyReLU<0.3_c> differed from torch's LeakyReLU(0.3). Now a literal
// is the double nearest its value, ties to even, as the compiler reads it and as strtod reads the
// text: checked below against the compiler on chosen literals, and against strtod on random ones
// and on the exact halfway points between neighbouring doubles (and just either side of them).
#include <typegrad/core/expr.hpp>

#include <catch2/catch.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace tg = typegrad;
using namespace tg::literals;

namespace {

constexpr std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }
constexpr std::uint64_t parsed(std::string_view s) { return bits(tg::detail::parse_decimal(s)); }

// The literal read by `_c` is the double the compiler makes of the same literal, bit for bit.
#define SAME_AS_THE_COMPILER(literal) static_assert(bits(decltype(literal##_c)::value) == bits(literal))

SAME_AS_THE_COMPILER(0.3);
SAME_AS_THE_COMPILER(0.1);
SAME_AS_THE_COMPILER(0.2);
SAME_AS_THE_COMPILER(1e-3);
SAME_AS_THE_COMPILER(1e-6);
SAME_AS_THE_COMPILER(1e-9);
SAME_AS_THE_COMPILER(2.5);
SAME_AS_THE_COMPILER(3.14159);
SAME_AS_THE_COMPILER(0.1e1);
SAME_AS_THE_COMPILER(1e23);  // 10^23 is not a double: 1e22 · 10, rounded once
SAME_AS_THE_COMPILER(1e300);
SAME_AS_THE_COMPILER(6.02e23);
SAME_AS_THE_COMPILER(9007199254740993);  // 2^53 + 1: halfway, to the even 2^53
SAME_AS_THE_COMPILER(9007199254740995);  // halfway, to the even 2^53 + 4
SAME_AS_THE_COMPILER(0.30000000000000004);
SAME_AS_THE_COMPILER(123456789012345678901234567890e-10);  // 30 digits
SAME_AS_THE_COMPILER(2.2250738585072011e-308);             // the greatest subnormal
SAME_AS_THE_COMPILER(2.2250738585072014e-308);             // the least normal
SAME_AS_THE_COMPILER(1e-320);
SAME_AS_THE_COMPILER(5e-324);  // the least subnormal
SAME_AS_THE_COMPILER(4.9406564584124654e-324);
SAME_AS_THE_COMPILER(2.4703282292062328e-324);  // just above half the least subnormal: rounds up to it
SAME_AS_THE_COMPILER(1.7976931348623157e308);   // the greatest double
SAME_AS_THE_COMPILER(1.7976931348623158e308);   // still below its halfway point to 2^1024
SAME_AS_THE_COMPILER(7.2057594037927933e16);
SAME_AS_THE_COMPILER(0.0);
SAME_AS_THE_COMPILER(1'000.000'5);  // digit separators (C++14)
SAME_AS_THE_COMPILER(1e1'0);
SAME_AS_THE_COMPILER(.5);
SAME_AS_THE_COMPILER(5.);
SAME_AS_THE_COMPILER(1E+5);
// Half the least subnormal (2^-1075 = 2.47032822920623272088284396434110686182529901307162382212792841...e-324,
// 752 digits) and a little more, to 62 digits: rounds up to it, where its first 17 digits round to 0.
SAME_AS_THE_COMPILER(2.4703282292062327208828439643411068618252990130716238221279285e-324);
static_assert(bits(decltype(0.3_c)::value) != bits(0.1 + 0.2));
static_assert(decltype(3_c)::value == 3 && decltype(-7.25_c)::value == -7.25);

// Beyond the range: +inf from the halfway point between the greatest double and 2^1024 on (where
// _c stops with an error, see tests/compile_fail/literal_beyond_double.cpp), 0 at or below half
// the least subnormal (2^-1075 exactly is a tie, to the even 0).
static_assert(parsed("1.7976931348623159e308") == bits(std::numeric_limits<double>::infinity()));
static_assert(parsed("1e309") == bits(std::numeric_limits<double>::infinity()));
static_assert(parsed("1e999999999999999999999") == bits(std::numeric_limits<double>::infinity()));
static_assert(parsed("2.4703282292062327e-324") == 0);
static_assert(parsed("1e-400") == 0 && parsed("0e999999") == 0);

//! The exact decimal text of odd · 2^e2 (every double and every halfway point between two is one).
std::string exact_decimal(std::uint64_t odd, int e2) {
    std::vector<std::uint32_t> limbs{static_cast<std::uint32_t>(odd % 1'000'000'000)};  // base 10^9
    for (std::uint64_t rest = odd / 1'000'000'000; rest != 0; rest /= 1'000'000'000)
        limbs.push_back(static_cast<std::uint32_t>(rest % 1'000'000'000));
    const auto multiply = [&](std::uint32_t f) {
        std::uint64_t carry = 0;
        for (auto& l : limbs) {
            const std::uint64_t t = std::uint64_t{l} * f + carry;
            l = static_cast<std::uint32_t>(t % 1'000'000'000);
            carry = t / 1'000'000'000;
        }
        for (; carry != 0; carry /= 1'000'000'000)
            limbs.push_back(static_cast<std::uint32_t>(carry % 1'000'000'000));
    };
    // odd · 2^e2 (e2 >= 0), or odd · 5^-e2 · 10^e2: multiplied by 2 or 5, up to 13 at a time
    const std::uint32_t base = e2 < 0 ? 5 : 2;
    for (int n = e2 < 0 ? -e2 : e2; n > 0;) {
        std::uint32_t f = 1;
        for (int k = 0; k < 13 && n > 0; ++k, --n)
            f *= base;
        multiply(f);
    }
    std::string s = std::to_string(limbs.back());
    for (std::size_t i = limbs.size() - 1; i-- > 0;) {
        const std::string part = std::to_string(limbs[i]);
        s += std::string(9 - part.size(), '0') + part;
    }
    return s + "e" + std::to_string(e2 < 0 ? e2 : 0);
}

//! The text's double as strtod reads it (digit separators taken out).
std::uint64_t strtod_bits(const std::string& text) {
    std::string plain;
    for (const char c : text)
        if (c != '\'')
            plain += c;
    return bits(std::strtod(plain.c_str(), nullptr));
}

// Around the halfway point h = (2m + 1) · 2^(k - 1) between the double x = m · 2^k (bits `b`) and
// the double above it: h itself goes to the even one of the two, a little above h to the double
// above, a little below h to x, as strtod reads them. `zeros`: how far after h's digits the
// difference comes.
void check_around_halfway(std::uint64_t b, int zeros) {
    const std::uint64_t m = (b >> 52) == 0 ? b : (b & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
    const int k = (b >> 52) == 0 ? -1074 : static_cast<int>(b >> 52) - 1075;
    const std::string h = exact_decimal(2 * m + 1, k - 1);
    const std::string mantissa = h.substr(0, h.find('e'));
    const int e = std::stoi(h.substr(h.find('e') + 1));
    const auto z = static_cast<std::size_t>(zeros);
    const std::string above = mantissa + std::string(z, '0') + "1e" + std::to_string(e - zeros - 1);
    // h's last digit is 5, or h is an integer: take 1 from that digit, then 9s.
    std::string below = mantissa;
    std::size_t at = below.size() - 1;
    while (below[at] == '0')
        below[at--] = '9';
    --below[at];
    below += std::string(z, '9') + "e" + std::to_string(e - zeros);
    INFO(h);
    REQUIRE(parsed(h) == strtod_bits(h));
    REQUIRE(parsed(h) == (m % 2 == 0 ? b : b + 1));
    REQUIRE(parsed(above) == strtod_bits(above));
    REQUIRE(parsed(above) == b + 1);  // the bits of the double above (of inf above the greatest)
    INFO(below);
    REQUIRE(parsed(below) == strtod_bits(below));
    REQUIRE(parsed(below) == b);
}

}  // namespace

TEST_CASE("regression: _c reads random literals to the double strtod reads") {
    std::mt19937_64 rng(20261208);
    constexpr int count = 200'000;
    int long_ones = 0;
    for (int n = 0; n < count; ++n) {
        // 1 to 25 digits (1 in 20 literals: up to 900), a point anywhere or none, a separator now
        // and then, and an exponent that puts the value anywhere from below half the least
        // subnormal to beyond the greatest double.
        const int digits = n % 20 == 0 ? 26 + static_cast<int>(rng() % 875) : 1 + static_cast<int>(rng() % 25);
        long_ones += digits > 25;
        const int point = static_cast<int>(rng() % (2 * digits + 2));  // half the time: none
        std::string s;
        for (int k = 0; k < digits; ++k) {
            if (k == point)
                s += '.';
            s += static_cast<char>('0' + rng() % 10);
            if (k + 1 < digits && rng() % 16 == 0)
                s += '\'';
        }
        const int lead = static_cast<int>(rng() % 650) - 330;  // the power of ten of the first digit
        const int e = lead - (point < digits ? point : digits) + 1;
        s += (rng() % 2 ? "e" : "E") + std::to_string(e);
        INFO(s);
        REQUIRE(parsed(s) == strtod_bits(s));
    }
    CHECK(long_ones > count / 25);
}

TEST_CASE("regression: _c rounds at the halfway points between doubles as strtod does, ties to even") {
    // 0, the least subnormals, the greatest subnormal and the least normals, either side of 1 and
    // of 2^53, the greatest doubles.
    for (const std::uint64_t b :
         {0x0ull, 0x1ull, 0x2ull, 0x000fffffffffffffull, 0x0010000000000000ull, 0x0010000000000001ull,
          0x3fefffffffffffffull, 0x3ff0000000000000ull, 0x433fffffffffffffull, 0x4340000000000000ull,
          0x7fe0000000000000ull, 0x7feffffffffffffeull, 0x7fefffffffffffffull})
        check_around_halfway(b, 0);
    // Just below each power of two from the least normal to 2^1023, where the double below is half
    // as far as the double above.
    for (std::uint64_t biased = 1; biased < 0x7ff; ++biased)
        check_around_halfway((biased << 52) - 1, static_cast<int>(biased % 7));
    // Random doubles, a third each: anywhere, subnormal or low, in the top binades.
    std::mt19937_64 rng(7);
    int checked = 0;
    for (int n = 0; n < 6'000; ++n) {
        std::uint64_t b = rng() >> 1;
        if (n % 3 == 1)
            b >>= 10 + rng() % 40;
        else if (n % 3 == 2)
            b = 0x7fefffffffffffffu - (rng() >> (11 + rng() % 50));
        if ((b >> 52) == 0x7ff)
            continue;
        check_around_halfway(b, static_cast<int>(rng() % 400));
        ++checked;
    }
    CHECK(checked > 5'900);
}

TEST_CASE("regression: _c takes only decimal literals") {
    for (const char* bad : {"", ".", "1e", "1e+", "e5", "1..2", "0x10", "1f", "1e5.5"}) {
        INFO(bad);
        CHECK_THROWS(tg::detail::parse_decimal(bad));
    }
}
