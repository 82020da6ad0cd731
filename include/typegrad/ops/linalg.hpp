#pragma once
// Products: dot (vector · vector), matvec (matrix × vector), and the linear layer built on them.
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/broadcast.hpp>
#include <typegrad/detail/shuffle.hpp>
#include <typegrad/ops/arithmetic.hpp>

namespace TYPEGRAD_NS {
namespace ops {

//! Σᵢ aᵢ bᵢ → scalar.  d/da = gy · b, d/db = gy · a.
struct dot : detail::adds_each_once {
    template <class SA, class SB>
    using result_shape = scalar_shape;

    template <class Y, class A, class B>
    static constexpr void forward(Y& y, const A& a, const B& b) {
        auto acc = a[0] * b[0];
        for (std::size_t i = 1; i < detail::extent<A>; ++i)
            acc = detail::fma(a[i], b[i], acc);
        y[0] = acc;
    }
    template <std::size_t I, class G, class GY, class Y, class A, class B>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const A& a, const B& b) {
        for (std::size_t i = 0; i < detail::extent<A>; ++i) {
            if constexpr (I == 0)
                g[i] += gy[0] * b[i];
            else
                g[i] += gy[0] * a[i];
        }
    }
};

//! y = W x with W [Out, In] row-major (torch's layout) and x [In].  Operands are (x, W): inputs come
//! first so that parameters are numbered from the input layer outwards, as torch.nn.Sequential does.
//! d/dx = Wᵀ gy, d/dW = gy xᵀ.
struct matvec {
    // The input's adjoint: each element written once, with += (see autodiff/sweep.hpp). The
    // matrix's, when it is not a parameter, is read as it is updated.
    template <std::size_t I>
    static constexpr bool writes_once = I == 0;
    template <class SX, class SW>
    using result_shape = shape<(SX::size == 0 ? 0 : SW::size / SX::size)>;

    // R outputs at a time, so that R independent chains of multiply-adds are in flight rather
    // than one chain waiting on each add's latency.
    static constexpr std::size_t tile = 8;

    // y[o] = Σᵢ w[o·in + i] x[i] for o in [o0, o0 + R). With fewer than 4 outputs, each sum is
    // split into S interleaved partial sums (i mod S), so that 4 chains are in flight.
    template <std::size_t R, std::size_t In, class Y, class X, class W>
    static constexpr void forward_tile(Y& y, std::size_t o0, const X& x, const W& w) {
        using V = std::remove_cvref_t<decltype(x[0] * w[0])>;
        constexpr std::size_t S = R >= 4 || In < 8 ? 1 : 4 / R;
        constexpr std::size_t whole = In / S * S;
        V acc[R][S];
#pragma GCC unroll 8
        for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
            for (std::size_t s = 0; s < S; ++s)
                acc[r][s] = w[(o0 + r) * In + s] * x[s];
        for (std::size_t i = S; i < whole; i += S) {
#pragma GCC unroll 4
            for (std::size_t s = 0; s < S; ++s) {
                const V xi = x[i + s];
#pragma GCC unroll 8
                for (std::size_t r = 0; r < R; ++r)
                    acc[r][s] = detail::fma(V(w[(o0 + r) * In + i + s]), xi, acc[r][s]);
            }
        }
        for (std::size_t i = whole; i < In; ++i) {
#pragma GCC unroll 8
            for (std::size_t r = 0; r < R; ++r)
                acc[r][0] = detail::fma(V(w[(o0 + r) * In + i]), V(x[i]), acc[r][0]);
        }
#pragma GCC unroll 8
        for (std::size_t r = 0; r < R; ++r) {
            if constexpr (S == 4)
                y[o0 + r] = (acc[r][0] + acc[r][1]) + (acc[r][2] + acc[r][3]);
            else if constexpr (S == 2)
                y[o0 + r] = acc[r][0] + acc[r][1];
            else
                y[o0 + r] = acc[r][0];
        }
    }

