// batches(): batch sizes, drop_last, coverage, and the exact documented shuffle.
#include <typegrad/data/batches.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <ranges>
#include <utility>
#include <vector>

namespace tg = typegrad;

namespace {

// Row r has the single feature r and target 1000 + r, so a sample tells which row it is.
tg::data::dataset numbered(std::size_t n) {
    std::vector<float> features, targets;
    for (std::size_t r = 0; r < n; ++r) {
        features.push_back(static_cast<float>(r));
        targets.push_back(1000.f + static_cast<float>(r));
    }
    return tg::data::dataset({"r"}, "t", std::move(features), std::move(targets));
}

template <class Range>
std::vector<std::size_t> sizes_of(const Range& range) {
    std::vector<std::size_t> out;
    for (const auto batch : range)
        out.push_back(batch.size());
    return out;
}

template <class Range>
std::vector<std::size_t> rows_of(const Range& range) {
    std::vector<std::size_t> out;
    for (const auto batch : range)
        for (std::size_t i = 0; i < batch.size(); ++i)
            out.push_back(batch.row(i));
    return out;
}

// The documented rule, written again independently of the library: 32-bit Lemire draws
// from the upper half of each std::mt19937_64 output, Fisher-Yates from the end.
std::vector<std::uint32_t> reference_permutation(std::uint32_t n, std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    std::vector<std::uint32_t> p(n);
    for (std::uint32_t k = 0; k < n; ++k)
        p[k] = k;
    for (std::uint32_t i = n; i >= 2; --i) {
        const std::uint64_t s = i;  // draw j in [0, i - 1]
        const std::uint64_t reject_below = (std::uint64_t{1} << 32) % s;
        std::uint64_t m;
        do {
            m = (engine() >> 32) * s;
        } while ((m & 0xFFFFFFFFu) < reject_below);
        std::swap(p[i - 1], p[static_cast<std::size_t>(m >> 32)]);
    }
    return p;
}

template <class D>
concept can_batch = requires(D&& d) {
    tg::data::batches(std::forward<D>(d), 3, tg::data::no_shuffle{});
};

}  // namespace

TEST_CASE("batches keep the last short batch unless drop_last") {
    const auto d = numbered(10);
    CHECK(sizes_of(tg::data::batches(d, 3, tg::data::no_shuffle{})) == std::vector<std::size_t>{3, 3, 3, 1});
    CHECK(sizes_of(tg::data::batches(d, 3, tg::data::no_shuffle{}, true)) == std::vector<std::size_t>{3, 3, 3});
    CHECK(sizes_of(tg::data::batches(d, 3, tg::data::shuffle{.seed = 1})) == std::vector<std::size_t>{3, 3, 3, 1});
    CHECK(sizes_of(tg::data::batches(d, 3, tg::data::shuffle{.seed = 1}, true)) == std::vector<std::size_t>{3, 3, 3});
    CHECK(sizes_of(tg::data::batches(d, 5, tg::data::no_shuffle{}, true)) == std::vector<std::size_t>{5, 5});
    CHECK(sizes_of(tg::data::batches(d, 32, tg::data::no_shuffle{})) == std::vector<std::size_t>{10});
    CHECK(tg::data::batches(d, 32, tg::data::no_shuffle{}, true).empty());
    CHECK(tg::data::batches(d, 3, tg::data::no_shuffle{}).size() == 4);
    const auto empty = numbered(0);
    CHECK(tg::data::batches(empty, 3, tg::data::shuffle{}).empty());
}

TEST_CASE("batches refuse a batch size of 0") {
    const auto d = numbered(4);
    CHECK_THROWS_WITH(tg::data::batches(d, 0, tg::data::no_shuffle{}),
                      "typegrad: batches: expected a batch size of at least 1, found 0");
    CHECK_THROWS_AS(tg::data::batches(d, 0, tg::data::shuffle{}), std::invalid_argument);
}

