// read_csv once required a target column, so rows to predict on could not be read. Now
// csv_options::target is optional: std::nullopt reads every column as a feature.
#include <typegrad/data/csv.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "data/temp_csv.hpp"
#include "data/vectors.hpp"

namespace tg = typegrad;
using typegrad_test::csv_failure;
using typegrad_test::temp_csv;
using typegrad_test::vec;

TEST_CASE("regression: read_csv without a target column reads every column as a feature") {
    const temp_csv f("no_target", "a,target,b\n1,2,3\n4,5,6\n");
    const auto d = tg::data::read_csv(f.path(), {.target = std::nullopt});
    CHECK(d.feature_names() == std::vector<std::string>{"a", "target", "b"});
    CHECK(d.target_name().empty());
    CHECK(d.targets().empty());
    CHECK(vec(d.features()) == std::vector<float>{1.f, 2.f, 3.f, 4.f, 5.f, 6.f});
    CHECK(d.rows() == 2);
    CHECK_FALSE(d.has_target());
    // The other checks still apply.
    CHECK(csv_failure(temp_csv("no_target_short", "a,b\n1\n").path(), {.target = std::nullopt}).line() == 2);
    CHECK(csv_failure(temp_csv("no_target_empty", "a,b\n").path(), {.target = std::nullopt}).line() == 2);
}

TEST_CASE("regression: csv_options::target still defaults to \"target\" and takes a name") {
    CHECK(tg::data::csv_options{}.target == "target");
    const tg::data::csv_options named{.target = "y", .delimiter = ';'};
    CHECK(named.target == std::optional<std::string>("y"));
    const auto d = tg::data::read_csv(temp_csv("named", "x;y\n1;2\n").path(), named);
    CHECK(d.target_name() == "y");
    CHECK(vec(d.targets()) == std::vector<float>{2.f});
}
