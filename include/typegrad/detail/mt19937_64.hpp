#pragma once
// The 64-bit Mersenne Twister that std::mt19937_64 is, without <random>: the shuffle rule and the
// default initialisation draw from it, and every program that includes typegrad would otherwise
// parse the whole random-number library (distributions, seed sequences, their stream operators) to
// get one engine. The C++ standard fixes the engine's parameters, seeding and output, so the draws
// are std::mt19937_64's, bit for bit (tests/data/batches_test.cpp compares them).
#include <cstddef>
#include <cstdint>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::detail {

//! std::mt19937_64: same seeding (one 64-bit seed, default 5489), same outputs.
class mt19937_64 {
public:
    using result_type = std::uint64_t;
    static constexpr std::uint64_t default_seed = 5489u;

    explicit mt19937_64(std::uint64_t seed = default_seed) noexcept {
        x_[0] = seed;
        for (std::size_t i = 1; i < n; ++i)
            x_[i] = 6364136223846793005ULL * (x_[i - 1] ^ (x_[i - 1] >> 62)) + i;
        i_ = n;
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return ~std::uint64_t{0}; }

    //! The next output.
    result_type operator()() noexcept {
        if (i_ == n)
            twist();
        std::uint64_t z = x_[i_++];
        z ^= (z >> 29) & 0x5555555555555555ULL;
        z ^= (z << 17) & 0x71D67FFFEDA60000ULL;
        z ^= (z << 37) & 0xFFF7EEE000000000ULL;
        return z ^ (z >> 43);
    }

private:
    static constexpr std::size_t n = 312, m = 156;
    static constexpr std::uint64_t upper = ~std::uint64_t{0} << 31, lower = ~upper;

    // The next n words of the state, each from its own high bits and its successor's low bits.
    // Out of line: it runs once per 312 draws, and the draws stay small where they are inlined.
    [[gnu::noinline]] void twist() noexcept {
        const auto next = [](std::uint64_t far, std::uint64_t word, std::uint64_t successor) {
            const std::uint64_t y = (word & upper) | (successor & lower);
            return far ^ (y >> 1) ^ ((y & 1u) ? 0xB5026F5AA96619E9ULL : 0);
        };
        std::size_t k = 0;
        for (; k < n - m; ++k)
            x_[k] = next(x_[k + m], x_[k], x_[k + 1]);
        for (; k < n - 1; ++k)
            x_[k] = next(x_[k + m - n], x_[k], x_[k + 1]);
        x_[n - 1] = next(x_[m - 1], x_[n - 1], x_[0]);
        i_ = 0;
    }

    std::uint64_t x_[n];
    std::size_t i_;
};

}  // namespace TYPEGRAD_NS::detail
