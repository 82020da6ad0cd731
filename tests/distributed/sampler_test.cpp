#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <typegrad/data/batches.hpp>
#include <typegrad/distributed/sampler.hpp>

namespace td = typegrad::distributed;

TEST_CASE("distributed_sampler pads with the first indices and deals positions r, r + W, ...") {
    // 10 rows over 4 ranks: total 12, the order padded with its first two entries.
    const std::vector<std::uint32_t> order{9, 3, 0, 7, 1, 8, 2, 6, 4, 5};
    const std::vector<std::vector<std::uint32_t>> want{{9, 1, 4}, {3, 8, 5}, {0, 2, 9}, {7, 6, 3}};
    for (std::size_t r = 0; r < 4; ++r) {
        td::distributed_sampler s(10, {.world_size = 4, .rank = r});
        CHECK(s.total_size() == 12);
        CHECK(s.num_samples() == 3);
        CHECK(s.indices_of(order) == want[r]);
    }
}

TEST_CASE("distributed_sampler with drop_last cuts the tail") {
    const std::vector<std::uint32_t> order{9, 3, 0, 7, 1, 8, 2, 6, 4, 5};
    td::distributed_sampler s(10, {.world_size = 4, .rank = 1, .drop_last = true});
    CHECK(s.total_size() == 8);
    CHECK(s.indices_of(order) == std::vector<std::uint32_t>{3, 8});
}

TEST_CASE("distributed_sampler repeats the order as often as padding needs") {
    // 2 rows over 5 ranks: total 5, the order 0 1 repeated (torch: indices * ceil(3 / 2)).
    for (std::size_t r = 0; r < 5; ++r) {
        td::distributed_sampler s(2, {.world_size = 5, .rank = r, .shuffle = false});
        CHECK(s.indices(0) == std::vector<std::uint32_t>{std::uint32_t(r % 2)});
    }
}

TEST_CASE("distributed_sampler's shuffled epoch e is typegrad's permutation with seed + e; ranks share it out") {
    const std::size_t n = 103, w = 3;
    for (std::uint64_t epoch : {0u, 1u, 5u}) {
        const auto perm = typegrad::data::permutation(n, 42 + epoch);
        std::vector<std::uint32_t> seen;
        for (std::size_t r = 0; r < w; ++r) {
            td::distributed_sampler s(n, {.world_size = w, .rank = r, .seed = 42});
            const auto mine = s.indices(epoch);
            REQUIRE(mine.size() == 35);
            for (std::size_t k = 0; k < mine.size(); ++k)
                CHECK(mine[k] == perm[(r + k * w) % n]);
            seen.insert(seen.end(), mine.begin(), mine.end());
        }
        std::sort(seen.begin(), seen.end());
        seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
        CHECK(seen.size() == n);  // every row visited by some rank
    }
    td::distributed_sampler s(n, {.world_size = w, .rank = 0, .seed = 42});
    CHECK(s.indices(0) != s.indices(1));
}

TEST_CASE("distributed_sampler rejects a rank outside the world and an order of the wrong length") {
    CHECK_THROWS_WITH(td::distributed_sampler(10, {.world_size = 2, .rank = 2}),
                      Catch::StartsWith("typegrad: distributed_sampler: expected a rank below the world size"));
    CHECK_THROWS_AS(td::distributed_sampler(10, {.world_size = 0}), std::invalid_argument);
    td::distributed_sampler s(10, {.world_size = 2});
    CHECK_THROWS_AS(s.indices_of(std::vector<std::uint32_t>(9)), std::invalid_argument);
}

// torch.utils.data.DistributedSampler's own lists (torch 1.13, recorded by
// tests/distributed/record_sampler.py into sampler_torch.json): given torch's permutation
// (recorded too), indices_of gives exactly torch's list for every rank, epoch, drop_last.
TEST_CASE("distributed_sampler matches torch's DistributedSampler given torch's permutation") {
    std::ifstream in(TYPEGRAD_DISTRIBUTED_DIR "/sampler_torch.json");
    REQUIRE(in);
    const auto cases = nlohmann::json::parse(in);
    REQUIRE(cases.size() >= 10);
    for (const auto& c : cases) {
        const auto order = c["order"].get<std::vector<std::uint32_t>>();
        td::distributed_sampler s(c["rows"].get<std::size_t>(), {.world_size = c["world_size"].get<std::size_t>(),
                                                                 .rank = c["rank"].get<std::size_t>(),
                                                                 .shuffle = c["shuffle"].get<bool>(),
                                                                 .drop_last = c["drop_last"].get<bool>()});
        INFO(c.dump());
        CHECK(s.indices_of(order) == c["indices"].get<std::vector<std::uint32_t>>());
        CHECK(s.num_samples() == c["indices"].size());
        if (!c["shuffle"].get<bool>())
            CHECK(s.indices(0) == c["indices"].get<std::vector<std::uint32_t>>());
    }
}