TEST_CASE("batches without shuffle visit the rows in order as contiguous views") {
    const auto d = numbered(7);
    const auto range = tg::data::batches(d, 3, tg::data::no_shuffle{});
    std::vector<std::size_t> expected(7);
    std::iota(expected.begin(), expected.end(), std::size_t{0});
    CHECK(rows_of(range) == expected);
    CHECK(range.order().empty());
    const auto last = range[2];
    CHECK(last.index() == nullptr);
    CHECK(last.first() == 6);
    CHECK(&last.dataset() == &d);
}

TEST_CASE("a shuffled epoch visits every row exactly once") {
    const auto d = numbered(103);
    for (std::uint64_t seed : {0u, 1u, 42u, 12345u}) {
        for (const bool drop_last : {false, true}) {
            auto rows = rows_of(tg::data::batches(d, 10, tg::data::shuffle{seed}, drop_last));
            CHECK(rows.size() == (drop_last ? 100u : 103u));
            std::sort(rows.begin(), rows.end());
            CHECK(std::adjacent_find(rows.begin(), rows.end()) == rows.end());  // no row twice
            if (!drop_last)
                CHECK(rows.back() == 102);
        }
    }
}

TEST_CASE("a batch's samples are the dataset's rows") {
    const auto d = numbered(20);
    for (const auto batch : tg::data::batches(d, 6, tg::data::shuffle{.seed = 3})) {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const std::size_t r = batch.row(i);
            REQUIRE(batch.features(i) == d.row(r));
            REQUIRE(batch.features(i)[0] == static_cast<float>(r));
            REQUIRE(batch.target(i) == 1000.f + static_cast<float>(r));
        }
    }
}

TEST_CASE("the shuffle is determined by the seed and differs across seeds") {
    const auto d = numbered(50);
    const auto a = rows_of(tg::data::batches(d, 8, tg::data::shuffle{.seed = 7}));
    const auto b = rows_of(tg::data::batches(d, 8, tg::data::shuffle{.seed = 7}));
    const auto c = rows_of(tg::data::batches(d, 8, tg::data::shuffle{.seed = 8}));
    CHECK(a == b);
    CHECK(a != c);
    CHECK(rows_of(tg::data::batches(d, 8, tg::data::shuffle{.seed = 7})) ==
          rows_of(tg::data::batches(d, 5, tg::data::shuffle{.seed = 7})));  // the batch size does not matter
}

TEST_CASE("the shuffle of 10 rows with seed 42 is the documented one") {
    // The engine is the standard one: its 10000th output for the default seed is fixed by [rand.predef].
    std::mt19937_64 engine;
    engine.discard(9999);
    REQUIRE(engine() == 9981545732273789042u);
    // Computed outside C++, with a separate implementation of MT19937-64 and of the rule.
    const std::vector<std::uint32_t> seed42 = {3, 4, 1, 2, 9, 8, 0, 6, 5, 7};
    const std::vector<std::uint32_t> seed0 = {6, 5, 9, 2, 7, 3, 4, 0, 8, 1};
    const std::vector<std::uint32_t> seed2024 = {7, 14, 2, 12, 8, 6, 13, 10, 5, 15, 1, 0, 4, 3, 11, 9};
    CHECK(tg::data::permutation(10, 42) == seed42);
    CHECK(tg::data::permutation(10, 0) == seed0);
    CHECK(tg::data::permutation(16, 2024) == seed2024);
    const auto d = numbered(10);
    const auto range = tg::data::batches(d, 4, tg::data::shuffle{.seed = 42});
    CHECK(std::vector<std::uint32_t>(range.order().begin(), range.order().end()) == seed42);
    CHECK(rows_of(range) == std::vector<std::size_t>(seed42.begin(), seed42.end()));
}

