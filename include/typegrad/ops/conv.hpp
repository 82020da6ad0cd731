#pragma once
// Convolutions over images and signals (torch.nn.functional.conv2d, conv1d) and the views that turn
// a feature vector into an image and back (x.view(C, H, W), torch.flatten).
//
// An image is an expression of shape `shape<C, H, W>` (channels, height, width), a signal one of
// shape `shape<C, L>`, stored C-major as torch stores one sample of a batch: element
// (c, y, x) at (c·H + y)·W + x. A feature vector becomes an image by `tg::view<C, H, W>(x)`.
//
// The loops run over channels and pixels at run time with compile-time bounds (no template
// recursion), one sample per SIMD lane as every op.
#include <array>
#include <cstddef>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

namespace detail {

//! The channels and spatial extents of an image [C, H, W] or a signal [C, L] (seen as [C, 1, L]).
template <class S>
struct spatial {
    static constexpr std::size_t rank = S::rank, c = 1, h = 1, w = 1;
};
template <std::size_t C, std::size_t L>
struct spatial<shape<C, L>> {
    static constexpr std::size_t rank = 2, c = C, h = 1, w = L;
};
template <std::size_t C, std::size_t H, std::size_t W>
struct spatial<shape<C, H, W>> {
    static constexpr std::size_t rank = 3, c = C, h = H, w = W;
};

//! Where a sliding window of KH x KW taps (dilated by D, moved by S, over an input of H x W padded
//! by PH and PW on both sides) lands: torch's output size floor((H + 2P - D(K-1) - 1) / S) + 1.
template <std::size_t H, std::size_t W, std::size_t KH, std::size_t KW, std::size_t S, std::size_t PH, std::size_t PW,
          std::size_t D>
struct window {
    static constexpr std::size_t h = H, w = W, kh = KH, kw = KW, stride = S, ph = PH, pw = PW, dilation = D;
    static constexpr bool positive = KH > 0 && KW > 0 && S > 0 && D > 0;
    static constexpr std::size_t span_h = positive ? D * (KH - 1) + 1 : 1, span_w = positive ? D * (KW - 1) + 1 : 1;
    static constexpr bool fits = positive && H + 2 * PH >= span_h && W + 2 * PW >= span_w;
    static constexpr std::size_t oh = fits ? (H + 2 * PH - span_h) / S + 1 : 1;
    static constexpr std::size_t ow = fits ? (W + 2 * PW - span_w) / S + 1 : 1;

    //! The input row of output row `oy`, tap `ky`, in [0, H), or H when it falls in the padding.
    static constexpr std::size_t row(std::size_t oy, std::size_t ky) noexcept {
        const std::size_t r = oy * S + ky * D;
        return r < PH || r >= H + PH ? H : r - PH;
    }
    //! The input column of output column `ox`, tap `kx`, in [0, W), or W when it falls in the padding.
    static constexpr std::size_t col(std::size_t ox, std::size_t kx) noexcept {
        const std::size_t c = ox * S + kx * D;
        return c < PW || c >= W + PW ? W : c - PW;
    }
    //! [lo, hi): the taps of output row `oy` inside the image (rows, or columns when !Rows), or
    //! with ByTap, the output rows (columns) whose tap `ky` (`kx`) is inside it; an interval either way.
    struct interval {
        std::size_t lo = 0, hi = 0;
    };
    template <bool Rows, bool ByTap>
    static constexpr auto intervals = [] {
        constexpr std::size_t outs = Rows ? oh : ow, taps = Rows ? kh : kw, n = ByTap ? taps : outs;
        std::array<interval, n> r{};
        for (std::size_t i = 0; i < n; ++i) {
            const auto inside = [&](std::size_t j) {
                const std::size_t o = ByTap ? j : i, t = ByTap ? i : j;
                return Rows ? row(o, t) != h : col(o, t) != w;
            };
            const std::size_t m = ByTap ? outs : taps;
            std::size_t lo = 0;
            while (lo < m && !inside(lo))
                ++lo;
            std::size_t hi = lo;
            while (hi < m && inside(hi))
                ++hi;
            r[i] = {lo, hi};
        }
        return r;
    }();

