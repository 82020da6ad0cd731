#pragma once
// The weight gradient of a dense layer over the samples of a few blocks, g += gy · xᵀ summed over
// the samples, written straight into the weight's gradient [Out, In] (row-major, torch's layout).
//
// Accumulating it per lane instead would need Out · In lane values (256 KB for a 64x64 layer in
// float on AVX-512) read and written for every block: a loop bound by L2 bandwidth. Here the
// block's inputs are transposed once (sample-major, a row of In per lane) and each row of the
// gradient takes the sum over samples as a chain of fused multiply-adds, one broadcast of gy per
// sample: the accumulators are the gradient rows themselves, a few registers at a time. A row
// whose length is not a whole number of vectors ends in a masked load and store. The sweep gathers
// several blocks' samples (outer_stage) before it adds them, so that each tile of a large
// gradient crosses the cache once per few blocks, not once per block.
#include <cstddef>

#include <typegrad/detail/broadcast.hpp>
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
// across the n samples, added in sample order. The rows of xt hold XC vectors; gys[o] holds row
// o's factors of up to S samples. Tail: the tile is the one vector that ends each row, partly
// filled.
template <std::size_t R, std::size_t CB, bool Tail, std::size_t XC, std::size_t In, std::size_t L, std::size_t S,
          class B, class T>
inline void tile(T* g, std::size_t o0, std::size_t c0, std::size_t n, const T (*gys)[S], const T (*xt)[XC * L]) {
    B acc[R][CB];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < CB; ++c)
            acc[r][c] = load_row<Tail, In, L, B>(g, o0 + r, c0 + c);
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
template <std::size_t R, std::size_t CB, std::size_t Out, std::size_t In, std::size_t L, std::size_t S, class B,
          class T>
inline void row_block(T* g, std::size_t o0, std::size_t n, const T (*gys)[S], const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L, whole_vectors = In / L, whole = whole_vectors / CB * CB;
    for (std::size_t c = 0; c < whole; c += CB)
        tile<R, CB, false, C, In, L, S, B>(g, o0, c, n, gys, xt);
    if constexpr (whole < whole_vectors)
        tile<R, whole_vectors - whole, false, C, In, L, S, B>(g, o0, whole, n, gys, xt);
    if constexpr (whole_vectors < C)
        tile<R, 1, true, C, In, L, S, B>(g, o0, whole_vectors, n, gys, xt);
}

template <std::size_t Out, std::size_t In, std::size_t L, std::size_t S, class B, class T>
inline void rows(T* g, std::size_t n, const T (*gys)[S], const T (*xt)[(In + L - 1) / L * L]) {
    constexpr std::size_t C = (In + L - 1) / L;
    // R x CB accumulators, CB input vectors and a broadcast live at once, within the registers, and
    // before AVX a product too (an instruction overwrites an operand): tiles of 6 x 4 vectors with
    // AVX-512, 4 x 3 with AVX2, 3 x 3 with SSE2; fewer columns, more rows, for narrow layers. A tile
    // as wide as the row where the row is short, so each row is read once per block.
    constexpr std::size_t regs = vector_registers<B>, spare = broadcast_shuffles<B> ? 2 : 1;
    constexpr std::size_t wide = regs == 32 ? 4 : 3;
    constexpr std::size_t CB = C < wide ? C : wide;
    constexpr std::size_t fit = (regs - spare - CB) / CB;
    constexpr std::size_t R = fit < 1 ? 1 : fit > 8 ? 8 : fit;
    constexpr std::size_t whole = Out / R * R;
    for (std::size_t o = 0; o < whole; o += R)
        row_block<R, CB, Out, In, L, S, B>(g, o, n, gys, xt);
    if constexpr (whole < Out)
        row_block<Out - whole, CB, Out, In, L, S, B>(g, whole, n, gys, xt);
}

}  // namespace outer

//! The samples a dense layer Out x In gathers before adding their weight gradient (outer_stage): as
//! many whole blocks of L as fit its inputs and factors in 64 KB, at most 8 blocks. A tile of the
//! gradient is then loaded and stored once per S samples rather than once per block of L, which
//! takes a large layer's sweep off the cache bandwidth, the bound that two threads share.
template <std::size_t L, std::size_t Out, std::size_t In, class T>
inline constexpr std::size_t stage_samples = [] {
    constexpr std::size_t per_block = (Out + (In + L - 1) / L * L) * L * sizeof(T);
    constexpr std::size_t blocks = (std::size_t{64} << 10) / per_block;
    return L * (blocks < 1 ? 1 : blocks > 8 ? 8 : blocks);
}();

//! A dense layer's weight gradient gy · xᵀ over the samples of several blocks: add() gathers a
//! block's inputs (transposed: a row of In per sample) and output factors, flush() adds the sum over
//! the gathered samples into the weight's gradient [Out, In] (row-major, torch's layout) and starts
//! over. Each element of the gradient takes the samples in the order they were gathered, one fused
//! multiply-add each, so the result has the bits of adding block after block. Lanes from `valid` on
//! are never gathered: a padded lane contributes nothing, not even a NaN.
template <std::size_t Out, std::size_t In, class B>
struct outer_stage {
    using T = typename B::value_type;
    static constexpr std::size_t L = B::size, C = (In + L - 1) / L, S = stage_samples<L, Out, In, T>;

    alignas(64) T xt[S][C * L];  // the inputs of gathered sample s in row s, zero past In
    alignas(64) T gys[Out][S];   // gys[o][s]: output o's factor of gathered sample s
    std::size_t count = 0;       // samples gathered

    //! Gathers lanes [0, valid) of a block: gy[o] and x[i] are indexable by element (lanes or views).
    //! A block whose room is taken, or that follows a partly filled one, flushes into g first.
    template <class GY, class X>
    void add(T* g, std::size_t valid, const GY& gy, const X& x) {
        if (count + L > S || count % L != 0)
            flush(g);
        for (std::size_t c = 0; c < C; ++c) {
            B square[L];
            for (std::size_t j = 0; j < L; ++j)
                square[j] = c * L + j < In ? B(x[c * L + j]) : B(T(0));
            transpose(square);
            for (std::size_t l = 0; l < L; ++l)
                square[l].store_aligned(xt[count + l] + c * L);
        }
        for (std::size_t o = 0; o < Out; ++o)
            B(gy[o]).store_aligned(gys[o] + count);
        count += valid;
    }

    //! g[o · In + i] += Σ over the gathered samples s of gys[o][s] · xt[s][i]; gathers anew.
    void flush(T* g) {
        if (count != 0)
            outer::rows<Out, In, L, S, B>(g, count, gys, xt);
        count = 0;
    }
};

//! g[o · In + i] += Σ_{l < valid} gy[o](l) · x[i](l), for lanes `B` of L samples each: one block
//! gathered and added at once.
template <std::size_t Out, std::size_t In, class B, class T, class GY, class X>
inline void outer_accumulate(T* g, std::size_t valid, const GY& gy, const X& x) {
    outer_stage<Out, In, B> stage;
    stage.add(g, valid, gy, x);
    stage.flush(g);
}

}  // namespace TYPEGRAD_NS::detail
