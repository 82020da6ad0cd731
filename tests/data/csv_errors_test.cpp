// read_csv on faulty files: each csv_error names the file, the line, the field and the text.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>

#include "temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::data_file;
using typegrad_test::temp_csv;

namespace {

tg::data::csv_error failure(const std::filesystem::path& file, const tg::data::csv_options& options = {}) {
    try {
        (void)tg::data::read_csv(file, options);
    } catch (const tg::data::csv_error& e) {
        return e;
    }
    throw std::logic_error("read_csv accepted " + file.string());
}

// Reads `bytes` from a fresh file and checks the error's line, column and full message
// (`message` is what() without the "typegrad: read_csv: <file>:" prefix).
void check_failure(std::string_view bytes, std::size_t line, std::size_t column, const std::string& message,
                   const tg::data::csv_options& options = {}) {
    const temp_csv f("bad", bytes);
    const tg::data::csv_error e = failure(f.path(), options);
    CHECK(e.file() == f.path());
    CHECK(e.line() == line);
    CHECK(e.column() == column);
    CHECK(std::string(e.what()) == "typegrad: read_csv: " + f.name() + ":" + message);
}

}  // namespace

TEST_CASE("csv_error: a missing file is named with no line or column") {
    const auto missing = data_file("no_such_file.csv");
    const auto e = failure(missing);
    CHECK(e.file() == missing);
    CHECK(e.line() == 0);
    CHECK(e.column() == 0);
    CHECK(std::string(e.what()) ==
          "typegrad: read_csv: " + missing.string() + ": expected a CSV file, found nothing at this path");
}

TEST_CASE("csv_error: a directory is not a CSV file") {
    const auto dir = std::filesystem::path(TYPEGRAD_TEST_DATA_DIR);
    const auto e = failure(dir);
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()) == "typegrad: read_csv: " + dir.string() + ": expected a CSV file, found a directory");
}

TEST_CASE("csv_error: an empty file or one of empty lines has no header") {
    check_failure("", 1, 0, "1: expected a header row naming the columns, found an empty file");
    check_failure("\n\r\n  \n", 1, 0, "1: expected a header row naming the columns, found an empty file");
    check_failure("\na,target\n1,2\n", 1, 0, "1: expected a header row naming the columns, found an empty line");
}

TEST_CASE("csv_error: a missing target column lists the columns found") {
    check_failure("a,b,target\n1,2,3\n", 1, 0,
                  "1: expected a column named 'y' (csv_options::target), found the columns 'a', 'b', 'target'",
                  {.target = "y"});
    // Names are compared exactly: case matters.
    check_failure("x,Target\n1,2\n", 1, 0,
                  "1: expected a column named 'target' (csv_options::target), found the columns 'x', 'Target'; "
                  "did you mean 'Target'?");
}

TEST_CASE("csv_error: a target column named twice is ambiguous") {
    check_failure("target,a,target\n1,2,3\n", 1, 3,
                  "1:3: expected one column named 'target', found a second one (fields 1 and 3)");
}

TEST_CASE("csv_error: a header without data rows") {
    check_failure("a,target\n", 2, 0, "2: expected at least one data row after the header, found none");
    check_failure("a,target\r\n\r\n\r\n", 2, 0, "2: expected at least one data row after the header, found none");
}

TEST_CASE("csv_error: a short row says how many fields were expected and found") {
    check_failure("a,b,target\n1,2,3\n4,5\n6,7,8\n", 3, 0, "3: expected 3 fields as in the header, found 2 in '4,5'");
    // CRLF: the line number counts CRLF lines, and the excerpt has no carriage return.
    check_failure("a,b,target\r\n1,2,3\r\n4,5,6\r\n7\r\n", 4, 0,
                  "4: expected 3 fields as in the header, found 1 in '7'");
}

TEST_CASE("csv_error: a long row points at its first extra field") {
    check_failure("a,b,target\n1,2,3\n4,5,6,77\n", 3, 4,
                  "3:4: expected 3 fields as in the header, found 4; the first extra field is '77'");
    // A trailing delimiter opens an empty extra field.
    check_failure("a,target\n1,2,\n", 2, 3,
                  "2:3: expected 2 fields as in the header, found 3; the first extra field is ''");
}