    //! The (tap, output) pairs that read one input row (Rows) or column: at most kh (kw) of them,
    //! by decreasing tap, that is by increasing output row (column).
    struct readers {
        std::size_t n = 0;
        std::array<std::size_t, (KH > KW ? KH : KW)> tap{}, out{};
    };
    template <bool Rows>
    static constexpr auto readers_of = [] {
        std::array<readers, Rows ? H : W> r{};
        for (std::size_t i = 0; i < (Rows ? H : W); ++i)
            for (std::size_t t = Rows ? kh : kw; t-- > 0;)
                for (std::size_t o = 0; o < (Rows ? oh : ow); ++o)
                    if ((Rows ? row(o, t) : col(o, t)) == i) {
                        r[i].tap[r[i].n] = t;
                        r[i].out[r[i].n++] = o;
                    }
        return r;
    }();
};

//! The window of a 2d (OneD false) or 1d layer of kernel K over an operand of shape S.
template <class S, std::size_t K, std::size_t Stride, std::size_t Padding, std::size_t Dilation, bool OneD>
using window_of = window<spatial<S>::h, spatial<S>::w, OneD ? 1 : K, K, Stride, OneD ? 0 : Padding, Padding, Dilation>;

//! The shape of an image [C, OH, OW], or of a signal [C, OW] when OneD.
template <std::size_t C, class Win, bool OneD>
using spatial_shape = std::conditional_t<OneD, shape<C, Win::ow>, shape<C, Win::oh, Win::ow>>;

//! Calls f.template operator()<Tile>(i) for i = 0, Tile, 2·Tile, ... while a whole tile fits below
//! N, then f.template operator()<1>(i) for each index left: a loop over register tiles and its rest
//! (N a constant, so that the compiler sees the rest's bound).
template <std::size_t Tile, std::size_t N, class F>
constexpr void in_tiles(F&& f) {
    constexpr std::size_t whole = N / Tile * Tile;
    for (std::size_t i = 0; i < whole; i += Tile)
        f.template operator()<Tile>(i);
    for (std::size_t i = whole; i < N; ++i)
        f.template operator()<1>(i);
}

template <class V>
constexpr V lane_constant(double c) {
    return V(static_cast<scalar_of_t<V>>(c));
}

}  // namespace detail

namespace ops {

//! The same elements under another shape (x.view(...), torch.flatten): y = x, dy/dx = 1.
template <class To>
struct reshape : detail::adds_each_once {
    template <class S>
    using result_shape = To;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            y[i] = a[i];
    }
    template <std::size_t I, class GA, class GY, class Y, class A>
    static constexpr void vjp(GA& ga, const GY& gy, const Y&, const A&) {
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            ga[i] += gy[i];
    }
};

//! Cross-correlation of an image x [C, H, W] with a weight [O, C, K, K] plus a bias [O] (optional
//! third operand), torch's conv2d with zero padding; `Win` says where the window lands (a signal
//! is the image of height 1 and a kernel of height 1). y[o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v]
//! x[c, i·S + u·D - P, j·S + v·D - P]. d/dx scatters w·gy back, d/dw = Σ gy x, d/db = Σ gy.
template <std::size_t C, std::size_t O, class Win>
struct conv {
    // Every input element is read by several outputs, so its adjoint is added to, not written once.
    template <std::size_t I>
    static constexpr bool writes_once = false;
    template <class SX, class SW, class... SB>
    using result_shape = std::conditional_t<SW::rank == 3, shape<O, Win::ow>, shape<O, Win::oh, Win::ow>>;

    static constexpr std::size_t H = Win::h, W = Win::w, KH = Win::kh, KW = Win::kw, OH = Win::oh, OW = Win::ow;

    //! The output channels one pass computes at once: each its own accumulator, so that the
    //! multiply-adds of B channels overlap instead of waiting on one chain, and each input element
    //! loaded once serves B of them. Every output (and every weight's gradient) still sums its
    //! terms in the order of the definition, so the blocking changes no result.
    static constexpr std::size_t block = O >= 8 ? 8 : O >= 4 ? 4 : O >= 2 ? 2 : 1;

