#pragma once
// Convolution and pooling layers as types, for `tg::sequential`: `tg::Conv2d<1, 8, 3, 1, 1>`,
// `tg::MaxPool2d<2>`, `tg::Flatten`, ..., each giving exactly the expression of its builder
// (`tg::conv2d<"0", 1, 8, 3, 1, 1>(x)`, ...). Their input is an image [C, H, W] (or a signal
// [C, L]) whose size the layer reads from the expression it is applied to; `tg::Unflatten<C, H, W>`
// turns a feature vector into one.
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/pool.hpp>

namespace TYPEGRAD_NS {

namespace layers {
//! A layer that takes an image or signal of any size, checks it itself and computes its output's.
struct spatial_module : module {
    static constexpr std::size_t in_features = any_width;
    static constexpr std::size_t out_features = computed_width;
};

//! A pooling layer: windows of K moved by Stride over Padding, the maximum or mean (`Pool`:
//! ops::max_pool, ops::avg_pool) of an image or (OneD) a signal; the expression of its builder.
template <template <std::size_t, class, bool> class Pool, std::size_t K, std::size_t Stride, std::size_t Padding,
          bool OneD>
struct pooling : spatial_module {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return detail::pool_builder<Pool, K, Stride, Padding, OneD>(x);
    }
};

//! A convolution layer over an image or (OneD) a signal, parameters `<index>.weight` and (Bias)
//! `<index>.bias`; the expression of its builder, tg::conv2d or tg::conv1d.
template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride, std::size_t Padding,
          std::size_t Dilation, bool Bias, bool OneD>
struct convolution : spatial_module {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return detail::conv_builder<Name, InC, OutC, K, Stride, Padding, Dilation, Bias, OneD>(x);
    }
};
}  // namespace layers

//! A 2d convolution over an image [InC, H, W], giving [OutC, OH, OW]: parameters `<index>.weight`
//! [OutC, InC, K, K] and `<index>.bias` [OutC]. torch: `torch.nn.Conv2d(InC, OutC, K, stride=Stride,
//! padding=Padding, dilation=Dilation, bias=Bias)`.
template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1, std::size_t Padding = 0,
          std::size_t Dilation = 1, bool Bias = true>
struct Conv2d : layers::convolution<InC, OutC, K, Stride, Padding, Dilation, Bias, false> {};

//! A 1d convolution over a signal [InC, L], giving [OutC, OL]: parameters `<index>.weight` [OutC,
//! InC, K] and `<index>.bias` [OutC]. torch: `torch.nn.Conv1d(InC, OutC, K, stride=Stride,
//! padding=Padding, dilation=Dilation, bias=Bias)`.
template <std::size_t InC, std::size_t OutC, std::size_t K, std::size_t Stride = 1, std::size_t Padding = 0,
          std::size_t Dilation = 1, bool Bias = true>
struct Conv1d : layers::convolution<InC, OutC, K, Stride, Padding, Dilation, Bias, true> {};

//! Max pooling of an image by K x K windows. torch: `torch.nn.MaxPool2d(K, Stride, Padding)`.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0>
struct MaxPool2d : layers::pooling<ops::max_pool, K, Stride, Padding, false> {};

//! Average pooling of an image by K x K windows (padding counted). torch: `torch.nn.AvgPool2d(K,
//! Stride, Padding)`.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0>
struct AvgPool2d : layers::pooling<ops::avg_pool, K, Stride, Padding, false> {};

//! Max pooling of a signal by windows of K. torch: `torch.nn.MaxPool1d(K, Stride, Padding)`.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0>
struct MaxPool1d : layers::pooling<ops::max_pool, K, Stride, Padding, true> {};

//! Average pooling of a signal by windows of K. torch: `torch.nn.AvgPool1d(K, Stride, Padding)`.
template <std::size_t K, std::size_t Stride = K, std::size_t Padding = 0>
struct AvgPool1d : layers::pooling<ops::avg_pool, K, Stride, Padding, true> {};

//! The mean of each channel of an image, [C, 1, 1]; only OutputSize 1. torch:
//! `torch.nn.AdaptiveAvgPool2d(1)`.
template <std::size_t OutputSize>
struct AdaptiveAvgPool2d : layers::spatial_module {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return adaptive_avg_pool2d<OutputSize>(x);
    }
};

//! An image or signal as a vector, in torch's C-major order. torch: `torch.nn.Flatten()`.
struct Flatten : layers::spatial_module {
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return flatten(x);
    }
};

//! A feature vector of C·H·W as an image [C, H, W] (or of C·L as a signal [C, L]). torch:
//! `torch.nn.Unflatten(1, (C, H, W))`.
template <std::size_t... Dims>
struct Unflatten : layers::module {
    static constexpr std::size_t in_features = shape<Dims...>::size;
    static constexpr std::size_t out_features = layers::computed_width;
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return view<Dims...>(x);
    }
};

}  // namespace TYPEGRAD_NS
