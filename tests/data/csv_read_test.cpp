// read_csv on well-formed files: column selection, line ends, number syntax, exact round trip.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include "vectors.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::data_file;
using typegrad_test::temp_csv;
using typegrad_test::vec;

TEST_CASE("read_csv takes the target from the middle and keeps the other columns in file order") {
    const tg::data::dataset d = tg::data::read_csv(data_file("target_middle.csv"));
    CHECK(d.feature_names() == std::vector<std::string>{"age", "sex", "bmi"});
    CHECK(d.target_name() == "target");
    REQUIRE(d.rows() == 3);
    REQUIRE(d.cols() == 3);
    CHECK(vec(d.features()) == std::vector<float>{59.f, 2.f, 32.1f, 48.f, 1.f, 21.6f, 72.f, 2.f, 30.5f});
    CHECK(vec(d.targets()) == std::vector<float>{151.f, 75.f, 141.f});
    CHECK(d.row(1) == d.features().data() + 3);
    CHECK(d.row(2)[2] == 30.5f);
}

TEST_CASE("read_csv selects the target column by csv_options::target") {
    const auto d = tg::data::read_csv(data_file("target_middle.csv"), {.target = "age"});
    CHECK(d.feature_names() == std::vector<std::string>{"sex", "target", "bmi"});
    CHECK(vec(d.targets()) == std::vector<float>{59.f, 48.f, 72.f});
    CHECK(vec(d.features()) == std::vector<float>{2.f, 151.f, 32.1f, 1.f, 75.f, 21.6f, 2.f, 141.f, 30.5f});
}

TEST_CASE("read_csv accepts CRLF line ends and a trailing empty CRLF line") {
    const auto d = tg::data::read_csv(data_file("crlf.csv"));
    CHECK(d.feature_names() == std::vector<std::string>{"x1", "x2"});
    CHECK(vec(d.features()) == std::vector<float>{1.5f, -2.f, 3.f, 4.25f});
    CHECK(vec(d.targets()) == std::vector<float>{10.f, 20.f});
}

TEST_CASE("read_csv accepts a missing final newline and empty lines at the end and a byte-order mark") {
    const temp_csv no_newline("no_newline", "a,target\n1,2\n3,4");
    CHECK(vec(tg::data::read_csv(no_newline.path()).targets()) == std::vector<float>{2.f, 4.f});
    const temp_csv trailing("trailing_blank", "a,target\n1,2\n3,4\n\n  \r\n\n");
    CHECK(vec(tg::data::read_csv(trailing.path()).targets()) == std::vector<float>{2.f, 4.f});
    const temp_csv bom("bom",
                       "\xEF\xBB\xBF"
                       "target,a\r\n5,6\r\n");
    const auto d = tg::data::read_csv(bom.path());
    CHECK(vec(d.targets()) == std::vector<float>{5.f});
    CHECK(d.feature_names() == std::vector<std::string>{"a"});
}

TEST_CASE("read_csv accepts spaces around fields and a leading plus and exponents and quoted fields") {
    const temp_csv f("syntax", " \"first, name\" , target ,\"c\"\n  +1.5 ,\t-2e3, \"7\" \n.25,1E-2,-0\n");
    const auto d = tg::data::read_csv(f.path());
    CHECK(d.feature_names() == std::vector<std::string>{"first, name", "c"});
    CHECK(vec(d.features()) == std::vector<float>{1.5f, 7.f, 0.25f, -0.f});
    CHECK(std::signbit(d.features()[3]));
    CHECK(vec(d.targets()) == std::vector<float>{-2000.f, 0.01f});
}

TEST_CASE("read_csv reads a target-only file and another delimiter") {
    const temp_csv only("only_target", "target\n1\n2\n");
    const auto a = tg::data::read_csv(only.path());
    CHECK(a.cols() == 0);
    CHECK(a.rows() == 2);
    CHECK(a.features().empty());
    const temp_csv semi("semicolon", "a;b;y\n1;2;3\n");
    const auto b = tg::data::read_csv(semi.path(), {.target = "y", .delimiter = ';'});
    CHECK(vec(b.features()) == std::vector<float>{1.f, 2.f});
    CHECK(vec(b.targets()) == std::vector<float>{3.f});
}

TEST_CASE("read_csv<double> keeps double precision") {
    const temp_csv f("double", "a,target\n0.1,1e300\n");
    const auto d = tg::data::read_csv<double>(f.path());
    CHECK(d.features()[0] == 0.1);
    CHECK(d.targets()[0] == 1e300);
}

TEST_CASE("read_csv accepts NaN and infinities with allow_nonfinite") {
    const temp_csv f("nonfinite_ok", "a,b,target\nnan,inf,-Infinity\n1e39,2,3\n");
    const auto d = tg::data::read_csv(f.path(), {.allow_nonfinite = true});
    CHECK(std::isnan(d.features()[0]));
    CHECK(d.features()[1] == std::numeric_limits<float>::infinity());
    CHECK(d.targets()[0] == -std::numeric_limits<float>::infinity());
    CHECK(d.features()[2] == std::numeric_limits<float>::infinity());  // beyond float's range
}

namespace {
std::string format9g(float x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
    return buf;
}
}  // namespace

TEST_CASE("floats written with %.9g in a file read back to the same text") {
    const auto d = tg::data::read_csv(data_file("floats_9g.csv"));
    std::ifstream in(data_file("floats_9g.csv"));
    std::string line;
    std::getline(in, line);  // header
    for (std::size_t r = 0; r < d.rows(); ++r) {
        REQUIRE(std::getline(in, line));
        std::istringstream fields(line);
        std::string a, b, t;
        std::getline(fields, a, ',');
        std::getline(fields, b, ',');
        std::getline(fields, t, ',');
        CHECK(format9g(d.row(r)[0]) == a);
        CHECK(format9g(d.row(r)[1]) == b);
        CHECK(format9g(d.targets()[r]) == t);
    }
    CHECK(d.rows() == 20);
    CHECK(d.features()[0] == 1.0f / 3.0f);
    CHECK(d.targets()[0] == 16777216.f);  // 16777217 is not a float
    CHECK(d.row(1)[0] == std::numeric_limits<float>::max());
    CHECK(d.row(1)[1] == std::numeric_limits<float>::min());
    CHECK(d.targets()[1] == std::numeric_limits<float>::denorm_min());
}

TEST_CASE("every finite float survives a %.9g round trip through read_csv bit for bit") {
    std::mt19937 gen(12345);
    std::vector<float> written;
    std::string text = "target\n";
    while (written.size() < 5000) {
        const float x = std::bit_cast<float>(static_cast<std::uint32_t>(gen()));
        if (!std::isfinite(x))
            continue;
        written.push_back(x);
        text += format9g(x) + "\n";
    }
    const temp_csv f("roundtrip", text);
    const auto d = tg::data::read_csv(f.path());
    REQUIRE(d.rows() == written.size());
    for (std::size_t i = 0; i < written.size(); ++i)
        REQUIRE(std::bit_cast<std::uint32_t>(d.targets()[i]) == std::bit_cast<std::uint32_t>(written[i]));
}
