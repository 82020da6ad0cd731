// Iterating batches allocates nothing: every allocation of this program is counted.
#include <typegrad/data/batches.hpp>

#include <catch2/catch.hpp>

#include <cstddef>

#include "counting_new.hpp"

namespace tg = typegrad;

TEST_CASE("iterating the batches of an epoch does not allocate") {
    std::vector<float> features, targets;
    for (int r = 0; r < 100; ++r) {
        features.push_back(static_cast<float>(r));
        features.push_back(static_cast<float>(-r));
        targets.push_back(static_cast<float>(r % 3));
    }
    const tg::data::dataset d({"a", "b"}, "y", std::move(features), std::move(targets));
    const auto range = tg::data::batches(d, 7, tg::data::shuffle{.seed = 1});
    const long before = typegrad_test::allocations();
    double sum = 0;
    std::size_t seen = 0;
    for (const auto batch : range) {
        for (std::size_t i = 0; i < batch.size(); ++i)
            sum += static_cast<double>(batch.features(i)[0] + batch.target(i));
        seen += batch.size();
    }
    const long during = typegrad_test::allocations() - before;
    CHECK(during == 0);
    CHECK(seen == 100);
    CHECK(sum == 4950.0 + 99.0);  // 0 + 1 + ... + 99, and the targets 33*(0+1+2)
}