    // g[i] += Σₒ w[o·in + i] gy[o] for i in [i0, i0 + R).
    template <std::size_t R, std::size_t Out, std::size_t In, class G, class GY, class W>
    static constexpr void input_vjp_tile(G& g, std::size_t i0, const GY& gy, const W& w) {
        using V = std::remove_cvref_t<decltype(gy[0] * w[0])>;
        V acc[R];
#pragma GCC unroll 8
        for (std::size_t r = 0; r < R; ++r)
            acc[r] = w[i0 + r] * gy[0];
        for (std::size_t o = 1; o < Out; ++o) {
            const V go = gy[o];
#pragma GCC unroll 8
            for (std::size_t r = 0; r < R; ++r)
                acc[r] = detail::fma(V(w[o * In + i0 + r]), go, acc[r]);
        }
#pragma GCC unroll 8
        for (std::size_t r = 0; r < R; ++r)
            g[i0 + r] += acc[r];
    }

    // Whether the input's adjoint reads W's rows as vectors (input_vjp_rows): where a broadcast from
    // memory is a load and a shuffle (detail::broadcast_shuffles), the weights a parameter's flat
    // values and a row at least a vector long.
    template <class V, class W, std::size_t In>
    static constexpr bool row_loads = [] {
        if constexpr (detail::broadcast_shuffles<V> && detail::flat_rows<W>)
            return In >= V::size;
        else
            return false;
    }();

    // g[i] += Σₒ w[o·in + i] gy[o] for i in [i0, i0 + K·L), lanes V of L samples, where
    // row_loads: K vectors of each row of W loaded as they are and multiplied by gy[o]'s lanes,
    // each broadcast within the register, so that a broadcast serves K vectors and a weight is
    // loaded once for L samples. acc[k][s] holds sample s's sums for inputs i0 + k·L + [0, L), added
    // in the order of o as input_vjp_tile adds them, then transposed into lanes of samples.
    template <std::size_t K, std::size_t Out, std::size_t In, class G, class GY, class T, std::size_t... s>
    static void input_vjp_row_vectors(G& g, std::size_t i0, const GY& gy, const T* w, std::index_sequence<s...>) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        constexpr std::size_t L = V::size;
        V acc[K][L];
        {
            const V go = gy[0];
#pragma GCC unroll 4
            for (std::size_t k = 0; k < K; ++k) {
                const V wv = V::load_unaligned(w + i0 + k * L);
                ((acc[k][s] = wv * detail::broadcast_lane<s>(go)), ...);
            }
        }
        for (std::size_t o = 1; o < Out; ++o) {
            const V go = gy[o];
            (
                [&] {
                    const V b = detail::broadcast_lane<s>(go);
#pragma GCC unroll 4
                    for (std::size_t k = 0; k < K; ++k)
                        acc[k][s] = detail::fma(V::load_unaligned(w + o * In + i0 + k * L), b, acc[k][s]);
                }(),
                ...);
        }
#pragma GCC unroll 4
        for (std::size_t k = 0; k < K; ++k) {
            detail::transpose(acc[k]);
#pragma GCC unroll 16
            for (std::size_t j = 0; j < L; ++j)
                g[i0 + k * L + j] += acc[k][j];
        }
    }

