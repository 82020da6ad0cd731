#pragma once
// Elementwise maximum and minimum of two expressions, with scalar broadcast (torch.maximum,
// torch.minimum): NaN propagates, and on a tie each operand receives half of the gradient, as
// torch 1.13's `where(self == other, grad / 2, grad).masked_fill_(self < other, 0)`.
#include <typegrad/core/elementwise.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {
namespace ops {

//! max(a, b), NaN if either is NaN.  d/da = 1 where a > b, 1/2 where a == b, 0 where a < b (and 1
//! when a comparison involves NaN, as torch); d/db mirrors it.
struct maximum : detail::binary_elementwise<maximum> {
    static constexpr auto f(const auto& a, const auto& b) {
        // Neither comparison holds for NaN, and then a + b is NaN.
        return detail::select(a < b, b, detail::select(b <= a, a, a + b));
    }
    static constexpr auto da(const auto& a, const auto& b, const auto&) { return share(a, b); }
    static constexpr auto db(const auto& a, const auto& b, const auto&) { return share(b, a); }

    //! The share of the gradient that goes to `mine` when the larger of `mine` and `other` is taken.
    template <class V>
    static constexpr V share(const V& mine, const V& other) {
        return detail::select(mine < other, V(0), detail::select(mine == other, V(0.5), V(1)));
    }
};

//! min(a, b), NaN if either is NaN.  d/da = 1 where a < b, 1/2 where a == b, 0 where a > b (and 1
//! when a comparison involves NaN, as torch); d/db mirrors it.
struct minimum : detail::binary_elementwise<minimum> {
    static constexpr auto f(const auto& a, const auto& b) {
        return detail::select(b < a, b, detail::select(a <= b, a, a + b));
    }
    static constexpr auto da(const auto& a, const auto& b, const auto&) { return maximum::share(b, a); }
    static constexpr auto db(const auto& a, const auto& b, const auto&) { return maximum::share(a, b); }
};

}  // namespace ops

//! Elementwise maximum of two expressions of equal shapes, or of an expression and a scalar
//! (`tg::max(x, 0_c)`). torch: `torch.maximum(a, b)`.
template <Expression A, Expression B>
constexpr auto max(A, B) {
    [[maybe_unused]] constexpr bool checked = detail::check_elementwise<A, B>();
    return node<ops::maximum, A, B>{};
}
//! Elementwise minimum of two expressions of equal shapes, or of an expression and a scalar.
//! torch: `torch.minimum(a, b)`.
template <Expression A, Expression B>
constexpr auto min(A, B) {
    [[maybe_unused]] constexpr bool checked = detail::check_elementwise<A, B>();
    return node<ops::minimum, A, B>{};
}

}  // namespace TYPEGRAD_NS
