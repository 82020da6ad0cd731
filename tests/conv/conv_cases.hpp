#pragma once
// One case per convolution and pooling op: a small scalar loss over the op's output, which meets a
// parameter `v` elementwise so that the op's vector-Jacobian product sees an upstream gradient other
// than all ones. Strides, padding and dilation vary so that windows overlap, skip and leave the input.
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/pool.hpp>
#include <typegrad/ops/reduce.hpp>

#include "ops/laws.hpp"

namespace typegrad_test::conv_cases {

// 2 channels of 5 x 4, and a signal of 2 channels of 7.
inline constexpr auto image = tg::view<2, 5, 4>(tg::input<"x", 40>);
inline constexpr auto signal = tg::view<2, 7>(tg::input<"x", 14>);
inline constexpr auto y = tg::target<"y">;

template <class E>
constexpr auto projected(E e) {
    using S = typename E::shape_type;
    return tg::mse(tg::dot(tg::flatten(e), tg::param<"v", S::size>), y);
}

struct conv2d : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"c", 2, 3, 3>(image));
};
struct conv2d_strided_padded : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"c", 2, 2, 2, 2, 1>(image));
};
struct conv2d_dilated_no_bias : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"c", 2, 2, 2, 1, 1, 2, false>(image));
};
struct conv1d : case_defaults {
    static constexpr auto loss = projected(tg::conv1d<"c", 2, 3, 3, 2, 1>(signal));
};
// Eight input channels and nine outputs: the convolution's blocks of 8 channels (forward and weight
// gradient over the outputs, input gradient over the inputs) and the output left over after them.
// Not in TYPEGRAD_CONV_CASES: laws_test.cpp runs its laws itself (see there).
inline constexpr auto deep_image = tg::view<8, 3, 3>(tg::input<"x", 72>);
struct conv2d_channel_blocks : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"c", 8, 9, 3, 1, 1>(deep_image));
};
// The convolution copies a small image into a frame of zeros as wide as its padding (at most 1024
// elements a sample); a larger one, and an input gradient whose padding is wider than the kernel's
// span, take the loops that test each tap instead. One channel of 33 x 33 is 1089 (a stride of 3
// keeps the output, and the float sums over it, small).
inline constexpr auto large_image = tg::view<1, 33, 33>(tg::input<"x", 1089>);
struct conv2d_unframed : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"c", 1, 2, 3, 3, 0>(large_image));
};
struct conv2d_padding_past_span : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"c", 2, 2, 2, 1, 2>(image));
};
struct conv_stack : case_defaults {
    static constexpr auto loss = projected(tg::conv2d<"d", 3, 2, 2>(tg::conv2d<"c", 2, 3, 2, 1, 1>(image)));
};
// Pools take their input from a convolution, so that their gradient reaches a parameter.
inline constexpr auto conv_image = tg::conv2d<"c", 2, 2, 1, 1, 0>(image);
inline constexpr auto conv_signal = tg::conv1d<"c", 2, 2, 1>(signal);
struct max_pool2d : case_defaults {
    static constexpr auto loss = projected(tg::max_pool2d<2>(conv_image));
};
struct max_pool2d_overlapping_padded : case_defaults {
    static constexpr auto loss = projected(tg::max_pool2d<3, 2, 1>(conv_image));
};
struct avg_pool2d : case_defaults {
    static constexpr auto loss = projected(tg::avg_pool2d<2>(conv_image));
};
struct avg_pool2d_overlapping_padded : case_defaults {
    static constexpr auto loss = projected(tg::avg_pool2d<3, 2, 1>(conv_image));
};
struct max_pool1d : case_defaults {
    static constexpr auto loss = projected(tg::max_pool1d<3, 2, 1>(conv_signal));
};
struct avg_pool1d : case_defaults {
    static constexpr auto loss = projected(tg::avg_pool1d<2>(conv_signal));
};
struct adaptive_avg_pool2d : case_defaults {
    static constexpr auto loss = projected(tg::adaptive_avg_pool2d<1>(conv_image));
};

}  // namespace typegrad_test::conv_cases

#define TYPEGRAD_CONV_CASES                                                                                        \
    conv_cases::conv2d, conv_cases::conv2d_strided_padded, conv_cases::conv2d_dilated_no_bias, conv_cases::conv1d, \
        conv_cases::conv2d_unframed, conv_cases::conv2d_padding_past_span, conv_cases::conv_stack,                 \
        conv_cases::max_pool2d, conv_cases::max_pool2d_overlapping_padded, conv_cases::avg_pool2d,                 \
        conv_cases::avg_pool2d_overlapping_padded, conv_cases::max_pool1d, conv_cases::avg_pool1d,                 \
        conv_cases::adaptive_avg_pool2d