TEST_CASE("the shuffle matches an independent implementation of the rule for many sizes and seeds") {
    for (std::uint32_t n : {0u, 1u, 2u, 3u, 17u, 64u, 1000u}) {
        for (std::uint64_t seed : {0ull, 1ull, 99ull, 0xFFFFFFFFFFFFFFFFull}) {
            INFO("n = " << n << ", seed = " << seed);
            CHECK(tg::data::permutation(n, seed) == reference_permutation(n, seed));
        }
    }
    std::vector<std::uint32_t> rows = {10, 20, 30, 40, 50};
    tg::data::shuffle_rows(rows, 5);
    const auto p = tg::data::permutation(5, 5);
    for (std::size_t k = 0; k < 5; ++k)
        CHECK(rows[k] == 10 * (p[k] + 1));
}

TEST_CASE("the draw below a large bound rejects exactly as documented") {
    // Bounds this large are rejected often (1/4 of draws for 3 * 2^30), which small shuffles never show.
    for (const std::uint32_t bound : {3u << 30, 0xFFFFFFFFu, 0x80000001u, 1u, 7u}) {
        tg::detail::mt19937_64 lib_engine(2024);  // the library's engine, against the standard's
        std::mt19937_64 ref_engine(2024);
        std::size_t rejections = 0;
        for (int k = 0; k < 2000; ++k) {
            const std::uint64_t reject_below = (std::uint64_t{1} << 32) % bound;
            std::uint64_t m = (ref_engine() >> 32) * bound;
            while ((m & 0xFFFFFFFFu) < reject_below) {
                ++rejections;
                m = (ref_engine() >> 32) * bound;
            }
            REQUIRE(tg::data::detail::uniform_below(lib_engine, bound) == (m >> 32));
        }
        if (bound == (3u << 30))
            CHECK(rejections > 300);
        CHECK(lib_engine() == ref_engine());  // both consumed the same number of outputs
    }
}

TEST_CASE("the batch range is a sized forward range of batch views of lvalue datasets only") {
    using range = tg::data::batch_range<float>;
    STATIC_REQUIRE(std::ranges::forward_range<range>);
    STATIC_REQUIRE(std::ranges::sized_range<range>);
    STATIC_REQUIRE(std::is_same_v<std::ranges::range_value_t<range>, tg::data::batch_view<float>>);
    STATIC_REQUIRE(can_batch<const tg::data::dataset&>);
    STATIC_REQUIRE(!can_batch<tg::data::dataset>);
    STATIC_REQUIRE(!std::is_constructible_v<tg::data::batch_view<float>, tg::data::dataset>);
    const auto d = numbered(9);
    const auto r = tg::data::batches(d, 4, tg::data::no_shuffle{});
    CHECK(std::ranges::distance(r) == 3);
}

TEST_CASE("batch_view over all rows and over a list of rows") {
    const auto d = numbered(5);
    const auto all = d.all();
    CHECK(all.size() == 5);
    CHECK(all.row(4) == 4);
    const std::vector<std::uint32_t> some = {4, 0, 2};
    const tg::data::batch_view<float> view(d, some);
    REQUIRE(view.size() == 3);
    CHECK(view.row(0) == 4);
    CHECK(view.target(2) == 1002.f);
}

TEST_CASE("the shuffle's engine draws what std::mt19937_64 draws", "[data][batches]") {
    for (const std::uint64_t seed :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{42}, std::uint64_t{5489}, ~std::uint64_t{0}}) {
        std::mt19937_64 reference(seed);
        tg::detail::mt19937_64 engine(seed);
        bool same = true;
        for (int k = 0; k < 2000; ++k)  // several twists of the 312-word state
            same = same && engine() == reference();
        CHECK(same);
    }
    // The default seed, and the 10000th output the standard names ([rand.predef]).
    tg::detail::mt19937_64 engine;
    for (int k = 1; k < 10000; ++k)
        engine();
    CHECK(engine() == 9981545732273789042ULL);
}