    template <class Y, class X, class Wt, class... B>
    static constexpr void forward(Y& y, const X& x, const Wt& w, const B&... b) {
        if constexpr (framed) {
            using V = std::remove_cvref_t<decltype(y[0])>;
            V xf[C * FH * FW];
            frame(xf, x);
            // Outputs tile_o at a time along each output row, `pixels` of the row at a time.
            for (std::size_t oy = 0; oy < OH; ++oy)
                detail::in_tiles<tile_o, O>([&]<std::size_t Bo>(std::size_t o) {
                    detail::in_tiles<pixels, OW>(
                        [&]<std::size_t Px>(std::size_t ox) { forward_tile<Bo, Px>(o, oy, ox, y, xf, w, b...); });
                });
        } else {
            detail::in_tiles<block, O>([&]<std::size_t Bk>(std::size_t o) { forward_block<Bk>(o, y, x, w, b...); });
        }
    }

    template <std::size_t I, class G, class GY, class Y, class X, class Wt, class... B>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const X& x, const Wt& w, const B&...) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        if constexpr (I == 0 && gathers_framed) {
            V gf[O * GH * GW];
            frame_gradient(gf, gy);
            // Input channels tile_c at a time along each input row, `pixels` of the row at a time;
            // the terms in the order of the outputs that read each input (o, then oy, then ox), as a
            // scatter over the outputs would add them.
            for (std::size_t iy = 0; iy < H; ++iy)
                detail::in_tiles<tile_c, C>([&]<std::size_t Bc>(std::size_t c) {
                    detail::in_tiles<pixels, W>(
                        [&]<std::size_t Px>(std::size_t ix) { input_gradient_tile<Bc, Px>(c, iy, ix, g, gf, w); });
                });
        } else if constexpr (I == 0) {
            // Gathered per input element, every input channel at once (one accumulator each); the
            // terms in the order of the outputs that read it (o, then oy, then ox), as a scatter
            // over the outputs would add them.
            for (std::size_t c = 0; c < C; c += block_c)
                for (std::size_t iy = 0; iy < H; ++iy)
                    for (std::size_t ix = 0; ix < W; ++ix)
                        input_gradient_block<V>(c, iy, ix, g, gy, w);
        } else if constexpr (I == 1 && framed && KH * KW <= 16) {
            V xf[C * FH * FW];
            frame(xf, x);
            for (std::size_t c = 0; c < C; ++c)
                detail::in_tiles<tile_w, O>(
                    [&]<std::size_t Bo>(std::size_t o) { weight_gradient_taps<Bo>(o, c, g, gy, xf); });
        } else if constexpr (I == 1) {
            for (std::size_t c = 0; c < C; ++c)
                for (std::size_t ky = 0; ky < KH; ++ky)
                    for (std::size_t kx = 0; kx < KW; ++kx)
                        detail::in_tiles<block, O>([&]<std::size_t Bk>(std::size_t o) {
                            weight_gradient_block<Bk, V>(o, c, ky, kx, g, gy, x);
                        });
        } else {
            for (std::size_t o = 0; o < O; ++o) {
                V acc = gy[o * OH * OW];
                for (std::size_t p = 1; p < OH * OW; ++p)
                    acc += gy[o * OH * OW + p];
                g[o] += acc;
            }
        }
    }

