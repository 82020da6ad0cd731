// A convolution whose kernel is larger than its input plus padding (a 5x5 kernel on a 1x4x4 image).
// expect: typegrad: conv / pool: the kernel \(its span dilation·\(K-1\)\+1\) is larger than the input plus its padding
// expect: kernel_larger_than_input<typegrad::error::kernel_size<5>, typegrad::error::dilation<1>, typegrad::error::padding<0>, typegrad::error::input<1, 4, 4> ?>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 16>;
#ifndef TYPEGRAD_COMPILE_FAIL
using model = tg::sequential<tg::Unflatten<1, 4, 4>, tg::Conv2d<1, 2, 5, 1, 1>, tg::Flatten>;
#else
using model = tg::sequential<tg::Unflatten<1, 4, 4>, tg::Conv2d<1, 2, 5>, tg::Flatten>;
#endif
[[maybe_unused]] constexpr auto prediction = model{}(x);