    // The input's adjoint with row_loads: tiles of 2 vectors of inputs (8 accumulators, the 2
    // vectors of the row, gy[o], a broadcast and a product within 16 registers; 3 would spill), then
    // the vector left, then the inputs past the last whole vector as input_vjp_tile takes them.
    template <std::size_t Out, std::size_t In, class G, class GY, class T>
    static void input_vjp_rows(G& g, const GY& gy, const T* w) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        constexpr std::size_t L = V::size, K = 2, vectors = In / L, whole = vectors / K * K;
        constexpr auto lanes = std::make_index_sequence<L>{};
        for (std::size_t c = 0; c < whole; c += K)
            input_vjp_row_vectors<K, Out, In>(g, c * L, gy, w, lanes);
        if constexpr (whole < vectors)
            input_vjp_row_vectors<vectors - whole, Out, In>(g, whole * L, gy, w, lanes);
        if constexpr (vectors * L < In)
            input_vjp_tile<In - vectors * L, Out, In>(g, vectors * L, gy, detail::broadcast_view<V, T, Out * In>{w});
    }

    // Whether the input's adjoint goes sample by sample (input_vjp_samples): where a broadcast is
    // a load of its own (AVX and later), the weights a parameter's flat values, and the layer large
    // enough for the copy of gy and the transposition per block to pay (measured on a 256 x 256
    // layer: 2-4% faster at AVX2 and 6% with AVX-512; 256 x 64 the same; 64 x 64 3-8% slower), its
    // two buffers on the stack within 64 KB.
    template <class V, class W, std::size_t Out, std::size_t In>
    static constexpr bool sample_rows = [] {
        if constexpr (detail::is_batch_v<V> && !detail::broadcast_shuffles<V> && detail::flat_rows<W>)
            return Out * In >= 32768 && In >= 2 * V::size && (Out + In) * sizeof(V) <= 65536;
        else
            return false;
    }();

    // Sample-major sums for samples [s0, s0 + R) and inputs [c0·L, (c0 + CB)·L): acc[r][c] holds
    // sample s0 + r's Σₒ w[o·in + i] gy[o] for L inputs, each weight vector loaded once for R samples
    // and each gy[o] of a sample broadcast once for CB vectors, the outputs added in input_vjp_tile's
    // order; stored into row s0 + r of gx.
    template <std::size_t R, std::size_t CB, std::size_t Out, std::size_t In, class V, class T, std::size_t L>
    static void input_vjp_sample_tile(T (*gx)[In / L * L], std::size_t s0, std::size_t c0, const T (*gys)[L],
                                      const T* w) {
        V acc[R][CB];
        {
            V wv[CB];
#pragma GCC unroll 4
            for (std::size_t c = 0; c < CB; ++c)
                wv[c] = V::load_unaligned(w + (c0 + c) * L);
#pragma GCC unroll 8
            for (std::size_t r = 0; r < R; ++r) {
                const V b(gys[0][s0 + r]);
#pragma GCC unroll 4
                for (std::size_t c = 0; c < CB; ++c)
                    acc[r][c] = wv[c] * b;
            }
        }
        for (std::size_t o = 1; o < Out; ++o) {
            V wv[CB];
#pragma GCC unroll 4
            for (std::size_t c = 0; c < CB; ++c)
                wv[c] = V::load_unaligned(w + o * In + (c0 + c) * L);
#pragma GCC unroll 8
            for (std::size_t r = 0; r < R; ++r) {
                const V b(gys[o][s0 + r]);
#pragma GCC unroll 4
                for (std::size_t c = 0; c < CB; ++c)
                    acc[r][c] = detail::fma(wv[c], b, acc[r][c]);
            }
        }
#pragma GCC unroll 8
        for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
            for (std::size_t c = 0; c < CB; ++c)
                acc[r][c].store_aligned(gx[s0 + r] + (c0 + c) * L);
    }

    // The input's adjoint with sample_rows. Per block, gy's lanes are stored so that each sample's
    // gy[o] is one broadcast load, the sums taken sample by sample in tiles of R samples x CB
    // vectors of inputs (R·CB accumulators, CB weight vectors and a broadcast within the registers:
    // 4 x 2 with 16 registers, 8 x 3 with AVX-512's 32; at most the block's samples), and
    // transposed back into lanes of samples.
    // Every sum takes the outputs in order, as input_vjp_tile does: the same bits. Inputs past the
    // last whole vector go through input_vjp_tile.
    template <std::size_t Out, std::size_t In, class G, class GY, class T>
    static void input_vjp_samples(G& g, const GY& gy, const T* w) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        constexpr std::size_t L = V::size, vectors = In / L;
        constexpr bool wide = sizeof(V) >= 64;
        constexpr std::size_t R0 = wide ? 8 : 4, R = R0 < L ? R0 : L, CB0 = wide ? 3 : 2;
        constexpr std::size_t CB = vectors < CB0 ? vectors : CB0;
        constexpr std::size_t whole = vectors / CB * CB;
        alignas(64) T gys[Out][L];
        for (std::size_t o = 0; o < Out; ++o)
            V(gy[o]).store_aligned(gys[o]);
        alignas(64) T gx[L][vectors * L];
        for (std::size_t s0 = 0; s0 < L; s0 += R) {
            for (std::size_t c = 0; c < whole; c += CB)
                input_vjp_sample_tile<R, CB, Out, In, V>(gx, s0, c, gys, w);
            if constexpr (whole < vectors)
                input_vjp_sample_tile<R, vectors - whole, Out, In, V>(gx, s0, whole, gys, w);
        }
        for (std::size_t c = 0; c < vectors; ++c) {
            V square[L];
#pragma GCC unroll 16
            for (std::size_t j = 0; j < L; ++j)
                square[j] = V::load_aligned(gx[j] + c * L);
            detail::transpose(square);
#pragma GCC unroll 16
            for (std::size_t j = 0; j < L; ++j)
                g[c * L + j] += square[j];
        }
        if constexpr (vectors * L < In)
            input_vjp_tile<In - vectors * L, Out, In>(g, vectors * L, gy, detail::broadcast_view<V, T, Out * In>{w});
    }

    template <class Y, class X, class W>
    static constexpr void forward(Y& y, const X& x, const W& w) {
        constexpr std::size_t out = detail::extent<Y>, in = detail::extent<X>, whole = out / tile * tile;
        for (std::size_t o = 0; o < whole; o += tile)
            forward_tile<tile, in>(y, o, x, w);
        if constexpr (whole < out)
            forward_tile<out - whole, in>(y, whole, x, w);
    }
    template <std::size_t I, class G, class GY, class Y, class X, class W>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const X& x, const W& w) {
        constexpr std::size_t out = detail::extent<Y>, in = detail::extent<X>;
        if constexpr (I == 0 && row_loads<std::remove_cvref_t<decltype(gy[0])>, W, in>) {
            input_vjp_rows<out, in>(g, gy, w.p);
        } else if constexpr (I == 0 && sample_rows<std::remove_cvref_t<decltype(gy[0])>, W, out, in>) {
            input_vjp_samples<out, in>(g, gy, w.p);
        } else if constexpr (I == 0) {
            constexpr std::size_t whole = in / tile * tile;
            for (std::size_t i = 0; i < whole; i += tile)
                input_vjp_tile<tile, out, in>(g, i, gy, w);
            if constexpr (whole < in)
                input_vjp_tile<in - whole, out, in>(g, whole, gy, w);
        } else {
            for (std::size_t o = 0; o < out; ++o)
                for (std::size_t i = 0; i < in; ++i)
                    g[o * in + i] = detail::fma(gy[o], x[i], g[o * in + i]);
        }
    }
};

}  // namespace ops