private:
    //! The input channels the input gradient gathers at once (a divisor of C, at most 8).
    static constexpr std::size_t block_c = C % 8 == 0 ? 8 : C % 4 == 0 ? 4 : C % 2 == 0 ? 2 : 1;

    // A small image is first copied into a frame of zeros as wide as the padding (FH x FW a
    // channel), so that every output reads all its taps at places known at compile time: no test
    // per tap, and the taps' loops unroll. The padding's taps then add w · 0, which changes no sum
    // of finite numbers (torch's convolutions add them too). The frames live on the stack, hence
    // the bound on their elements (the same for every lane width, so that one sample and a block of
    // them take the same path).
    static constexpr std::size_t FH = H + 2 * Win::ph, FW = W + 2 * Win::pw;
    static constexpr std::size_t frame_limit = 1024;
    static constexpr bool framed = C * FH * FW <= frame_limit;
    // The output gradient framed for the input gradient (stride 1; a padding at most the kernel's
    // span less one): input (iy, ix) reads the frame at (iy + (KH-1-ky)·D, ix + (KW-1-kx)·D).
    static constexpr bool gathers_framed =
        Win::stride == 1 && Win::ph <= (KH - 1) * Win::dilation && Win::pw <= (KW - 1) * Win::dilation &&
        O * (H + (KH - 1) * Win::dilation) * (W + (KW - 1) * Win::dilation) <= frame_limit;
    static constexpr std::size_t GT = gathers_framed ? (KH - 1) * Win::dilation - Win::ph : 0;
    static constexpr std::size_t GL = gathers_framed ? (KW - 1) * Win::dilation - Win::pw : 0;
    static constexpr std::size_t GH = gathers_framed ? OH + 2 * GT : 1, GW = gathers_framed ? OW + 2 * GL : 1;
    static_assert(!gathers_framed || (GH == H + (KH - 1) * Win::dilation && GW == W + (KW - 1) * Win::dilation));

    // Register tiles: outputs x pixels of a row for the forward pass and input channels x pixels
    // for the input gradient (at most 16 accumulators), outputs x taps for the weight gradient.
    static constexpr std::size_t tile_o = O >= 4 ? 4 : O >= 2 ? 2 : 1;
    static constexpr std::size_t tile_c = C >= 4 ? 4 : C >= 2 ? 2 : 1;
    static constexpr std::size_t tile_w = KH * KW <= 12 ? 2 : 1;
    static constexpr std::size_t pixels = 4;

    // Copies `in`'s C channels of R x L into frames of FR x FL at rows top and columns left, the
    // rest zero (each element written once: the frames are rewritten for every block of lanes).
    template <std::size_t Ch, std::size_t R, std::size_t L, std::size_t FR, std::size_t FL, std::size_t top,
              std::size_t left, class V, class In>
    static constexpr void frame_of(V* f, const In& in) {
        const V zero = detail::lane_constant<V>(0);
        for (std::size_t c = 0; c < Ch; ++c)
            for (std::size_t fy = 0; fy < FR; ++fy) {
                V* row = f + (c * FR + fy) * FL;
                if (fy < top || fy >= top + R) {
                    for (std::size_t fx = 0; fx < FL; ++fx)
                        row[fx] = zero;
                    continue;
                }
                for (std::size_t fx = 0; fx < left; ++fx)
                    row[fx] = zero;
                for (std::size_t i = 0; i < L; ++i)
                    row[left + i] = in[(c * R + fy - top) * L + i];
                for (std::size_t fx = left + L; fx < FL; ++fx)
                    row[fx] = zero;
            }
    }
    template <class V, class X>
    static constexpr void frame(V* xf, const X& x) {
        frame_of<C, H, W, FH, FW, Win::ph, Win::pw>(xf, x);
    }
    template <class V, class GY>
    static constexpr void frame_gradient(V* gf, const GY& gy) {
        frame_of<O, OH, OW, GH, GW, GT, GL>(gf, gy);
    }

    //! Outputs o0 .. o0 + Bo - 1 at pixels ox0 .. ox0 + Px - 1 of output row oy, from the framed input.
    template <std::size_t Bo, std::size_t Px, class Y, class V, class Wt, class... B>
    static constexpr void forward_tile(std::size_t o0, std::size_t oy, std::size_t ox0, Y& y, const V* xf, const Wt& w,
                                       const B&... b) {
        constexpr std::size_t S = Win::stride, D = Win::dilation;
        V acc[Bo][Px];
        for (std::size_t j = 0; j < Bo; ++j) {
            V bias = detail::lane_constant<V>(0);
            if constexpr (sizeof...(B) == 1)
                ((bias = b[o0 + j]), ...);
            for (std::size_t p = 0; p < Px; ++p)
                acc[j][p] = bias;
        }
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t ky = 0; ky < KH; ++ky)
                for (std::size_t kx = 0; kx < KW; ++kx) {
                    const V* in = xf + (c * FH + oy * S + ky * D) * FW + ox0 * S + kx * D;
                    V xv[Px];
                    for (std::size_t p = 0; p < Px; ++p)
                        xv[p] = in[p * S];
                    for (std::size_t j = 0; j < Bo; ++j) {
                        const V wv = V(w[(((o0 + j) * C + c) * KH + ky) * KW + kx]);
                        for (std::size_t p = 0; p < Px; ++p)
                            acc[j][p] = detail::fma(wv, xv[p], acc[j][p]);
                    }
                }
        for (std::size_t j = 0; j < Bo; ++j)
            for (std::size_t p = 0; p < Px; ++p)
                y[((o0 + j) * OH + oy) * OW + ox0 + p] = acc[j][p];
    }

    //! d/dw of weights (o0 .. o0 + Bo - 1, c, every tap): Σ over the outputs of gy · x, in pixel
    //! order, from the framed input.
    template <std::size_t Bo, class G, class GY, class V>
    static constexpr void weight_gradient_taps(std::size_t o0, std::size_t c, G& g, const GY& gy, const V* xf) {
        constexpr std::size_t S = Win::stride, D = Win::dilation;
        V acc[Bo][KH * KW];
        for (std::size_t j = 0; j < Bo; ++j)
            for (std::size_t t = 0; t < KH * KW; ++t)
                acc[j][t] = detail::lane_constant<V>(0);
        for (std::size_t oy = 0; oy < OH; ++oy)
            for (std::size_t ox = 0; ox < OW; ++ox) {
                V go[Bo];
                for (std::size_t j = 0; j < Bo; ++j)
                    go[j] = gy[((o0 + j) * OH + oy) * OW + ox];
                const V* in = xf + (c * FH + oy * S) * FW + ox * S;
                for (std::size_t ky = 0; ky < KH; ++ky)
                    for (std::size_t kx = 0; kx < KW; ++kx) {
                        const V xv = in[ky * D * FW + kx * D];
                        for (std::size_t j = 0; j < Bo; ++j)
                            acc[j][ky * KW + kx] = detail::fma(go[j], xv, acc[j][ky * KW + kx]);
                    }
            }
        for (std::size_t j = 0; j < Bo; ++j)
            for (std::size_t t = 0; t < KH * KW; ++t)
                g[((o0 + j) * C + c) * KH * KW + t] += acc[j][t];
    }

    //! d/dx of input channels c0 .. c0 + Bc - 1 at pixels ix0 .. ix0 + Px - 1 of input row iy, from the
    //! framed output gradient.
    template <std::size_t Bc, std::size_t Px, class G, class V, class Wt>
    static constexpr void input_gradient_tile(std::size_t c0, std::size_t iy, std::size_t ix0, G& g, const V* gf,
                                              const Wt& w) {
        constexpr std::size_t D = Win::dilation;
        V acc[Bc][Px];
        for (std::size_t j = 0; j < Bc; ++j)
            for (std::size_t p = 0; p < Px; ++p)
                acc[j][p] = g[((c0 + j) * H + iy) * W + ix0 + p];
        for (std::size_t o = 0; o < O; ++o)
            for (std::size_t ky = KH; ky-- > 0;)
                for (std::size_t kx = KW; kx-- > 0;) {
                    const V* out = gf + (o * GH + iy + (KH - 1 - ky) * D) * GW + ix0 + (KW - 1 - kx) * D;
                    V go[Px];
                    for (std::size_t p = 0; p < Px; ++p)
                        go[p] = out[p];
                    for (std::size_t j = 0; j < Bc; ++j) {
                        const V wv = V(w[((o * C + c0 + j) * KH + ky) * KW + kx]);
                        for (std::size_t p = 0; p < Px; ++p)
                            acc[j][p] += wv * go[p];
                    }
                }
        for (std::size_t j = 0; j < Bc; ++j)
            for (std::size_t p = 0; p < Px; ++p)
                g[((c0 + j) * H + iy) * W + ix0 + p] = acc[j][p];
    }

    //! Outputs o0 .. o0 + Bk - 1 at every pixel.
    template <std::size_t Bk, class Y, class X, class Wt, class... B>
    static constexpr void forward_block(std::size_t o0, Y& y, const X& x, const Wt& w, const B&... b) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        V bias[Bk];
        for (std::size_t j = 0; j < Bk; ++j) {
            bias[j] = detail::lane_constant<V>(0);
            if constexpr (sizeof...(B) == 1)
                ((bias[j] = b[o0 + j]), ...);
        }
        for (std::size_t oy = 0; oy < OH; ++oy)
            for (std::size_t ox = 0; ox < OW; ++ox) {
                V acc[Bk];
                for (std::size_t j = 0; j < Bk; ++j)
                    acc[j] = bias[j];
                constexpr auto rows = Win::template intervals<true, false>;
                constexpr auto cols = Win::template intervals<false, false>;
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t ky = rows[oy].lo; ky < rows[oy].hi; ++ky) {
                        const std::size_t iy = Win::row(oy, ky);
                        for (std::size_t kx = cols[ox].lo; kx < cols[ox].hi; ++kx) {
                            const V xv = x[(c * H + iy) * W + Win::col(ox, kx)];
                            for (std::size_t j = 0; j < Bk; ++j)
                                acc[j] = detail::fma(V(w[(((o0 + j) * C + c) * KH + ky) * KW + kx]), xv, acc[j]);
                        }
                    }
                for (std::size_t j = 0; j < Bk; ++j)
                    y[((o0 + j) * OH + oy) * OW + ox] = acc[j];
            }
    }

    //! d/dw of weights (o0 .. o0 + Bk - 1, c, ky, kx): Σ over the outputs of gy · x, in pixel order.
    template <std::size_t Bk, class V, class G, class GY, class X>
    static constexpr void weight_gradient_block(std::size_t o0, std::size_t c, std::size_t ky, std::size_t kx, G& g,
                                                const GY& gy, const X& x) {
        V acc[Bk];
        for (std::size_t j = 0; j < Bk; ++j)
            acc[j] = detail::lane_constant<V>(0);
        constexpr auto rows = Win::template intervals<true, true>;
        constexpr auto cols = Win::template intervals<false, true>;
        for (std::size_t oy = rows[ky].lo; oy < rows[ky].hi; ++oy) {
            const std::size_t iy = Win::row(oy, ky);
            for (std::size_t ox = cols[kx].lo; ox < cols[kx].hi; ++ox) {
                const V xv = x[(c * H + iy) * W + Win::col(ox, kx)];
                for (std::size_t j = 0; j < Bk; ++j)
                    acc[j] = detail::fma(V(gy[((o0 + j) * OH + oy) * OW + ox]), xv, acc[j]);
            }
        }
        for (std::size_t j = 0; j < Bk; ++j)
            g[(((o0 + j) * C + c) * KH + ky) * KW + kx] += acc[j];
    }

    //! d/dx of input channels c0 .. c0 + block_c - 1 at pixel (iy, ix), added into g.
    template <class V, class G, class GY, class Wt>
    static constexpr void input_gradient_block(std::size_t c0, std::size_t iy, std::size_t ix, G& g, const GY& gy,
                                               const Wt& w) {
        V acc[block_c];
        for (std::size_t j = 0; j < block_c; ++j)
            acc[j] = g[((c0 + j) * H + iy) * W + ix];
        // The outputs that read (iy, ix), by increasing oy and ox.
        const auto& rows = Win::template readers_of<true>[iy];
        const auto& cols = Win::template readers_of<false>[ix];
        for (std::size_t o = 0; o < O; ++o)
            for (std::size_t a = 0; a < rows.n; ++a) {
                const std::size_t ky = rows.tap[a], oy = rows.out[a];
                for (std::size_t b = 0; b < cols.n; ++b) {
                    const std::size_t kx = cols.tap[b], ox = cols.out[b];
                    const V go = gy[(o * OH + oy) * OW + ox];
                    for (std::size_t j = 0; j < block_c; ++j)
                        acc[j] += V(w[((o * C + c0 + j) * KH + ky) * KW + kx]) * go;
                }
            }
        for (std::size_t j = 0; j < block_c; ++j)
            g[((c0 + j) * H + iy) * W + ix] = acc[j];
    }
};

}  // namespace ops

