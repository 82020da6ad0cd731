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

#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/shuffle.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace typegrad::detail {

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

// Rows [o0, o0 + R) of the gradient: R x C accumulators held in registers across the samples.
template <std::size_t R, std::size_t C, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void tile(T* g, std::size_t o0, std::size_t valid, const T (*gys)[L], const T (*xt)[C * L]) {
    B acc[R][C];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < C; ++c)
            acc[r][c] = load_row<In, L, B>(g, o0 + r, c);
    const std::size_t n = Full ? L : valid;
    for (std::size_t l = 0; l < n; ++l) {
        B xs[C];
#pragma GCC unroll 16
        for (std::size_t c = 0; c < C; ++c)
            xs[c] = B::load_aligned(xt[l] + c * L);
#pragma GCC unroll 16
        for (std::size_t r = 0; r < R; ++r) {
            const B s(gys[o0 + r][l]);
#pragma GCC unroll 16
            for (std::size_t c = 0; c < C; ++c)
                acc[r][c] = xsimd::fma(s, xs[c], acc[r][c]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < C; ++c)
            store_row<In, L>(g, o0 + r, c, acc[r][c]);
}

template <std::size_t Out, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void rows(T* g, std::size_t valid, const T (*gys)[L], const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L;
    // At most 16 accumulators and C input vectors live at once: within AVX-512's 32 registers.
    constexpr std::size_t R = C >= 16 ? 1 : 16 / C;
    constexpr std::size_t whole = Out / R * R;
    for (std::size_t o = 0; o < whole; o += R)
        tile<R, C, In, L, Full, B>(g, o, valid, gys, xt);
    if constexpr (whole < Out)
        tile<Out - whole, C, In, L, Full, B>(g, whole, valid, gys, xt);
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

}  // namespace typegrad::detail