TEST_CASE("csv_error: a field that is not a number names its column and text") {
    check_failure("age,bmi,target\n1,2,3\n4,abc,6\n", 3, 2, "3:2: expected a number in column 'bmi', found 'abc'");
    check_failure("age,bmi,target\n1,2.5x,3\n", 2, 2, "2:2: expected a number in column 'bmi', found '2.5x'");
    check_failure("age,bmi,target\n1,2,3 4\n", 2, 3, "2:3: expected a number in column 'target', found '3 4'");
    check_failure("age,bmi,target\n1,,3\n", 2, 2, "2:2: expected a number in column 'bmi', found '' (an empty field)");
    check_failure("age,bmi,target\n0x10,2,3\n", 2, 1, "2:1: expected a number in column 'age', found '0x10'");
    check_failure("age,bmi,target\n++1,2,3\n", 2, 1, "2:1: expected a number in column 'age', found '++1'");
    check_failure("age,bmi,target\n1,2,\"\"\n", 2, 3,
                  "2:3: expected a number in column 'target', found '' (an empty field)");
}

TEST_CASE("csv_error: NaN and infinities are refused unless allow_nonfinite") {
    check_failure("a,target\nnan,1\n", 2, 1,
                  "2:1: expected a finite number in column 'a', found 'nan' "
                  "(set csv_options::allow_nonfinite to accept NaN and infinity)");
    check_failure("a,target\n1,2\n3,-inf\n", 3, 2,
                  "3:2: expected a finite number in column 'target', found '-inf' "
                  "(set csv_options::allow_nonfinite to accept NaN and infinity)");
}

TEST_CASE("csv_error: numbers beyond the range of T or of double") {
    check_failure("a,target\n1e39,1\n", 2, 1,
                  "2:1: expected a number within the range of float in column 'a', found '1e39'");
    check_failure("a,target\n1,-1e400\n", 2, 2,
                  "2:2: expected a number within the range of double in column 'target', found '-1e400'");
    // The midpoint between FLT_MAX and 2^128 rounds to infinity; the double just below it to FLT_MAX.
    check_failure(
        "a,target\n1,3.4028235677973366e+38\n", 2, 2,
        "2:2: expected a number within the range of float in column 'target', found '3.4028235677973366e+38'");
    const temp_csv below("below_limit", "a,target\n1,-3.4028235677973362e+38\n");
    CHECK(tg::data::read_csv(below.path()).targets()[0] == -std::numeric_limits<float>::max());
    const temp_csv f("double_ok", "a,target\n1e39,1\n");
    CHECK(tg::data::read_csv<double>(f.path()).features()[0] == 1e39);
}

TEST_CASE("csv_error: an empty line between data rows") {
    check_failure("a,target\n1,2\n\n3,4\n", 3, 0,
                  "3: expected a data row, found an empty line (empty lines are allowed only at the end)");
}

TEST_CASE("csv_error: broken quotes") {
    check_failure("a,target\n\"1,2\n", 2, 1,
                  "2:1: expected a closing quote '\"' before the end of the line, found '\"1,2'");
    check_failure("\"a\"x,target\n1,2\n", 1, 1,
                  "1:1: expected the delimiter ',' after a closing quote, found 'x,target'");
}

TEST_CASE("csv_error: long offending text is cut in the message") {
    const std::string junk(100, 'z');
    check_failure("a,target\n1," + junk + "\n", 2, 2,
                  "2:2: expected a number in column 'target', found '" + std::string(60, 'z') + "...'");
}

TEST_CASE("csv_error is a std::runtime_error and copies cheaply") {
    const temp_csv f("copy", "");
    try {
        (void)tg::data::read_csv(f.path());
        FAIL("read_csv accepted an empty file");
    } catch (const std::runtime_error& e) {
        const auto* csv = dynamic_cast<const tg::data::csv_error*>(&e);
        REQUIRE(csv != nullptr);
        const tg::data::csv_error copy = *csv;
        CHECK(copy.file() == f.path());
        CHECK(std::string(copy.what()) == std::string(e.what()));
    }
}
