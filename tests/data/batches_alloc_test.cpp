// Iterating batches allocates nothing: every allocation of this program is counted.
#include <typegrad/data/batches.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {
std::size_t allocations = 0;
}

void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace tg = typegrad;

TEST_CASE("iterating the batches of an epoch does not allocate") {
    tg::data::dataset d;
    d.feature_names = {"a", "b"};
    for (int r = 0; r < 100; ++r) {
        d.features.push_back(static_cast<float>(r));
        d.features.push_back(static_cast<float>(-r));
        d.targets.push_back(static_cast<float>(r % 3));
    }
    const auto range = tg::data::batches(d, 7, tg::data::shuffle{.seed = 1});
    const std::size_t before = allocations;
    double sum = 0;
    std::size_t seen = 0;
    for (const auto batch : range) {
        for (std::size_t i = 0; i < batch.size(); ++i) sum += static_cast<double>(batch.features(i)[0] + batch.target(i));
        seen += batch.size();
    }
    const std::size_t during = allocations - before;
    CHECK(during == 0);
    CHECK(seen == 100);
    CHECK(sum == 4950.0 + 99.0);  // 0 + 1 + ... + 99, and the targets 33*(0+1+2)
}
