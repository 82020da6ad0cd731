// split(): part sizes, disjoint parts covering the data, determinism by seed.
#include <typegrad/data/split.hpp>

#include <catch2/catch.hpp>

#include "vectors.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace tg = typegrad;
using typegrad_test::vec;

namespace {

// Row r: features (r, -r), target r, so every row of a part tells where it came from.
tg::data::dataset numbered(std::size_t n) {
    std::vector<float> features, targets;
    for (std::size_t r = 0; r < n; ++r) {
        features.push_back(static_cast<float>(r));
        features.push_back(-static_cast<float>(r));
        targets.push_back(static_cast<float>(r));
    }
    return tg::data::dataset({"r", "minus_r"}, "t", std::move(features), std::move(targets));
}

std::vector<float> sorted(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

TEST_CASE("split gives floor(fraction x rows) rows to the first part and the rest to the second") {
    const auto d = numbered(10);
    const auto [train, test] = tg::data::split(d, 0.8, 42);
    CHECK(train.rows() == 8);
    CHECK(test.rows() == 2);
    CHECK(tg::data::split(d, 0.75, 1).first.rows() == 7);  // 7.5 rounds down
    CHECK(tg::data::split(d, 0.01, 1).first.rows() == 1);  // at least one row in each part
    CHECK(tg::data::split(d, 0.99, 1).first.rows() == 9);
    CHECK(tg::data::split_count(100, 0.29) == 29);  // 0.29 * 100 is 28.999999999999996 in double
    CHECK(tg::data::split_count(100, 0.57) == 57);
    CHECK(tg::data::split_count(3, 0.5) == 1);
    CHECK(tg::data::split_count(2, 0.5) == 1);
}

TEST_CASE("split parts are disjoint and cover every row and keep features with their target") {
    const auto d = numbered(37);
    const auto [a, b] = tg::data::split(d, 0.6, 7);
    CHECK(a.rows() + b.rows() == 37);
    std::vector<float> all = vec(a.targets());
    all.insert(all.end(), b.targets().begin(), b.targets().end());
    CHECK(sorted(all) == sorted(vec(d.targets())));
    for (const auto* part : {&a, &b}) {
        CHECK(part->feature_names() == d.feature_names());
        CHECK(part->target_name() == "t");
        REQUIRE(part->features().size() == part->rows() * 2);
        for (std::size_t r = 0; r < part->rows(); ++r) {
            CHECK(part->row(r)[0] == part->target(r));
            CHECK(part->row(r)[1] == -part->target(r));
        }
    }
}

TEST_CASE("split follows the documented permutation and is determined by its seed") {
    const auto d = numbered(10);
    const auto [a, b] = tg::data::split(d, 0.7, 42);
    // permutation(10, 42) = 3 4 1 2 9 8 0 | 6 5 7 (see batches_test.cpp)
    CHECK(vec(a.targets()) == std::vector<float>{3, 4, 1, 2, 9, 8, 0});
    CHECK(vec(b.targets()) == std::vector<float>{6, 5, 7});
    const auto again = tg::data::split(d, 0.7, 42);
    CHECK(vec(again.first.features()) == vec(a.features()));
    CHECK(vec(again.second.targets()) == vec(b.targets()));
    const auto other = tg::data::split(d, 0.7, 43);
    CHECK(vec(other.first.targets()) != vec(a.targets()));
}

TEST_CASE("split refuses a fraction outside (0 1) and a dataset too small to divide") {
    const auto d = numbered(10);
    for (double f : {0.0, 1.0, -0.5, 1.5})
        CHECK_THROWS_AS(tg::data::split(d, f, 0), std::invalid_argument);
    CHECK_THROWS_WITH(tg::data::split(d, 1.5, 0),
                      "typegrad: split: expected a fraction strictly between 0 and 1, found 1.5");
    CHECK_THROWS_WITH(tg::data::split(d, std::numeric_limits<double>::quiet_NaN(), 0),
                      "typegrad: split: expected a fraction strictly between 0 and 1, found nan");
    CHECK_THROWS_WITH(tg::data::split(numbered(1), 0.5, 0),
                      "typegrad: split: expected a dataset of at least 2 rows, found 1");
}
