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

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::detail {

//! Whether the block kernel pays for a layer of Out x In on lanes of L samples: enough products to
//! amortise the transposition. Smaller layers keep per-lane accumulators (a handful of registers'
//! worth, summed once per batch).
template <std::size_t L, std::size_t Out, std::size_t In>
inline constexpr bool outer_block_pays = L > 1 && Out* In >= 16 * L;

namespace outer {

// Vector c of the gradient's row o: whole, or (Tail) the In mod L elements that end the row.
template <bool Tail, std::size_t In, std::size_t L, class B, class T>
inline B load_row(const T* g, std::size_t o, std::size_t c) {
    if constexpr (Tail)
        return load_first<B>(g + o * In + c * L, In % L);
    else
        return B::load_unaligned(g + o * In + c * L);
}
template <bool Tail, std::size_t In, std::size_t L, class B, class T>
inline void store_row(T* g, std::size_t o, std::size_t c, const B& b) {
    if constexpr (Tail)
        store_first(g + o * In + c * L, In % L, b);
    else
        b.store_unaligned(g + o * In + c * L);
}

// Rows [o0, o0 + R), vectors [c0, c0 + CB) of the gradient: R x CB accumulators held in registers
// across the samples. The rows of xt hold XC vectors. Tail: the tile is the one vector that ends
// each row, partly filled.
template <std::size_t R, std::size_t CB, bool Tail, std::size_t XC, std::size_t In, std::size_t L, bool Full, class B,
          class T>
inline void tile(T* g, std::size_t o0, std::size_t c0, std::size_t valid, const T (*gys)[L], const T (*xt)[XC * L]) {
    B acc[R][CB];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            acc[r][c] = load_row<Tail, In, L, B>(g, o0 + r, c0 + c);
    const std::size_t n = Full ? L : valid;
    for (std::size_t l = 0; l < n; ++l) {
        B xs[CB];
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            xs[c] = B::load_aligned(xt[l] + (c0 + c) * L);
#pragma GCC unroll 16
        for (std::size_t r = 0; r < R; ++r) {
            const B s(gys[o0 + r][l]);
#pragma GCC unroll 16
            for (std::size_t c = 0; c < CB; ++c)
                acc[r][c] = xsimd::fma(s, xs[c], acc[r][c]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            store_row<Tail, In, L>(g, o0 + r, c0 + c, acc[r][c]);
}

// The vector registers of the target: 32 with AVX-512, 16 with AVX2 and SSE2 on x86-64.
template <class B>
inline constexpr std::size_t vector_registers = sizeof(B) >= 64 ? 32 : 16;

// Rows [o0, o0 + R) of the gradient, a block of CB whole vectors of each row at a time, then the
// partly filled vector that ends each row, if In is not a whole number of vectors.
template <std::size_t R, std::size_t CB, std::size_t Out, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void row_block(T* g, std::size_t o0, std::size_t valid, const T (*gys)[L], const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L, whole_vectors = In / L, whole = whole_vectors / CB * CB;
    for (std::size_t c = 0; c < whole; c += CB)
        tile<R, CB, false, C, In, L, Full, B>(g, o0, c, valid, gys, xt);
    if constexpr (whole < whole_vectors)
        tile<R, whole_vectors - whole, false, C, In, L, Full, B>(g, o0, whole, valid, gys, xt);
    if constexpr (whole_vectors < C)
        tile<R, 1, true, C, In, L, Full, B>(g, o0, whole_vectors, valid, gys, xt);
}

template <std::size_t Out, std::size_t In, std::size_t L, bool Full, class B, class T>
inline void rows(T* g, std::size_t valid, const T (*gys)[L], const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L;
    // R x CB accumulators, CB input vectors and a broadcast live at once, within the registers: tiles
    // of 6 x 4 vectors with AVX-512, 4 x 3 with 16 registers; fewer columns, more rows, for narrow
    // layers. A tile as wide as the row where the row is short, so each row is read once per block.
    constexpr std::size_t regs = vector_registers<B>;
    constexpr std::size_t wide = regs == 32 ? 4 : 3;
    constexpr std::size_t CB = C < wide ? C : wide;
    constexpr std::size_t fit = (regs - 1 - CB) / CB;
    constexpr std::size_t R = fit < 1 ? 1 : fit > 8 ? 8 : fit;
    constexpr std::size_t whole = Out / R * R;
    for (std::size_t o = 0; o < whole; o += R)
        row_block<R, CB, Out, In, L, Full, B>(g, o, valid, gys, xt);
    if constexpr (whole < Out)
        row_block<Out - whole, CB, Out, In, L, Full, B>(g, whole, valid, gys, xt);
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
