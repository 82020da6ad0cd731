// read_csv once refused 1e400 with allow_nonfinite (the documentation promised an infinity) and
// every number too small for double (1e-400), because std::from_chars reports both as out of
// range and leaves its output unchanged. Now: an infinity of the sign with allow_nonfinite, and
// the zero of the sign that strtod gives for an underflow, always.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "data/temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::temp_csv;

TEST_CASE("regression: read_csv reads numbers beyond double as infinities with allow_nonfinite") {
    const temp_csv f("beyond_double", "a,b,target\n1e400,-1e400,1" + std::string(400, '0') + "\n");
    const auto d = tg::data::read_csv(f.path(), {.allow_nonfinite = true});
    CHECK(d.features()[0] == std::numeric_limits<float>::infinity());
    CHECK(d.features()[1] == -std::numeric_limits<float>::infinity());
    CHECK(d.targets()[0] == std::numeric_limits<float>::infinity());
    const auto e = tg::data::read_csv<double>(f.path(), {.allow_nonfinite = true});
    CHECK(e.features()[0] == std::numeric_limits<double>::infinity());
    CHECK(e.features()[1] == -std::numeric_limits<double>::infinity());
    const temp_csv huge_exponent("huge_exponent", "target\n-1e99999999999999999999999999\n");
    CHECK(tg::data::read_csv<double>(huge_exponent.path(), {.allow_nonfinite = true}).targets()[0] ==
          -std::numeric_limits<double>::infinity());
    // Without allow_nonfinite they stay errors.
    const auto err = csv_failure(f.path());
    CHECK(err.line() == 2);
    CHECK(err.column() == 1);
    CHECK(std::string(err.what())
              .ends_with(":2:1: expected a number within the range of double in column 'a', found '1e400'"));
}

TEST_CASE("regression: read_csv reads numbers too small for double as a zero of their sign") {
    const temp_csv f("underflow", "a,b,c,d,target\n1e-400,-1e-400,0." + std::string(400, '0') +
                                      "1,-1e-99999999999999999999999,2.4e-324\n");
    for (const bool nonfinite : {false, true}) {
        const auto d = tg::data::read_csv<double>(f.path(), {.allow_nonfinite = nonfinite});
        REQUIRE(d.features().size() == 4);
        CHECK(d.features()[0] == 0.0);
        CHECK_FALSE(std::signbit(d.features()[0]));
        CHECK(d.features()[1] == 0.0);
        CHECK(std::signbit(d.features()[1]));
        CHECK(d.features()[2] == 0.0);
        CHECK(std::signbit(d.features()[3]));
        CHECK(d.targets()[0] == 0.0);  // below half of the smallest subnormal, as strtod rounds it
    }
    const auto d = tg::data::read_csv(f.path());
    CHECK(d.features()[0] == 0.f);
    CHECK(std::signbit(d.features()[1]));
}

TEST_CASE("regression: read_csv reads subnormals of double and float as strtod rounds them") {
    const temp_csv f("subnormal", "a,b,c,target\n4.9e-324,2.5e-324,1e-310,-1e-320\n");
    const auto d = tg::data::read_csv<double>(f.path());
    CHECK(d.features()[0] == std::numeric_limits<double>::denorm_min());
    CHECK(d.features()[1] == std::numeric_limits<double>::denorm_min());
    CHECK(d.features()[2] == 1e-310);
    CHECK(d.targets()[0] == -1e-320);
    // In float a double subnormal or a number below float's smallest subnormal is 0, not an error.
    const temp_csv g("float_underflow", "a,b,c,target\n1e-50,-1e-50,1e-45,1e-320\n");
    const auto x = tg::data::read_csv(g.path());
    CHECK(x.features()[0] == 0.f);
    CHECK(std::signbit(x.features()[1]));
    CHECK(x.features()[2] == std::numeric_limits<float>::denorm_min());
    CHECK(x.targets()[0] == 0.f);
}
