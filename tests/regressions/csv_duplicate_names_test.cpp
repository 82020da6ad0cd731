// read_csv once accepted two feature columns of the same name, so that a feature could not be
// found by its name. Now any name used twice is an error naming both fields.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "data/temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::temp_csv;

TEST_CASE("regression: a feature column named twice is an error naming both fields") {
    const temp_csv f("twice", "a,b,target,a\n1,2,3,4\n");
    for (const auto& target : {std::optional<std::string>("target"), std::optional<std::string>()}) {
        const auto e = csv_failure(f.path(), {.target = target});
        CHECK(e.line() == 1);
        CHECK(e.column() == 4);
        CHECK(std::string(e.what()) == "typegrad: read_csv: " + f.name() +
                                           ":1:4: expected one column named 'a', found a second one (fields 1 and 4)");
    }
    // Names are compared exactly, after the quotes and the spaces around them are removed.
    CHECK(tg::data::read_csv(temp_csv("case", "a,A,target\n1,2,3\n").path()).cols() == 2);
    CHECK(csv_failure(temp_csv("quoted", " a ,\"a\",target\n1,2,3\n").path()).column() == 2);
}