namespace detail {
template <class SW, std::size_t In>
inline constexpr bool matrix_has_columns = false;
template <std::size_t R, std::size_t C, std::size_t In>
inline constexpr bool matrix_has_columns<shape<R, C>, In> = C == In;
}  // namespace detail

//! Dot product of two vectors of equal length, a scalar. torch: `torch.dot(a, b)`.
template <Expression A, Expression B>
constexpr auto dot(A, B) {
    using SA = typename A::shape_type;
    using SB = typename B::shape_type;
    constexpr bool ok = SA::rank <= 1 && SB::rank <= 1 && SA::size == SB::size;
    [[maybe_unused]] constexpr bool checked = error::check<ok>(
        error::fault<error::dot_shape_mismatch<error::shaped<error::lhs, SA>, error::shaped<error::rhs, SB>>>);
    return node<ops::dot, A, B>{};
}

//! Matrix-vector product W x: W [Out, In], x [In] → [Out]. torch: `W @ x` (`torch.mv(W, x)`).
template <Expression W, Expression X>
constexpr auto matvec(W, X) {
    using SW = typename W::shape_type;
    using SX = typename X::shape_type;
    constexpr bool ok = SX::rank == 1 && detail::matrix_has_columns<SW, SX::size>;
    [[maybe_unused]] constexpr bool checked = error::check<ok>(
        error::fault<error::matvec_shape_mismatch<error::shaped<error::weight, SW>, error::shaped<error::input, SX>>>);
    return node<ops::matvec, X, W>{};
}

//! A fully connected layer `y = W x + b`, creating parameters `Name.weight` [Out, In] and
//! `Name.bias` [Out] in torch's layout. torch: `torch.nn.Linear(In, Out)`.
template <fixed_string Name, std::size_t In, std::size_t Out, Expression X>
constexpr auto linear(X) {
    using SX = typename X::shape_type;
    constexpr bool ok = SX::size == In && SX::rank <= 1;
    [[maybe_unused]] constexpr bool checked = error::check<ok>(
        error::fault<error::linear_width_mismatch<error::weight<Out, In>, error::shaped<error::input, SX>>>);
    using weight = param_leaf<Name + fixed_string(".weight"), shape<Out, In>>;
    using bias = param_leaf<Name + fixed_string(".bias"), shape<Out>>;
    if constexpr (ok)
        return node<ops::add, node<ops::matvec, X, weight>, bias>{};
    else
        return node<ops::add, node<ops::matvec, error::stand_in<shape<In>>, weight>, bias>{};
}

}  // namespace TYPEGRAD_NS
