#pragma once
// Pooling over images [C, H, W] and signals [C, L] (torch.nn.functional.max_pool2d, avg_pool2d,
// adaptive_avg_pool2d and their 1d forms), on the windows of ops/conv.hpp.
#include <cstddef>
#include <limits>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/ops/conv.hpp>

namespace TYPEGRAD_NS {
namespace ops {

//! The largest element of each window, channel by channel; padding counts as -inf (torch). The
//! gradient goes to the window's first maximum in scan order (row by row), or to its last NaN, as
//! torch 1.13's kernel picks `val > max || isnan(val)`.
template <std::size_t C, class Win, bool OneD>
struct max_pool {
    template <std::size_t I>
    static constexpr bool writes_once = false;  // overlapping windows add to the same input
    template <class S>
    using result_shape = detail::spatial_shape<C, Win, OneD>;

    static constexpr std::size_t H = Win::h, W = Win::w, OH = Win::oh, OW = Win::ow;

    // The largest element of the window of output (c, oy, ox) and its tap's index, per lane.
    template <class V, class X>
    static constexpr void scan(const X& x, std::size_t c, std::size_t oy, std::size_t ox, V& best, V& at) {
        best = detail::lane_constant<V>(-std::numeric_limits<double>::infinity());
        at = detail::lane_constant<V>(-1);
        for (std::size_t ky = 0; ky < Win::kh; ++ky) {
            const std::size_t iy = Win::row(oy, ky);
            if (iy == H)
                continue;
            for (std::size_t kx = 0; kx < Win::kw; ++kx) {
                const std::size_t ix = Win::col(ox, kx);
                if (ix == W)
                    continue;
                const V v = x[(c * H + iy) * W + ix];
                const auto take = (v > best) | (v != v);
                best = detail::select(take, v, best);
                at = detail::select(take, detail::lane_constant<V>(double(ky * Win::kw + kx)), at);
            }
        }
    }

    template <class Y, class X>
    static constexpr void forward(Y& y, const X& x) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    V best{}, at{};
                    scan(x, c, oy, ox, best, at);
                    y[(c * OH + oy) * OW + ox] = best;
                }
    }
    template <std::size_t I, class G, class GY, class Y, class X>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const X& x) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        const V zero = detail::lane_constant<V>(0);
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    V best{}, at{};
                    scan(x, c, oy, ox, best, at);
                    const V go = gy[(c * OH + oy) * OW + ox];
                    for (std::size_t ky = 0; ky < Win::kh; ++ky) {
                        const std::size_t iy = Win::row(oy, ky);
                        if (iy == H)
                            continue;
                        for (std::size_t kx = 0; kx < Win::kw; ++kx) {
                            const std::size_t ix = Win::col(ox, kx);
                            if (ix == W)
                                continue;
                            const V tap = detail::lane_constant<V>(double(ky * Win::kw + kx));
                            g[(c * H + iy) * W + ix] += detail::select(at == tap, go, zero);
                        }
                    }
                }
    }
};

//! The mean of each window, channel by channel, dividing by the whole window KH·KW padding included
//! (torch's count_include_pad=True, its default).
template <std::size_t C, class Win, bool OneD>
struct avg_pool {
    template <std::size_t I>
    static constexpr bool writes_once = false;
    template <class S>
    using result_shape = detail::spatial_shape<C, Win, OneD>;

    static constexpr std::size_t H = Win::h, W = Win::w, OH = Win::oh, OW = Win::ow;
    static constexpr double count = double(Win::kh * Win::kw);

    template <class Y, class X>
    static constexpr void forward(Y& y, const X& x) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        const V n = detail::lane_constant<V>(count);
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    V acc = detail::lane_constant<V>(0);
                    for (std::size_t ky = 0; ky < Win::kh; ++ky) {
                        const std::size_t iy = Win::row(oy, ky);
                        if (iy == H)
                            continue;
                        for (std::size_t kx = 0; kx < Win::kw; ++kx) {
                            const std::size_t ix = Win::col(ox, kx);
                            if (ix != W)
                                acc += x[(c * H + iy) * W + ix];
                        }
                    }
                    y[(c * OH + oy) * OW + ox] = acc / n;
                }
    }
    template <std::size_t I, class G, class GY, class Y, class X>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const X&) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        const V n = detail::lane_constant<V>(count);
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    const V share = gy[(c * OH + oy) * OW + ox] / n;
                    for (std::size_t ky = 0; ky < Win::kh; ++ky) {
                        const std::size_t iy = Win::row(oy, ky);
                        if (iy == H)
                            continue;
                        for (std::size_t kx = 0; kx < Win::kw; ++kx) {
                            const std::size_t ix = Win::col(ox, kx);
                            if (ix != W)
                                g[(c * H + iy) * W + ix] += share;
                        }
                    }
                }
    }
};

