// read_csv's messages once carried raw bytes of the file: a carriage return, a NUL, escape
// sequences and partial UTF-8. Now quoted text escapes them (\r, \n, \t, \\, \xNN for other
// control bytes and every byte from 0x80), so a message is always printable ASCII.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <string>

#include "data/temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::printable_ascii;
using typegrad_test::temp_csv;

namespace {
std::string what_of(std::string_view bytes, const tg::data::csv_options& options = {}) {
    return csv_failure(temp_csv("bytes", bytes).path(), options).what();
}
}  // namespace

TEST_CASE("regression: control and non-ASCII bytes of a field are escaped in the message") {
    using namespace std::string_literals;
    const std::string nul = what_of("a,target\n1,\0\n"s);
    CHECK(printable_ascii(nul));
    CHECK(nul.ends_with(":2:2: expected a number in column 'target', found '\\x00'"));
    const std::string high = what_of("a,target\n1,\xC3\xA9\x1B[2J\x7F\\\t\n");
    CHECK(printable_ascii(high));
    CHECK(high.ends_with(":2:2: expected a number in column 'target', found '\\xc3\\xa9\\x1b[2J\\x7f\\\\'"));
    const std::string name = what_of(
        "gr\xC3\xB6\xC3\x9F"
        "e,target\nx,1\n");
    CHECK(name.ends_with(":2:1: expected a number in column 'gr\\xc3\\xb6\\xc3\\x9fe', found 'x'"));
}

TEST_CASE("regression: a carriage return inside a line is an error with an escaped excerpt") {
    const std::string cr = what_of("a,target\r1,2\r\n3,4\n");
    CHECK(printable_ascii(cr));
    CHECK(cr.ends_with(
        ":1:2: expected LF or CRLF line ends, found a carriage return not followed by a line feed in 'target\\r1,2'"));
    const std::string quoted = what_of("a,target\n\"1\r\",2\n");
    CHECK(quoted.ends_with(
        ":2:1: expected LF or CRLF line ends, found a carriage return not followed by a line feed in '\"1\\r\",2'"));
}

TEST_CASE("regression: every byte value in a header or a field gives a printable message") {
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        const std::string header = std::string("a") + c + "b,target\n1,2\n";
        const std::string row = std::string("a,target\n1,") + c + "\n";
        const std::string missing = std::string("a") + c + "\n1\n";
        for (const std::string* bytes : {&header, &row, &missing}) {
            try {
                (void)tg::data::read_csv(temp_csv("byte", *bytes).path());
            } catch (const tg::data::csv_error& e) {
                INFO("byte " << b);
                CHECK(printable_ascii(e.what()));
            }
        }
    }
    // A file name with such bytes is escaped too; file() keeps it as it is.
    const tg::data::csv_error e("dir\r/\xFF.csv", 3, 0, "expected x, found \x01");
    CHECK(std::string(e.what()) == "typegrad: read_csv: dir\\r/\\xff.csv:3: expected x, found \\x01");
    CHECK(e.file() == "dir\r/\xFF.csv");
}
