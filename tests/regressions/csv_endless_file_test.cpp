// read_csv once read a whole file into memory whatever its size: /dev/zero ended in
// std::bad_alloc. Now it reads in chunks up to csv_options::max_bytes (1 GiB by default, 0 for
// no limit) and a larger file, or a device that sends more, is a csv_error.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "data/temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::temp_csv;

TEST_CASE("regression: /dev/zero is a csv_error beyond max_bytes") {
    if (!std::filesystem::exists("/dev/zero"))
        return;
    const auto e = csv_failure("/dev/zero", {.max_bytes = 1 << 20});
    CHECK(e.line() == 0);
    CHECK(std::string(e.what()) ==
          "typegrad: read_csv: /dev/zero: expected a CSV file of at most 1048576 bytes (csv_options::max_bytes), "
          "found more (a device or pipe that had not ended after that many bytes)");
}

TEST_CASE("regression: a regular file beyond max_bytes is refused before it is read") {
    const std::string bytes = "a,target\n1,2\n";  // 13 bytes
    const temp_csv f("limit", bytes);
    const auto e = csv_failure(f.path(), {.max_bytes = 12});
    CHECK(std::string(e.what()) == "typegrad: read_csv: " + f.name() +
                                       ": expected a CSV file of at most 12 bytes (csv_options::max_bytes), found a "
                                       "file of 13 bytes");
    CHECK(tg::data::read_csv(f.path(), {.max_bytes = 13}).targets().size() == 1);
    CHECK(tg::data::read_csv(f.path(), {.max_bytes = 0}).targets().size() == 1);
    CHECK(tg::data::csv_options{}.max_bytes == std::size_t{1} << 30);
}

TEST_CASE("regression: an empty device is an empty file") {
    if (!std::filesystem::exists("/dev/null"))
        return;
    CHECK(std::string(csv_failure("/dev/null").what()) ==
          "typegrad: read_csv: /dev/null:1: expected a header row naming the columns, found an empty file");
}
