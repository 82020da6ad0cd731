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
#include <type_traits>

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

// Whether the vector that ends a row is loaded and stored under a mask: with AVX-512's mask registers.
// Elsewhere a masked store is slow (AVX2's vmaskmovps is microcoded on AMD, and the next block's
// load of the same row cannot take its data from it) or absent (SSE2: a copy through a buffer), so
// that vector's sum over the block starts from zero and its In mod L elements are added into the
// row one by one.
template <class B>
inline constexpr bool masked_row_ends = sizeof(B) >= 64;

template <std::size_t In, std::size_t L, class B, class T>
inline void add_row_end(T* g, std::size_t o, std::size_t c, const B& b) {
    alignas(64) T sums[L];
    b.store_aligned(sums);
    T* const p = g + o * In + c * L;
    for (std::size_t j = 0; j < In % L; ++j)
        p[j] += sums[j];
}

// Rows [o0, o0 + R), vectors [c0, c0 + CB) of the gradient: R x CB accumulators held in registers
// across the samples. The rows of xt hold XC vectors. Tail: the tile's last vector is the one that
// ends each row, partly filled (the same tile, so each broadcast of gy serves the whole row's end).
template <std::size_t R, std::size_t CB, bool Tail, std::size_t XC, std::size_t In, std::size_t L, bool Full, class B,
          class T, class G>
inline void tile(T* g, std::size_t o0, std::size_t c0, std::size_t valid, const G& gys, const T (*xt)[XC * L]) {
    B acc[R][CB];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            acc[r][c] = !(Tail && c + 1 == CB) ? load_row<false, In, L, B>(g, o0 + r, c0 + c)
                        : masked_row_ends<B>   ? load_row<true, In, L, B>(g, o0 + r, c0 + c)
                                               : B(T(0));
    const std::size_t n = Full ? L : valid;
    for (std::size_t l = 0; l < n; ++l) {
        B xs[CB];
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            xs[c] = B::load_aligned(xt[l] + (c0 + c) * L);
#pragma GCC unroll 16
        for (std::size_t r = 0; r < R; ++r) {
            const B s = gys(o0 + r, l);
#pragma GCC unroll 16
            for (std::size_t c = 0; c < CB; ++c)
                acc[r][c] = xsimd::fma(s, xs[c], acc[r][c]);
        }
    }
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c) {
            if (!(Tail && c + 1 == CB))
                store_row<false, In, L>(g, o0 + r, c0 + c, acc[r][c]);
            else if constexpr (masked_row_ends<B>)
                store_row<true, In, L>(g, o0 + r, c0 + c, acc[r][c]);
            else
                add_row_end<In, L>(g, o0 + r, c0 + c, acc[r][c]);
        }
}

// gy of output o at sample l, broadcast to a vector: from the block's gy stored sample by sample
// (a broadcast at each read), or from copies broadcast once per block (wanted_broadcasts).
template <class B, std::size_t L>
struct gy_elements {
    const typename B::value_type (*p)[L];
    B operator()(std::size_t o, std::size_t l) const noexcept { return B(p[o][l]); }
};
template <class B, std::size_t L>
struct gy_broadcasts {
    const B* p;
    B operator()(std::size_t o, std::size_t l) const noexcept { return p[o * L + l]; }
};

// Whether the block's gy are broadcast once into Out x L vectors rather than at each read: where a
// broadcast costs a shuffle of its own (x86 before AVX, which broadcasts as it loads) and each is
// read by more than one tile of a row (rows of more than `wide` vectors), within 16 KB of stack.
template <class B, std::size_t Out, std::size_t C, std::size_t wide>
inline constexpr bool wanted_broadcasts = false;
template <class T, class A, std::size_t Out, std::size_t C, std::size_t wide>
inline constexpr bool wanted_broadcasts<xsimd::batch<T, A>, Out, C, wide> = [] {
    constexpr bool before_avx = std::is_base_of_v<xsimd::sse2, A>;  // SSE2 to SSE4.2
    return before_avx && C > wide && Out * xsimd::batch<T, A>::size * sizeof(xsimd::batch<T, A>) <= 16384;
}();

// The vector registers of the target: 32 with AVX-512, 16 with AVX2 and SSE2 on x86-64.
template <class B>
inline constexpr std::size_t vector_registers = sizeof(B) >= 64 ? 32 : 16;
// The widest tile, in vectors of a row.
template <class B>
inline constexpr std::size_t tile_width = vector_registers<B> == 32 ? 4 : 3;

// Rows [o0, o0 + R) of the gradient, a block of CB vectors of each row at a time; the last block
// (fewer vectors, or not) ends with the partly filled vector that ends each row, if In is not a
// whole number of vectors.
template <std::size_t R, std::size_t CB, std::size_t Out, std::size_t In, std::size_t L, bool Full, class B, class T,
          class G>
inline void row_block(T* g, std::size_t o0, std::size_t valid, const G& gys, const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L, whole = C / CB * CB;
    constexpr bool tail = In % L != 0;
    constexpr std::size_t full_tiles = whole == C && tail ? whole - CB : whole;  // tiles of whole vectors
    for (std::size_t c = 0; c < full_tiles; c += CB)
        tile<R, CB, false, C, In, L, Full, B>(g, o0, c, valid, gys, xt);
    if constexpr (full_tiles < C)
        tile<R, C - full_tiles, tail, C, In, L, Full, B>(g, o0, full_tiles, valid, gys, xt);
}

template <std::size_t Out, std::size_t In, std::size_t L, bool Full, class B, class T, class G>
inline void rows(T* g, std::size_t valid, const G& gys, const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L;
    // R x CB accumulators, CB input vectors and a broadcast live at once, within the registers: tiles
    // of 6 x 4 vectors with AVX-512, 4 x 3 with 16 registers; fewer columns, more rows, for narrow
    // layers. A tile as wide as the row where the row is short, so each row is read once per block.
    constexpr std::size_t regs = vector_registers<B>;
    constexpr std::size_t wide = tile_width<B>;
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
    alignas(64) T gys[Out][L];   // gy of sample l in column l
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
    const auto run = [&](const auto& elements) {
        if (valid == L)
            outer::rows<Out, In, L, true, B>(g, valid, elements, xt);
        else
            outer::rows<Out, In, L, false, B>(g, valid, elements, xt);
    };
    if constexpr (outer::wanted_broadcasts<B, Out, C, outer::tile_width<B>>) {
        B broadcasts[Out * L];
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t l = 0; l < L; ++l)
                broadcasts[o * L + l] = B(gys[o][l]);
        run(outer::gy_broadcasts<B, L>{broadcasts});
    } else {
        run(outer::gy_elements<B, L>{gys});
    }
}

}  // namespace TYPEGRAD_NS::detail
