#pragma once
// Work across the lanes of a group of vectors, written with xsimd's constant blends and swizzles:
// sums over the lanes of each vector at once (the end of a batch, where each parameter's per-lane
// accumulator becomes one number of its gradient) and the transposition of a square of vectors
// (samples per lane into samples per row, for the block kernels).
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::detail {

namespace lane_sum_detail {
template <std::size_t W>
struct lower_of_pair {  // lanes whose index has bit W clear
    static constexpr bool get(std::size_t i, std::size_t) { return (i & W) == 0; }
};
template <std::size_t W>
struct partner {  // lane i's partner across bit W
    static constexpr std::size_t get(std::size_t i, std::size_t) { return i ^ W; }
};

// The constants of a step across bit W of the lane index: which lanes have the bit clear, and
// the permutation that swaps each lane with its partner across the bit.
template <std::size_t W, class B>
struct across_bit {
    using index = xsimd::batch<std::conditional_t<sizeof(typename B::value_type) == 4, std::uint32_t, std::uint64_t>,
                               typename B::arch_type>;
    static constexpr auto keep = xsimd::make_batch_bool_constant<B, lower_of_pair<W>>();
    static constexpr auto swap = xsimd::make_batch_constant<index, partner<W>>();
};

// Lanes of a with bit W clear, and of b with it set, each plus its partner across bit W: half
// of each vector's lanes summed pairwise, both halves in one vector.
template <std::size_t W, class B>
inline B fold(const B& a, const B& b) {
    using c = across_bit<W, B>;
    return xsimd::select(c::keep, a, b) + xsimd::swizzle(xsimd::select(c::keep, b, a), c::swap);
}

// Rows r and r + W exchange the elements whose column has bit W set with each other's partner
// columns: the step of a transposition that swaps bit W of the row and column indices.
template <std::size_t W, class B>
inline void exchange(B& a, B& b) {
    using c = across_bit<W, B>;
    const B a2 = xsimd::select(c::keep, a, xsimd::swizzle(b, c::swap));
    b = xsimd::select(c::keep, xsimd::swizzle(a, c::swap), b);
    a = a2;
}
template <std::size_t W, std::size_t L, class B>
inline void exchange_all(B* v) {
    for (std::size_t r = 0; r < L; ++r)
        if ((r & W) == 0)
            exchange<W>(v[r], v[r + W]);
    if constexpr (W > 1)
        exchange_all<W / 2, L>(v);
}

template <std::size_t W, class B>
inline void fold_all(B* v) {
    for (std::size_t i = 0; i < W; ++i)
        v[i] = fold<W>(v[i], v[i + W]);
    if constexpr (W > 1)
        fold_all<W / 2>(v);
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
        // The first level reads v itself: no copy to fold in place.
        B work[L / 2];
        for (std::size_t i = 0; i < L / 2; ++i)
            work[i] = lane_sum_detail::fold<L / 2>(v[i], v[i + L / 2]);
        if constexpr (L > 2)
            lane_sum_detail::fold_all<L / 4>(work);
        return work[0];
    }
}

//! Transposes the B::size x B::size square whose rows are v[0 .. B::size): afterwards lane j of
//! v[i] holds what lane i of v[j] held.
template <class B>
inline void transpose(B* v) {
    constexpr std::size_t L = B::size;
    static_assert((L & (L - 1)) == 0, "a power-of-two number of lanes");
    if constexpr (L > 1)
        lane_sum_detail::exchange_all<L / 2, L>(v);
}

}  // namespace TYPEGRAD_NS::detail
