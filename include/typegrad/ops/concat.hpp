#pragma once
// Concatenation of two values along the feature dimension (torch.cat((a, b), dim=1) on a batch): the
// op behind two-branch models (`tg::concat_branches`). A header of its own, as it is neither
// elementwise nor a product: its VJP only routes each slice of the upstream gradient back to the
// operand it came from.
#include <cstddef>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

namespace detail {

//! The shape of a concatenation: vectors and scalars give a vector of both lengths; images and
//! signals of the same spatial extents give one of both channel counts (stored C-major, so that the
//! elements are a's followed by b's either way). `ok` is false for any other pair, whose type is
//! then a vector of both sizes, so that a faulty model goes on after its one message.
template <class SA, class SB>
struct joined {
    static constexpr bool ok = SA::rank <= 1 && SB::rank <= 1;
    using type = shape<SA::size + SB::size>;
};
template <std::size_t Ca, std::size_t Cb, std::size_t R0, std::size_t... Rs>
struct joined<shape<Ca, R0, Rs...>, shape<Cb, R0, Rs...>> {
    static constexpr bool ok = true;
    using type = shape<Ca + Cb, R0, Rs...>;
};

}  // namespace detail

namespace ops {

//! y = (a, b): a's elements, then b's. d/da = gy[0, |a|), d/db = gy[|a|, |a| + |b|).
struct concat : detail::adds_each_once {
    template <class SA, class SB>
    using result_shape = typename detail::joined<SA, SB>::type;

    template <class Y, class A, class B>
    static constexpr void forward(Y& y, const A& a, const B& b) {
        constexpr std::size_t na = detail::extent<A>, nb = detail::extent<B>;
        for (std::size_t i = 0; i < na; ++i)
            y[i] = a[i];
        for (std::size_t i = 0; i < nb; ++i)
            y[na + i] = b[i];
    }
    template <std::size_t I, class G, class GY, class Y, class A, class B>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const A&, const B&) {
        constexpr std::size_t offset = I == 0 ? 0 : detail::extent<A>;
        constexpr std::size_t n = I == 0 ? detail::extent<A> : detail::extent<B>;
        for (std::size_t i = 0; i < n; ++i)
            g[i] += gy[offset + i];
    }
};

}  // namespace ops

//! a's elements followed by b's: two vectors (a scalar counts as a vector of one) give a vector of
//! both lengths; two images [Ca, H, W] and [Cb, H, W] (signals [Ca, L], [Cb, L]) give [Ca + Cb, H,
//! W], the channels of a then those of b. torch: `torch.cat((a, b), dim=1)` on a batch.
template <Expression A, Expression B>
constexpr auto concat(A, B) {
    using SA = typename A::shape_type;
    using SB = typename B::shape_type;
    [[maybe_unused]] constexpr bool checked = error::check<detail::joined<SA, SB>::ok>(
        error::fault<error::concat_shape_mismatch<error::shaped<error::lhs, SA>, error::shaped<error::rhs, SB>>>);
    return node<ops::concat, A, B>{};
}

}  // namespace TYPEGRAD_NS
