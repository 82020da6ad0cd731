#pragma once
// The weight gradient of a dense layer over one block of samples, g += gy · xᵀ summed over the
// lanes, written straight into the weight's gradient [Out, In] (row-major, torch's layout).
//
// Accumulating it per lane instead would need Out · In lane values (256 KB for a 64x64 layer in
// float on AVX-512) read and written for every block: a loop bound by L2 bandwidth. Here the
// block's inputs are transposed once (sample-major, a row of In per lane) and each row of the
// gradient takes the sum over samples as a chain of fused multiply-adds, one broadcast of gy per
// sample: the accumulators are the gradient rows themselves, a few registers at a time. A row
// whose length is not a whole number of vectors ends in a masked load and store.
#include <cstddef>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/shuffle.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::detail {

//! Whether the block kernel pays for a layer of Out x In on lanes of L samples: enough products to
//! amortise the transposition. Smaller layers keep per-lane accumulators (a handful of registers'
//! worth, summed once per batch).
template <std::size_t L, std::size_t Out, std::size_t In>
inline constexpr bool outer_block_pays = L > 1 && Out* In >= 16 * L;

namespace outer {

// The gradient's row o, vector c: whole, or the first In - c·L elements of the last vector.
template <std::size_t In, std::size_t L, class B, class T>
inline B load_row(const T* g, std::size_t o, std::size_t c) {
    if ((c + 1) * L <= In)
        return B::load_unaligned(g + o * In + c * L);
    return load_first<B>(g + o * In + c * L, In - c * L);
}
template <std::size_t In, std::size_t L, class B, class T>
inline void store_row(T* g, std::size_t o, std::size_t c, const B& b) {
    if ((c + 1) * L <= In)
        b.store_unaligned(g + o * In + c * L);
    else
        store_first(g + o * In + c * L, In - c * L, b);
}

// Vector registers of the target of lanes B: 32 with AVX-512, 16 with SSE and AVX.
template <class B>
inline constexpr std::size_t registers = 16;
#if XSIMD_WITH_AVX512F
template <class T>
inline constexpr std::size_t registers<xsimd::batch<T, xsimd::avx512f>> = 32;
template <class T>
inline constexpr std::size_t registers<xsimd::batch<T, xsimd::avx512cd>> = 32;
template <class T>
inline constexpr std::size_t registers<xsimd::batch<T, xsimd::avx512dq>> = 32;
template <class T>
inline constexpr std::size_t registers<xsimd::batch<T, xsimd::avx512bw>> = 32;
#endif

//! The shape of a tile of the gradient held in registers across the samples: R rows of CT vectors
//! each, with CT input vectors and one broadcast live beside them (R·CT + CT + 1 registers). With
//! 32 registers, whole rows of up to 15 vectors; with 16, chunks of at most 3 vectors (4 rows of 3,
//! 6 of 2): more accumulators would spill to the stack inside the loop over samples.
template <std::size_t C, std::size_t Regs>
struct tiling {
    static constexpr std::size_t CT = Regs >= 32 ? C : (C < 3 ? C : 3);
    static constexpr std::size_t R =
        Regs >= 32 ? (C >= 16 ? 1 : 16 / C) : ((Regs - 1 - CT) / CT < 8 ? (Regs - 1 - CT) / CT : 8);
};

// Rows [o0, o0 + R), vectors [c0, c0 + CT) of the gradient: R x CT accumulators held in registers
// across the samples.
template <std::size_t R, std::size_t CT, std::size_t C, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void tile(T* g, std::size_t o0, std::size_t c0, std::size_t valid, const T (*gys)[L], const T (*xt)[C * L]) {
    B acc[R][CT];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CT; ++c)
            acc[r][c] = load_row<In, L, B>(g, o0 + r, c0 + c);
    const std::size_t n = Full ? L : valid;
    for (std::size_t l = 0; l < n; ++l) {
        B xs[CT];
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CT; ++c)
            xs[c] = B::load_aligned(xt[l] + (c0 + c) * L);
#pragma GCC unroll 16
        for (std::size_t r = 0; r < R; ++r) {
            const B s(gys[o0 + r][l]);
#pragma GCC unroll 16
            for (std::size_t c = 0; c < CT; ++c)
                acc[r][c] = xsimd::fma(s, xs[c], acc[r][c]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CT; ++c)
            store_row<In, L>(g, o0 + r, c0 + c, acc[r][c]);
}

// Rows [o0, o0 + R) of the gradient, a chunk of CT vectors at a time.
template <std::size_t R, std::size_t CT, std::size_t C, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void row_tiles(T* g, std::size_t o0, std::size_t valid, const T (*gys)[L], const T (*xt)[C * L]) {
    constexpr std::size_t whole = C / CT * CT;
    for (std::size_t c0 = 0; c0 < whole; c0 += CT)
        tile<R, CT, C, In, L, Full, B>(g, o0, c0, valid, gys, xt);
    if constexpr (whole < C)
        tile<R, C - whole, C, In, L, Full, B>(g, o0, whole, valid, gys, xt);
}

template <std::size_t Out, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void rows(T* g, std::size_t valid, const T (*gys)[L], const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L;
    using shape = tiling<C, registers<B>>;
    constexpr std::size_t R = shape::R < Out ? shape::R : Out, CT = shape::CT;
    constexpr std::size_t whole = Out / R * R;
    for (std::size_t o = 0; o < whole; o += R)
        row_tiles<R, CT, C, In, L, Full, B>(g, o, valid, gys, xt);
    if constexpr (whole < Out)
        row_tiles<Out - whole, CT, C, In, L, Full, B>(g, whole, valid, gys, xt);
}

}  // namespace outer

//! g[o · In + i] += Σ_{l < valid} gy[o](l) · x[i](l), for lanes `B` of L samples each; `gy` and `x`
//! are indexable by element (node lanes or views). Lanes from `valid` on are never read, so a
//! padded lane contributes nothing, not even a NaN.
template <std::size_t Out, std::size_t In, class B, class T, class GY, class X>
inline void outer_accumulate(T* g, std::size_t valid, const GY& gy, const X& x) {
    constexpr std::size_t L = B::size, C = (In + L - 1) / L;
    alignas(64) T xt[L][C * L];  // the inputs of sample l in row l, zero past In
    alignas(64) T gys[Out][L];
    for (std::size_t c = 0; c < C; ++c) {
        B square[L];
        for (std::size_t j = 0; j < L; ++j)
            square[j] = c * L + j < In ? B(x[c * L + j]) : B(T(0));
        transpose(square);
        for (std::size_t l = 0; l < L; ++l)
            square[l].store_aligned(xt[l] + c * L);
    }
    for (std::size_t o = 0; o < Out; ++o)
        B(gy[o]).store_aligned(gys[o]);
    if (valid == L)
        outer::rows<Out, In, L, true, B>(g, valid, gys, xt);
    else
        outer::rows<Out, In, L, false, B>(g, valid, gys, xt);
}

}  // namespace TYPEGRAD_NS::detail