namespace detail {

//! Checks that an operand of shape S is a signal [C, L] (OneD) or an image [C, H, W]; returns whether
//! it is.
template <class S, bool OneD>
constexpr bool check_spatial_rank() {
    constexpr bool ok = spatial<S>::rank == (OneD ? 2 : 3);
    using shaped_input = error::shaped<error::input, S>;
    if constexpr (OneD)
        return error::check<ok>(error::fault<error::operand_is_not_a_signal<shaped_input>>);
    else
        return error::check<ok>(error::fault<error::operand_is_not_an_image<shaped_input>>);
}

//! The checks every windowed op makes of its operand of shape S; returns whether they hold.
template <class S, std::size_t K, std::size_t Stride, std::size_t Padding, std::size_t Dilation, bool OneD>
constexpr bool check_window() {
    constexpr bool shaped_ok = check_spatial_rank<S, OneD>();
    using win = window_of<S, K, Stride, Padding, Dilation, OneD>;
    constexpr bool positive = win::positive;
    [[maybe_unused]] constexpr bool p = error::check<positive>(
        error::fault<
            error::window_sizes_not_positive<error::kernel_size<K>, error::stride<Stride>, error::dilation<Dilation>>>);
    constexpr bool fits = !shaped_ok || !positive || win::fits;
    [[maybe_unused]] constexpr bool f = error::check<fits>(
        error::fault<error::kernel_larger_than_input<error::kernel_size<K>, error::dilation<Dilation>,
                                                     error::padding<Padding>, error::shaped<error::input, S>>>);
    return shaped_ok && positive && fits;
}

//! A stand-in image or signal of C channels on which a failed builder goes on.
template <std::size_t C, bool OneD>
using spatial_stand_in = error::stand_in<std::conditional_t<OneD, shape<C, 8>, shape<C, 8, 8>>>;

template <fixed_string Name, std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride, std::size_t Padding,
          std::size_t Dilation, bool Bias, bool OneD, Expression X>
constexpr auto conv_builder(X) {
    using SX = typename X::shape_type;
    constexpr bool window_ok = check_window<SX, K, Stride, Padding, Dilation, OneD>();
    constexpr bool channels_ok = !window_ok || spatial<SX>::c == InC;
    [[maybe_unused]] constexpr bool checked = error::check<channels_ok>(
        error::fault<error::conv_channel_mismatch<error::in_channels<InC>, error::shaped<error::input, SX>>>);
    using W = std::conditional_t<OneD, shape<OutC, InC, K>, shape<OutC, InC, K, K>>;
    using weight = param_leaf<Name + fixed_string(".weight"), W>;
    using bias = param_leaf<Name + fixed_string(".bias"), shape<OutC>>;
    using Xs = std::conditional_t<window_ok && channels_ok, X, spatial_stand_in<InC, OneD>>;
    using op = ops::conv<InC, OutC, window_of<typename Xs::shape_type, K, Stride, Padding, Dilation, OneD>>;
    if constexpr (Bias)
        return node<op, Xs, weight, bias>{};
    else
        return node<op, Xs, weight>{};
}

}  // namespace detail

