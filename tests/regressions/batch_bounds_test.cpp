// Views past the end of a dataset, bad row indices and hand-filled datasets whose sizes disagree were
// heap-buffer-overflows (AddressSanitizer) in Trainer::backward, standardizer::fit and split. Each
// is now an exception naming what is wrong, made where the bad value is made.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::input<"x", 2>;
constexpr auto y = tg::target<"y">;
constexpr auto loss = tg::mse(tg::linear<"fc", 2, 1>(x), y);

tg::data::dataset three_rows() { return tg::data::dataset({"a", "b"}, "y", {1, 2, 3, 4, 5, 6}, {1, 2, 3}); }
}  // namespace

TEST_CASE("a view past the end of its dataset is an error, not a read past the buffer") {
    const auto d = three_rows();
    CHECK_THROWS_WITH((tg::data::batch_view<float>(d, 2, 5)),
                      "typegrad: batch_view: rows 2 to 7 (exclusive) are past the end of a dataset of 3 rows");
    CHECK_THROWS_AS((tg::data::batch_view<float>(d, 4, 0)), std::out_of_range);
    CHECK_NOTHROW(tg::data::batch_view<float>(d, 3, 0));
    CHECK_THROWS_AS((tg::data::batch_view<float>(d, std::numeric_limits<std::size_t>::max(), 2)), std::out_of_range);
}

TEST_CASE("a row index past the end of its dataset is an error naming it") {
    const auto d = three_rows();
    const std::vector<std::uint32_t> rows{0, 2, 3};
    CHECK_THROWS_WITH((tg::data::batch_view<float>(d, rows)),
                      "typegrad: batch_view: row index 3 (position 2 of the index) is past the end of a dataset of "
                      "3 rows");
}

TEST_CASE("a view that outlives a shrinking of its dataset is caught before the sweep reads it") {
    auto d = three_rows();
    const tg::data::batch_view<float> all(d, 0, 3);
    d = tg::data::dataset({"a", "b"}, "y", {1, 2}, {1});
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK_THROWS_WITH(trainer.backward(all),
                      Catch::Contains("typegrad: Trainer::backward: the batch reads rows up to 2 "
                                      "of a dataset that now has 1 rows"));
}

TEST_CASE("a dataset whose sizes disagree cannot be made") {
    CHECK_THROWS_WITH((tg::data::dataset({"a", "b"}, "y", {1, 2, 3}, {1, 2})),
                      "typegrad: dataset: expected 2 rows x 2 feature columns = 4 feature values, found 3");
    CHECK_THROWS_AS((tg::data::dataset({"a", "b"}, "y", {1, 2, 3, 4, 5, 6}, {1})), std::invalid_argument);
    CHECK_THROWS_AS((tg::data::dataset({"a", "b"}, {1, 2, 3})), std::invalid_argument);
    CHECK_THROWS_WITH((tg::data::dataset({"a", "b", "a"}, "y", {1, 2, 3}, {1})),
                      "typegrad: dataset: expected distinct feature names, found 'a' as columns 0 and 2 (0-based)");
    // So fit and split only ever see consistent tables.
    CHECK_NOTHROW(tg::data::standardizer<float>::fit(three_rows()));
    CHECK(tg::data::split(three_rows(), 0.5, 1).first.rows() == 1);
}
