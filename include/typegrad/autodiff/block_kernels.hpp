#pragma once
// Block kernels: code the sweep runs for one operand's gradient over a whole block of lanes at once,
// straight into that parameter's gradient, instead of the op's per-lane vjp. They are a matter of
// code generation, not of the op's maths, so they live here and not beside the op: an op states
// its shape rule, forward and VJP only, and `block_kernel<Op>` says whether the sweep has a faster
// way to reduce one of its VJPs over the lanes.
#include <cstddef>
#include <type_traits>

#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/outer.hpp>

namespace TYPEGRAD_NS::ops {
struct matvec;
}  // namespace TYPEGRAD_NS::ops

namespace TYPEGRAD_NS::autodiff {

//! The block kernel of op `Op`, if any: `wanted<I, V, OutSize, ArgSizes...>` says whether operand
//! I's gradient (a parameter's) is reduced over a block of lanes V by `run<I>(grad, valid, gy, y,
//! args...)`, which adds the sum over the lanes [0, valid) into the flat gradient `grad`. The
//! primary template has none.
template <class Op>
struct block_kernel {
    template <std::size_t I, class V, std::size_t OutSize, std::size_t... ArgSizes>
    static constexpr bool wanted = false;
};

//! Dense layers: the weight's gradient gy xᵀ over the block (detail/outer.hpp), when the lanes are
//! SIMD vectors and the layer is large enough for the transposition to pay.
template <>
struct block_kernel<ops::matvec> {
    template <std::size_t I, class V, std::size_t Out, std::size_t In, std::size_t>
    static constexpr bool wanted =
        I == 1 && detail::is_batch_v<V>&& detail::outer_block_pays<detail::lane_count<V>, Out, In>;

    template <std::size_t I, class T, class GY, class Y, class X, class W>
    static void run(T* g, std::size_t valid, const GY& gy, const Y&, const X& x, const W&) {
        using B = std::remove_cvref_t<decltype(gy[0])>;
        detail::outer_accumulate<detail::extent<Y>, detail::extent<X>, B>(g, valid, gy, x);
    }
};

}  // namespace TYPEGRAD_NS::autodiff