//! The operand's elements under the shape [Dims...] (same count, C-major order): a feature vector of
//! 64 as a 1x8x8 image is `tg::view<1, 8, 8>(x)`. torch: `x.view(-1, 1, 8, 8)` on a batch.
template <std::size_t... Dims, Expression X>
constexpr auto view(X) {
    using SX = typename X::shape_type;
    constexpr bool ok = shape<Dims...>::size == SX::size;
    [[maybe_unused]] constexpr bool checked = error::check<ok>(
        error::fault<error::view_size_mismatch<error::new_shape<Dims...>, error::shaped<error::input, SX>>>);
    if constexpr (ok)
        return node<ops::reshape<shape<Dims...>>, X>{};
    else
        return node<ops::reshape<shape<Dims...>>, error::stand_in<shape<Dims...>>>{};
}

//! The operand as a vector, in torch's C-major order. torch: `torch.flatten(x, 1)` on a batch
//! (`nn.Flatten()`).
template <Expression X>
constexpr auto flatten(X) {
    return node<ops::reshape<shape<size_of<X>>>, X>{};
}

//! A 2d convolution layer applied to an image x [InC, H, W]: parameters `Name.weight` [OutC, InC, K,
//! K] and `Name.bias` [OutC] (if Bias), zero padding; gives [OutC, OH, OW] with OH = floor((H + 2P -
//! D(K - 1) - 1) / S) + 1. torch: `torch.nn.Conv2d(InC, OutC, K, stride=S, padding=P, dilation=D,
//! bias=Bias)`.
template <fixed_string Name, std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1,
          std::size_t Padding = 0, std::size_t Dilation = 1, bool Bias = true, Expression X>
constexpr auto conv2d(X x) {
    return detail::conv_builder<Name, InC, OutC, K, Stride, Padding, Dilation, Bias, false>(x);
}

//! A 1d convolution layer applied to a signal x [InC, L]: parameters `Name.weight` [OutC, InC, K] and
//! `Name.bias` [OutC] (if Bias); gives [OutC, OL]. torch: `torch.nn.Conv1d(InC, OutC, K, stride=S,
//! padding=P, dilation=D, bias=Bias)`.
template <fixed_string Name, std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1,
          std::size_t Padding = 0, std::size_t Dilation = 1, bool Bias = true, Expression X>
constexpr auto conv1d(X x) {
    return detail::conv_builder<Name, InC, OutC, K, Stride, Padding, Dilation, Bias, true>(x);
}

}  // namespace TYPEGRAD_NS
