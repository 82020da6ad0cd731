#pragma once
// Replaces the global operator new/delete of the test executable that includes this header (one
// translation unit per executable) with versions that count every allocation, so that a test can
// prove a call allocates nothing: `auto before = typegrad_test::allocations(); ...`.
#include <atomic>
#include <cstdlib>
#include <new>

namespace typegrad_test {
inline std::atomic<long> allocation_count{0};
inline long allocations() { return allocation_count.load(); }

//! The allocations made by `epochs` passes of zero_grad(), backward() and step() over every batch
//! of `epoch` (a tg::data::batches range).
template <class Trainer, class Epoch>
long allocations_over(Trainer& trainer, Epoch& epoch, int epochs = 3) {
    const long before = allocations();
    for (int i = 0; i < epochs; ++i)
        for (auto batch : epoch) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
    return allocations() - before;
}
}  // namespace typegrad_test

void* operator new(std::size_t n) {
    ++typegrad_test::allocation_count;
    if (void* p = std::malloc(n == 0 ? 1 : n))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
    ++typegrad_test::allocation_count;
    const auto al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
// noinline: once GCC inlines a replacement delete into a caller it pairs the visible free() with
// the ::operator new call and warns (-Wmismatched-new-delete), though the pair is ours and matches.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
