// backward() and step() allocate nothing: every operator new of the process is counted.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include "models.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
    ++allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
    ++allocations;
    const std::size_t align = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(align, (n + align - 1) / align * align)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace tg = typegrad;
using namespace test_models;

TEMPLATE_TEST_CASE("zero_grad(), backward() and step() allocate nothing", "[trainer][allocation]", tg::SGD, tg::Adam) {
    const auto data = test_models::random_data<float>(100, 1);
    tg::Parameters params{mlp_mse};
    tg::init::torch_default(params, 1);
    tg::Trainer<decltype(mlp_mse), TestType> trainer{params, {}};
    auto epoch = tg::data::batches(data, 32, tg::data::shuffle{.seed = 3});
    trainer.step();  // optimiser state made on the first step, if a policy makes any, is not counted
    const long before = allocations.load();
    for (int i = 0; i < 3; ++i)
        for (auto batch : epoch) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
    const long during = allocations.load() - before;
    CHECK(during == 0);
    // The counter does count: making a trainer allocates its optimiser state.
    const long before_make = allocations.load();
    tg::Trainer<decltype(mlp_mse), TestType> another{params, {}};
    CHECK(allocations.load() > before_make);
}
