// read_csv on hostile input: each fault is a csv_error naming file, line, field and what was
// expected, in time and memory linear in the file, never a crash.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_csv.hpp"
#include "vectors.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::data_file;
using typegrad_test::temp_csv;
using typegrad_test::vec;

namespace {

// Reads `bytes` from a fresh file and checks the error's line, column and what() after the
// file name.
void check_failure(std::string_view bytes, std::size_t line, std::size_t column, const std::string& message,
                   const tg::data::csv_options& options = {}) {
    const temp_csv f("hostile", bytes);
    const tg::data::csv_error e = csv_failure(f.path(), options);
    CHECK(e.line() == line);
    CHECK(e.column() == column);
    CHECK(std::string(e.what()) == "typegrad: read_csv: " + f.name() + ":" + message);
}

}  // namespace

TEST_CASE("read_csv: an empty column name is an error") {
    check_failure("a,,target\n1,2,3\n", 1, 2, "1:2: expected a column name, found an empty field");
    check_failure("a,\"\",target\n1,2,3\n", 1, 2, "1:2: expected a column name, found an empty field");
    check_failure("a,target,\n1,2,3\n", 1, 3,
                  "1:3: expected a column name, found an empty field (the header ends with the delimiter)");
    check_failure(" , \n1,2\n", 1, 1, "1:1: expected a column name, found an empty field", {.target = std::nullopt});
}

TEST_CASE("read_csv: an unterminated quote in the header or a row") {
    check_failure("a,\"target\n1,2\n", 1, 2,
                  "1:2: expected a closing quote '\"' before the end of the line, found '\"target'");
    check_failure("a,target\n1,\"2\n3,4\n", 2, 2,
                  "2:2: expected a closing quote '\"' before the end of the line, found '\"2'");
    check_failure("a,target\n1,\"2\"\"\n", 2, 2,
                  "2:2: expected a closing quote '\"' before the end of the line, found '\"2\"\"'");
}

TEST_CASE("read_csv: fields of 1 MB") {
    const std::string mb(1'000'000, '0');
    // A number of a million digits: beyond double, or a zero, or a one after a million zeros.
    check_failure(
        "a,target\n1,1" + mb + "\n", 2, 2,
        "2:2: expected a number within the range of double in column 'target', found '1" + mb.substr(0, 59) + "...'");
    const temp_csv f("mb_numbers",
                     "a,b,c,target\n1" + mb + ",0." + mb + "1," + mb + "1,\"" + std::string(1'000'000, ' ') + "5\"\n");
    const auto d = tg::data::read_csv<double>(f.path(), {.allow_nonfinite = true});
    CHECK(vec(d.features()) == std::vector<double>{std::numeric_limits<double>::infinity(), 0.0, 1.0});
    CHECK(vec(d.targets()) == std::vector<double>{5.0});
    // A column name of 1 MB is kept whole.
    const std::string name(1'000'000, 'n');
    const auto named = tg::data::read_csv(temp_csv("mb_name", "\"" + name + "\",target\n1,2\n").path());
    CHECK(named.feature_names() == std::vector<std::string>{name});
}

TEST_CASE("read_csv: a row of 10 million fields is refused without storing them") {
    std::string row;
    row.reserve(20'000'000);
    for (int i = 0; i < 10'000'000; ++i)
        row += "1,";
    row.pop_back();
    check_failure("a,target\n" + row + "\n", 2, 3,
                  "2:3: expected 2 fields as in the header, found 10000000; the first extra field is '1'");
}

TEST_CASE("read_csv: a header of a million columns and a row of a million values") {
    std::string header, values;
    for (int c = 0; c < 1'000'000; ++c) {
        header += (c ? ",c" : "c") + std::to_string(c);
        values += c ? ",1.5" : "1.5";
    }
    const auto d = tg::data::read_csv(temp_csv("million", header + "\n" + values + "\n").path(), {.target = "c7"});
    CHECK(d.cols() == 999'999);
    CHECK(d.rows() == 1);
    CHECK(d.feature_names()[7] == "c8");
    CHECK(d.features().size() == 999'999);
}

TEST_CASE("read_csv: Windows line ends mixed with LF") {
    const auto d = tg::data::read_csv(temp_csv("mixed", "a,target\r\n1,2\n3,4\r\n5,6\n\r\n\n").path());
    CHECK(vec(d.features()) == std::vector<float>{1.f, 3.f, 5.f});
    CHECK(vec(d.targets()) == std::vector<float>{2.f, 4.f, 6.f});
    // A carriage return that ends no line (old Mac line ends) is refused.
    check_failure("a,target\r\n1,2\r\r\n", 2, 2,
                  "2:2: expected LF or CRLF line ends, found a carriage return not followed by a line feed in '2\\r'");
    check_failure("a,target\r1,2\r3,4\r", 1, 2,
                  "1:2: expected LF or CRLF line ends, found a carriage return not followed by a line feed in "
                  "'target\\r1,2\\r3,4'");
}

TEST_CASE("read_csv: paths that are not CSV files") {
    const auto dir = std::filesystem::path(TYPEGRAD_TEST_DATA_DIR);
    CHECK(std::string(csv_failure(dir).what()) ==
          "typegrad: read_csv: " + dir.string() + ": expected a CSV file, found a directory");
    CHECK(std::string(csv_failure(dir / "").what()).ends_with(": expected a CSV file, found a directory"));
    CHECK(csv_failure(data_file("crlf.csv") / "x").line() == 0);
}

TEST_CASE("read_csv: NUL bytes, a byte-order mark alone and odd numbers") {
    using namespace std::string_literals;
    check_failure("a,target\n1,2\0\n"s, 2, 2, "2:2: expected a number in column 'target', found '2\\x00'");
    check_failure("\xEF\xBB\xBF", 1, 0, "1: expected a header row naming the columns, found an empty file");
    check_failure("a,target\n1,--2\n", 2, 2, "2:2: expected a number in column 'target', found '--2'");
    check_failure("a,target\n1,+-2\n", 2, 2, "2:2: expected a number in column 'target', found '+-2'");
    check_failure("a,target\n1,1e\n", 2, 2, "2:2: expected a number in column 'target', found '1e'");
    check_failure("a,target\n1,.\n", 2, 2, "2:2: expected a number in column 'target', found '.'");
    check_failure("a,target\n1,1e400x\n", 2, 2, "2:2: expected a number in column 'target', found '1e400x'");
    check_failure("a,target\n1,+\n", 2, 2, "2:2: expected a number in column 'target', found '+'");
}

TEST_CASE("read_csv: a delimiter that cannot separate fields is an invalid option") {
    const temp_csv f("delimiter", "a,target\n1,2\n");
    for (const char d : {'"', '\n', '\r'})
        CHECK_THROWS_AS(tg::data::read_csv(f.path(), {.delimiter = d}), std::invalid_argument);
    CHECK_THROWS_WITH(tg::data::read_csv(f.path(), {.delimiter = '\n'}),
                      "typegrad: read_csv: expected csv_options::delimiter to be a character other than '\"', "
                      "'\\n' and '\\r', found '\\n'");
    const auto tab = tg::data::read_csv(temp_csv("tab", "a\ttarget\n 1 \t 2 \n").path(), {.delimiter = '\t'});
    CHECK(vec(tab.features()) == std::vector<float>{1.f});
}
