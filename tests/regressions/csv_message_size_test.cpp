// read_csv's messages once grew with the file: a missing target among 10,000 columns listed
// every name (89 KB), a 10 MB header quoted whole (40 MB). Now every quoted text is cut at 60
// characters, at most 10 names are listed, and a message is at most 1024 characters.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "data/temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::temp_csv;

namespace {
constexpr std::size_t bound = 1024;
const std::string ten_mb(10'000'000, 'h');
}  // namespace

TEST_CASE("regression: a missing target among 10,000 columns lists ten of them") {
    std::string header;
    for (int c = 0; c < 10'000; ++c)
        header += (c ? ",c" : "c") + std::to_string(c);
    const temp_csv f("wide", header + "\n1\n");
    const auto e = csv_failure(f.path(), {.target = "y"});
    const std::string what = e.what();
    CHECK(what.size() <= bound);
    CHECK(what == "typegrad: read_csv: " + f.name() +
                      ":1: expected a column named 'y' (csv_options::target), found the columns 'c0', 'c1', 'c2', "
                      "'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9' and 9990 more");
}

TEST_CASE("regression: the closest column name is suggested") {
    const auto e = csv_failure(temp_csv("close", "lable,x\n1,2\n").path(), {.target = "label"});
    CHECK(std::string(e.what()).ends_with(" found the columns 'lable', 'x'; did you mean 'lable'?"));
    const auto far = csv_failure(temp_csv("far", "a,b\n1,2\n").path(), {.target = "label"});
    CHECK(std::string(far.what()).ends_with(" found the columns 'a', 'b'"));
}

TEST_CASE("regression: a 10 MB header gives a message of at most 1024 characters") {
    // One name of 10 MB, with no target.
    const auto one = csv_failure(temp_csv("one_name", ten_mb + "\n1\n").path());
    CHECK(std::string(one.what()).size() <= bound);
    CHECK(std::string(one.what()).ends_with("found the columns '" + ten_mb.substr(0, 60) + "...'"));
    // Ten names of 1 MB each and a target name of 1 MB: every quote cut, the whole bounded.
    std::string header;
    for (int c = 0; c < 12; ++c)
        header += std::string(c ? "," : "") + std::to_string(c) + std::string(1'000'000, 'n');
    const auto many =
        csv_failure(temp_csv("long_names", header + "\n1\n").path(), {.target = std::string(1'000'000, 't')});
    CHECK(std::string(many.what()).size() <= bound);
    CHECK(std::string(many.what()).find("'0" + std::string(59, 'n') + "...', '1" + std::string(59, 'n') + "...'") !=
          std::string::npos);
    CHECK(std::string(many.what()).ends_with(" and 2 more"));
    // An unclosed quote, text after a quote, and a name repeated 5 million times.
    const auto quote = csv_failure(temp_csv("open_quote", "\"" + ten_mb + "\n1\n").path());
    CHECK(std::string(quote.what()).size() <= bound);
    CHECK(quote.column() == 1);
    const auto after = csv_failure(temp_csv("after_quote", "\"a\"" + ten_mb + "\n1\n").path());
    CHECK(std::string(after.what()).size() <= bound);
    std::string repeated;
    for (int c = 0; c < 5'000'000; ++c)
        repeated += c ? ",a" : "a";
    const auto twice = csv_failure(temp_csv("repeated", repeated + "\n1\n").path());
    CHECK(std::string(twice.what()).size() <= bound);
    CHECK(twice.column() == 2);
}

TEST_CASE("regression: a 10 MB row or field gives a message of at most 1024 characters") {
    const auto row = csv_failure(temp_csv("short_row", "a,b,target\n" + ten_mb + "\n").path());
    CHECK(std::string(row.what()).size() <= bound);
    CHECK(std::string(row.what()).ends_with("found 1 in '" + ten_mb.substr(0, 60) + "...'"));
    const auto field = csv_failure(temp_csv("long_field", "a,target\n1,2," + ten_mb + "\n").path());
    CHECK(std::string(field.what()).size() <= bound);
    const auto number = csv_failure(temp_csv("long_number", "a,target\n1," + ten_mb + "\n").path());
    CHECK(std::string(number.what()).size() <= bound);
}

TEST_CASE("regression: a long file name is cut to its last 200 characters") {
    const std::string stem(200, 'p');
    const temp_csv f(stem, "");
    const std::string what = csv_failure(f.path()).what();
    CHECK(what.size() <= bound);
    const std::string name = f.name();
    CHECK(what == "typegrad: read_csv: ..." + name.substr(name.size() - 197) +
                      ":1: expected a header row naming the columns, found an empty file");
}
