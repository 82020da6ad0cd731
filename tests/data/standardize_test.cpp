// basic_dataset::standardized and standardizer: population statistics, constant columns.
#include <typegrad/data/dataset.hpp>

#include <catch2/catch.hpp>

#include "vectors.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg = typegrad;
using typegrad_test::vec;

namespace {

// Columns: 1..4; a constant 5; a constant 0.1 (whose mean has a rounding residue); 1e6 + 1..4.
tg::data::dataset four_rows() {
    return tg::data::dataset({"ramp", "five", "tenth", "offset"}, "y",
                             {1.f, 5.f, 0.1f, 1e6f + 1.f,  //
                              2.f, 5.f, 0.1f, 1e6f + 2.f,  //
                              3.f, 5.f, 0.1f, 1e6f + 3.f,  //
                              4.f, 5.f, 0.1f, 1e6f + 4.f},
                             {10.f, 20.f, 30.f, 40.f});
}

double column_mean(const tg::data::dataset& d, std::size_t c) {
    double s = 0;
    for (std::size_t r = 0; r < d.rows(); ++r)
        s += d.row(r)[c];
    return s / static_cast<double>(d.rows());
}

double column_population_std(const tg::data::dataset& d, std::size_t c) {
    const double mu = column_mean(d, c);
    double s = 0;
    for (std::size_t r = 0; r < d.rows(); ++r)
        s += (d.row(r)[c] - mu) * (d.row(r)[c] - mu);
    return std::sqrt(s / static_cast<double>(d.rows()));
}

}  // namespace

TEST_CASE("standardized gives every varying column mean 0 and population std 1") {
    const auto d = four_rows();
    const auto s = d.standardized();
    REQUIRE(s.rows() == 4);
    REQUIRE(s.cols() == 4);
    for (std::size_t c : {0u, 3u}) {
        CHECK(column_mean(s, c) == Approx(0.0).margin(1e-6));
        CHECK(column_population_std(s, c) == Approx(1.0).epsilon(1e-6));
    }
    // (x - 2.5) / sqrt(1.25): population std (ddof = 0), not the sample std sqrt(5/3).
    const double sigma = std::sqrt(1.25);
    CHECK(s.row(0)[0] == Approx(-1.5 / sigma));
    CHECK(s.row(1)[0] == Approx(-0.5 / sigma));
    CHECK(s.row(3)[0] == Approx(1.5 / sigma));
    // The large offset is removed in double, so the float column standardises like the ramp.
    for (std::size_t r = 0; r < 4; ++r)
        CHECK(s.row(r)[3] == Approx(s.row(r)[0]).epsilon(1e-6));
}

TEST_CASE("standardized makes a constant column exactly 0 and leaves targets and names alone") {
    const auto d = four_rows();
    const auto s = d.standardized();
    for (std::size_t r = 0; r < 4; ++r) {
        CHECK(s.row(r)[1] == 0.f);
        CHECK(s.row(r)[2] == 0.f);
    }
    CHECK(vec(s.targets()) == vec(d.targets()));
    CHECK(s.feature_names() == d.feature_names());
    CHECK(s.target_name() == "y");
    CHECK(d.features()[0] == 1.f);  // the original is untouched
}

TEST_CASE("standardizer::fit records means and population standard deviations") {
    const auto st = tg::data::standardizer<float>::fit(four_rows());
    REQUIRE(st.mean.size() == 4);
    REQUIRE(st.std.size() == 4);
    CHECK(st.mean[0] == 2.5);
    CHECK(st.std[0] == Approx(std::sqrt(1.25)));
    CHECK(st.mean[1] == 5.0);
    CHECK(st.std[1] == 0.0);
    CHECK(st.mean[2] == static_cast<double>(0.1f));
    CHECK(st.std[2] == 0.0);
    CHECK(st.std[3] == Approx(std::sqrt(1.25)));
}

TEST_CASE("standardizer fitted on one set applies the same statistics to another") {
    const auto train = four_rows();
    const auto st = tg::data::standardizer<float>::fit(train);
    const tg::data::dataset test(train.feature_names(), "y", {2.5f, 7.f, 3.f, 1e6f + 0.5f}, {99.f});
    const auto t = st.apply(test);
    CHECK(t.row(0)[0] == 0.f);                                           // the training mean
    CHECK(t.row(0)[1] == 0.f);                                           // constant in training
    CHECK(t.row(0)[2] == 0.f);                                           // constant in training
    CHECK(t.row(0)[3] == Approx(-2.0 / std::sqrt(1.25)).epsilon(1e-6));  // not the test's own statistics
    CHECK(vec(t.targets()) == std::vector<float>{99.f});
    // standardized() is fit and apply on the same set.
    CHECK(vec(st.apply(train).features()) == vec(train.standardized().features()));
}

TEST_CASE("standardizer refuses an empty fit and a column count mismatch") {
    const tg::data::dataset empty({"a"}, "y", {}, {});
    CHECK_THROWS_WITH(tg::data::standardizer<float>::fit(empty),
                      "typegrad: standardizer::fit: expected a dataset with at least one row, found none");
    const auto st = tg::data::standardizer<float>::fit(four_rows());
    const tg::data::dataset narrow({"a", "b"}, "y", {1.f, 2.f}, {0.f});
    CHECK_THROWS_AS(st.apply(narrow), std::invalid_argument);
    CHECK_THROWS_WITH(st.apply(narrow),
                      "typegrad: standardizer::apply: expected a dataset with 4 feature "
                      "columns (as fitted), found 2");
}

TEST_CASE("standardized works in double precision too") {
    const tg::data::basic_dataset<double> d({"x"}, "y", {1.0, 3.0}, {0.0, 0.0});
    const auto s = d.standardized();
    CHECK(vec(s.features()) == std::vector<double>{-1.0, 1.0});
}
