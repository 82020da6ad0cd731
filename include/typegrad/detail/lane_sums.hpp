#pragma once
// Sums over the lanes of a group of vectors at once: the end of a batch, where each parameter's
// per-lane accumulator becomes one number of its gradient.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/detail/xsimd.hpp>

namespace typegrad::detail {

namespace lane_sum_detail {
template <std::size_t W>
struct lower_of_pair {  // lanes whose index has bit W clear
    static constexpr bool get(std::size_t i, std::size_t) { return (i & W) == 0; }
};
template <std::size_t W>
struct partner {  // lane i's partner across bit W
    static constexpr std::size_t get(std::size_t i, std::size_t) { return i ^ W; }
};

// Lanes of a with bit W clear, and of b with it set, each plus its partner across bit W: half
// of each vector's lanes summed pairwise, both halves in one vector.
template <std::size_t W, class B>
inline B fold(const B& a, const B& b) {
    using T = typename B::value_type;
    using A = typename B::arch_type;
    using index = xsimd::batch<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>, A>;
    constexpr auto keep = xsimd::make_batch_bool_constant<B, lower_of_pair<W>>();
    constexpr auto across = xsimd::make_batch_constant<index, partner<W>>();
    return xsimd::select(keep, a, b) + xsimd::swizzle(xsimd::select(keep, b, a), across);
}

template <std::size_t W, class B>
inline void fold_all(B* v) {
    for (std::size_t i = 0; i < W; ++i) v[i] = fold<W>(v[i], v[i + W]);
    if constexpr (W > 1) fold_all<W / 2>(v);
}
}  // namespace lane_sum_detail

//! Lane i of the result is the sum of the lanes of v[i], for the B::size vectors v[0 .. B::size):
//! B::size - 1 folds of two vectors instead of B::size horizontal sums.
template <class B>
inline B lane_sums(const B* v) {
    constexpr std::size_t L = B::size;
    static_assert((L & (L - 1)) == 0, "a power-of-two number of lanes");
    if constexpr (L == 1) {
        return v[0];
    } else {
        B work[L];
        for (std::size_t i = 0; i < L; ++i) work[i] = v[i];
        lane_sum_detail::fold_all<L / 2>(work);
        return work[0];
    }
}

}  // namespace typegrad::detail
