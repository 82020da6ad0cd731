// parse_csv: read_csv's rules on text in memory, its errors naming the text as given.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::temp_csv;

TEST_CASE("parse_csv: the same dataset as read_csv of the same bytes") {
    const std::string text =
        "\xEF\xBB\xBF"
        "a, \"b\" ,target\r\n1,2.5,3\n-4,+5e-1,6\n\n";
    const temp_csv f("parse", text);
    const auto from_file = tg::data::read_csv<double>(f.path());
    const auto from_text = tg::data::parse_csv<double>(text);
    CHECK(from_text.feature_names() == from_file.feature_names());
    CHECK(from_text.target_name() == from_file.target_name());
    CHECK(std::vector<double>(from_text.features().begin(), from_text.features().end()) ==
          std::vector<double>{1, 2.5, -4, 0.5});
    CHECK(std::vector<double>(from_text.targets().begin(), from_text.targets().end()) ==
          std::vector<double>(from_file.targets().begin(), from_file.targets().end()));
    const auto no_target = tg::data::parse_csv("x;y\n1;2\n", {.target = std::nullopt, .delimiter = ';'});
    CHECK(no_target.cols() == 2);
    CHECK_FALSE(no_target.has_target());
}

TEST_CASE("parse_csv: errors name the text as read_csv names a file") {
    try {
        (void)tg::data::parse_csv("a,target\n1,x\n", {}, "upload.csv");
        FAIL("no error");
    } catch (const tg::data::csv_error& e) {
        CHECK(std::string(e.what()) ==
              "typegrad: read_csv: upload.csv:2:2: expected a number in column 'target', "
              "found 'x'");
        CHECK(e.file() == "upload.csv");
        CHECK(e.line() == 2);
    }
    CHECK_THROWS_WITH(tg::data::parse_csv(""),
                      "typegrad: read_csv: <memory>:1: expected a header row naming the columns, found an empty file");
    CHECK_THROWS_WITH(tg::data::parse_csv("a,target\n1,2\n", {.max_bytes = 4}),
                      "typegrad: read_csv: <memory>: expected a CSV text of at most 4 bytes (csv_options::max_bytes), "
                      "found 13 bytes");
    CHECK_THROWS_WITH(tg::data::parse_csv("a\n1\n", {.delimiter = '"'}),
                      Catch::StartsWith("typegrad: parse_csv: expected csv_options::delimiter to be a character other "
                                        "than"));
    CHECK_THROWS_AS(tg::data::parse_csv("a\n1\n", {.delimiter = '\n'}), std::invalid_argument);
}
