// check_class_targets, and the umbrella header.
#include <typegrad/data.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <stdexcept>

#include "temp_csv.hpp"

namespace tg = typegrad;
using typegrad_test::temp_csv;

namespace {
tg::data::dataset with_targets(std::vector<float> targets) {
    return tg::data::dataset({}, "label", {}, std::move(targets));
}
}  // namespace

TEST_CASE("check_class_targets accepts integer targets from 0 to num_classes - 1") {
    CHECK_NOTHROW(tg::data::check_class_targets(with_targets({0.f, 2.f, 1.f, 2.f}), 3));
    CHECK_NOTHROW(tg::data::check_class_targets(with_targets({0.f}), 1));
    CHECK_NOTHROW(tg::data::check_class_targets(with_targets({}), 5));
}

TEST_CASE("check_class_targets names the data row and its CSV line and the value") {
    const temp_csv f("classes", "x,label\n0.5,0\n0.1,2\n0.7,2.5\n0.2,1\n");
    const auto d = tg::data::read_csv(f.path(), {.target = "label"});
    CHECK_THROWS_AS(tg::data::check_class_targets(d, 3), std::invalid_argument);
    CHECK_THROWS_WITH(tg::data::check_class_targets(d, 3),
                      "typegrad: check_class_targets: data row 2 (line 4 of its CSV file, if read by read_csv and "
                      "not reordered since) has target 'label' = 2.5, expected an integer class index in [0, 3)");
}

TEST_CASE("check_class_targets refuses negative and too large and non-finite targets") {
    using Catch::Matchers::Contains;
    CHECK_THROWS_WITH(tg::data::check_class_targets(with_targets({1.f, -1.f}), 3),
                      Contains("data row 1 (line 3") && Contains("= -1, expected an integer class index in [0, 3)"));
    CHECK_THROWS_WITH(tg::data::check_class_targets(with_targets({3.f}), 3),
                      Contains("data row 0 (line 2") && Contains("= 3, expected"));
    CHECK_THROWS_WITH(
        tg::data::check_class_targets(with_targets({0.f, 1.f, std::numeric_limits<float>::quiet_NaN()}), 3),
        Contains("data row 2") && Contains("= nan, expected"));
    CHECK_THROWS_WITH(tg::data::check_class_targets(with_targets({std::numeric_limits<float>::infinity()}), 3),
                      Contains("= inf, expected"));
    CHECK_THROWS_WITH(tg::data::check_class_targets(with_targets({0.f}), 0),
                      "typegrad: check_class_targets: expected at least one class, found num_classes = 0");
}