//! The mean of each channel of an image [C, H, W] (or signal), giving [C, 1, 1] ([C, 1]).
template <std::size_t C, std::size_t N, bool OneD>
struct global_avg_pool : detail::adds_each_once {
    template <class S>
    using result_shape = std::conditional_t<OneD, shape<C, 1>, shape<C, 1, 1>>;

    template <class Y, class X>
    static constexpr void forward(Y& y, const X& x) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        for (std::size_t c = 0; c < C; ++c) {
            V acc = x[c * N];
            for (std::size_t p = 1; p < N; ++p)
                acc += x[c * N + p];
            y[c] = acc / detail::lane_constant<V>(double(N));
        }
    }
    template <std::size_t I, class G, class GY, class Y, class X>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const X&) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        for (std::size_t c = 0; c < C; ++c) {
            const V share = gy[c] / detail::lane_constant<V>(double(N));
            for (std::size_t p = 0; p < N; ++p)
                g[c * N + p] += share;
        }
    }
};

}  // namespace ops

namespace detail {

template <template <std::size_t, class, bool> class Pool, std::size_t K, std::size_t Stride, std::size_t Padding,
          bool OneD, Expression X>
constexpr auto pool_builder(X) {
    using SX = typename X::shape_type;
    constexpr bool window_ok = check_window<SX, K, Stride, Padding, 1, OneD>();
    constexpr bool padding_ok = !window_ok || 2 * Padding <= K;
    [[maybe_unused]] constexpr bool checked = error::check<padding_ok>(
        error::fault<error::pool_padding_too_large<error::kernel_size<K>, error::padding<Padding>>>);
    using Xs = std::conditional_t<window_ok && padding_ok, X, spatial_stand_in<spatial<SX>::c, OneD>>;
    using SXs = typename Xs::shape_type;
    return node<Pool<spatial<SXs>::c, window_of<SXs, K, Stride, Padding, 1, OneD>, OneD>, Xs>{};
}

template <bool OneD, Expression X>
constexpr auto global_avg_builder(X) {
    using SX = typename X::shape_type;
    constexpr bool ok = check_spatial_rank<SX, OneD>();
    using Xs = std::conditional_t<ok, X, spatial_stand_in<1, OneD>>;
    using sp = spatial<typename Xs::shape_type>;
    return node<ops::global_avg_pool<sp::c, sp::h * sp::w, OneD>, Xs>{};
}

}  // namespace detail

//! The maximum of each K x K window of an image [C, H, W], moved by Stride, over -inf padding.
//! torch: `F.max_pool2d(x, K, Stride, Padding)` (`nn.MaxPool2d`); the gradient goes to the first
//! maximum of a window in scan order.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0, Expression X>
constexpr auto max_pool2d(X x) {
    return detail::pool_builder<ops::max_pool, K, Stride, Padding, false>(x);
}
//! The mean of each K x K window of an image [C, H, W] over zero padding, dividing by K² (torch's
//! count_include_pad=True). torch: `F.avg_pool2d(x, K, Stride, Padding)` (`nn.AvgPool2d`).
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0, Expression X>
constexpr auto avg_pool2d(X x) {
    return detail::pool_builder<ops::avg_pool, K, Stride, Padding, false>(x);
}
//! The maximum of each window of K of a signal [C, L]. torch: `F.max_pool1d(x, K, Stride, Padding)`.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0, Expression X>
constexpr auto max_pool1d(X x) {
    return detail::pool_builder<ops::max_pool, K, Stride, Padding, true>(x);
}
//! The mean of each window of K of a signal [C, L], dividing by K. torch: `F.avg_pool1d(x, K, Stride,
//! Padding)`.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0, Expression X>
constexpr auto avg_pool1d(X x) {
    return detail::pool_builder<ops::avg_pool, K, Stride, Padding, true>(x);
}

//! The mean of each channel of an image [C, H, W], as [C, 1, 1]. torch: `F.adaptive_avg_pool2d(x, 1)`
//! (`nn.AdaptiveAvgPool2d(1)`); only the output size 1 is provided.
template <std::size_t OutputSize, Expression X>
constexpr auto adaptive_avg_pool2d(X x) {
    static_assert(OutputSize == 1, "typegrad: adaptive_avg_pool2d: only the output size 1 (a global average)");
    return detail::global_avg_builder<false>(x);
}
//! The mean of each channel of a signal [C, L], as [C, 1]. torch: `F.adaptive_avg_pool1d(x, 1)`.
template <std::size_t OutputSize, Expression X>
constexpr auto adaptive_avg_pool1d(X x) {
    static_assert(OutputSize == 1, "typegrad: adaptive_avg_pool1d: only the output size 1 (a global average)");
    return detail::global_avg_builder<true>(x);
}

}  // namespace TYPEGRAD_NS
