#pragma once
// Broadcasts: one number to every lane of a vector. On x86 before AVX (SSE2 to SSE4.2, the
// baseline of a portable binary) a broadcast from memory is a load and a shuffle, and instructions
// overwrite one of their operands; AVX broadcasts as it loads. There a dense layer's input VJP
// loads its weights as vectors and broadcasts the lanes of a vector already in a register, each
// broadcast used for several vectors (ops/linalg.hpp), and the kernels' register tiles leave room
// for a product (detail/outer.hpp).
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::detail {

//! Whether lanes V broadcast a number with a shuffle of their own, and take two-operand
//! instructions (a product needs a register of its own): x86 before AVX.
template <class V>
inline constexpr bool broadcast_shuffles = false;
template <class T, class A>
inline constexpr bool broadcast_shuffles<xsimd::batch<T, A>> = std::is_base_of_v<xsimd::sse2, A>;

namespace broadcast_detail {
template <std::size_t S>
struct lane {
    static constexpr std::size_t get(std::size_t, std::size_t) { return S; }
};
}  // namespace broadcast_detail

//! Every lane of the result is lane S of b: one shuffle within the register.
template <std::size_t S, class B>
inline B broadcast_lane(const B& b) {
    using index = xsimd::batch<std::conditional_t<sizeof(typename B::value_type) == 4, std::uint32_t, std::uint64_t>,
                               typename B::arch_type>;
    return xsimd::swizzle(b, xsimd::make_batch_constant<index, broadcast_detail::lane<S>>());
}

//! Whether a matrix operand is read from a parameter's flat values (`broadcast_view`): its rows
//! can be loaded as vectors.
template <class W>
inline constexpr bool flat_rows = requires(const W& w) {
    w.scalar(0);
};

}  // namespace TYPEGRAD_NS::detail
