#pragma once
// Losses of one sample; the trainer takes their mean over the batch, so each loss here is torch's
// with its default reduction "mean". Regression losses take a prediction and a `tg::target` of as
// many elements and average over the elements; classification losses (nll, cross_entropy) take a
// vector of K scores and a `tg::class_target<"y", K>`.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>

namespace TYPEGRAD_NS {
namespace ops {

//! Huber's function of a difference d with the constant δ = bit_cast<double>(Bits) > 0:
//! d²/2 for |d| < δ, else δ (|d| - δ/2).  d/dd = clamp(d, -δ, δ), as torch's `huber_loss_backward`.
template <std::uint64_t Bits>
struct huber : detail::unary_elementwise<huber<Bits>> {
    static constexpr double delta = std::bit_cast<double>(Bits);

    static constexpr auto f(const auto& d) {
        using V = value_t<decltype(d)>;
        const V ad = detail::abs(V(d)), k = detail::splat<V>(delta);
        return detail::select(ad < k, V(0.5) * d * d, k * (ad - V(0.5) * k));
    }
    static constexpr auto df(const auto& d, const auto&) {
        using V = value_t<decltype(d)>;
        const V k = detail::splat<V>(delta);
        return detail::select(V(d) < -k, -k, detail::select(V(d) > k, k, V(d)));
    }
};

//! Smooth L1 of a difference d with the constant β = bit_cast<double>(Bits) >= 0: d²/(2β) for
//! |d| < β, else |d| - β/2 (|d| for β = 0).  d/dd = -1 for d <= -β, 1 for d >= β, d/β between,
//! as torch's `smooth_l1_backward`; so for β = 0 the derivative at d = 0 is -1 (torch's value),
//! where l1 gives 0.
template <std::uint64_t Bits>
struct smooth_l1 : detail::unary_elementwise<smooth_l1<Bits>> {
    static constexpr double beta = std::bit_cast<double>(Bits);

    static constexpr auto f(const auto& d) {
        using V = value_t<decltype(d)>;
        const V ad = detail::abs(V(d));
        if constexpr (beta == 0) {
            return ad;
        } else {
            const V b = detail::splat<V>(beta);
            return detail::select(ad < b, V(0.5) * d * d / b, ad - V(0.5) * b);
        }
    }
    static constexpr auto df(const auto& d, const auto&) {
        using V = value_t<decltype(d)>;
        if constexpr (beta == 0) {
            return detail::select(V(d) <= V(0), V(-1), V(1));
        } else {
            const V b = detail::splat<V>(beta);
            return detail::select(V(d) <= -b, V(-1), detail::select(V(d) >= b, V(1), V(d) / b));
        }
    }
};

//! Binary cross-entropy of a logit z against a target y in [0, 1], computed without overflow as
//! max(z, 0) - z y + log1p(e^-|z|).  d/dz = sigmoid(z) - y, d/dy = -z (torch's
//! `binary_cross_entropy_with_logits` backward for both).
struct bce_with_logits : detail::binary_elementwise<bce_with_logits> {
    static constexpr auto f(const auto& z, const auto& y) {
        using V = value_t<decltype(z)>;
        return detail::max(V(z), V(0)) - z * y + detail::log1p(detail::exp(V(-detail::abs(V(z)))));
    }
    static constexpr auto da(const auto& z, const auto& y, const auto&) { return sigmoid::f(z) - y; }
    static constexpr auto db(const auto& z, const auto&, const auto&) { return -z; }
};

//! -p[c] for log-probabilities p [K] and a class index c → scalar.  d/dp = -gy at the class, 0
//! elsewhere. A c that is no class in [0, K) gives NaN (torch raises), so a bad label shows in the
//! loss rather than training silently on nothing.
struct nll : detail::adds_each_once {
    template <class SP, class SC>
    using result_shape = scalar_shape;

    template <class Y, class P, class C>
    static constexpr void forward(Y& y, const P& p, const C& c) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        const V cls = c[0];
        V picked = detail::splat<V>(std::numeric_limits<double>::quiet_NaN());
        for (std::size_t k = 0; k < detail::extent<P>; ++k)
            picked = detail::select(cls == detail::splat<V>(static_cast<double>(k)), V(p[k]), picked);
        y[0] = -picked;
    }
    template <std::size_t I, class G, class GY, class Y, class P, class C>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const P&, const C& c) {
        static_assert(I == 0, "a class target carries no gradient");
        using V = std::remove_cvref_t<decltype(gy[0])>;
        const V cls = c[0], minus_gy = -gy[0];
        for (std::size_t k = 0; k < detail::extent<G>; ++k)
            g[k] += detail::select(cls == detail::splat<V>(static_cast<double>(k)), minus_gy, V(0));
    }
};

}  // namespace ops

namespace detail {

template <class E>
struct class_count;
template <ClassTarget E>
struct class_count<E> {
    using type = error::classes<E::classes>;
};

//! Checks the operands of a regression loss: no class target, and as many prediction elements as
//! target elements. Returns whether they are fine.
template <Expression P, Expression Y>
constexpr bool check_loss_operands() {
    if constexpr (ClassTarget<Y> || ClassTarget<P>) {
        using classes = typename class_count<std::conditional_t<ClassTarget<Y>, Y, P>>::type;
        return error::check<false>(error::fault<error::class_target_in_a_regression_loss<classes>>);
    } else {
        using SP = typename P::shape_type;
        using SY = typename Y::shape_type;
        return error::check<SP::size == SY::size>(
            error::fault<
                error::loss_shape_mismatch<error::shaped<error::prediction, SP>, error::shaped<error::target, SY>>>);
    }
}

//! Checks the operands of a classification loss: a class target with K classes, and a vector of K
//! scores. Returns whether they are fine.
template <Expression P, Expression Y>
constexpr bool check_class_loss_operands() {
    if constexpr (ClassTarget<Y>) {
        using SP = typename P::shape_type;
        return error::check < SP::rank == 1 &&
               SP::size == Y::classes > (error::fault<error::class_count_mismatch<error::shaped<error::prediction, SP>,
                                                                                  error::classes<Y::classes>>>);
    } else {
        return error::check<false>(
            error::fault<error::target_is_not_a_class_target<error::shaped<error::target, typename Y::shape_type>>>);
    }
}

using one = std::remove_cv_t<decltype(constant<1>)>;

}  // namespace detail

//! Mean squared error of one sample, mean((p - y)²) over its elements; the trainer averages it over
//! the batch, so the whole is torch's `F.mse_loss(p, y)` (reduction "mean").
template <Expression P, Expression Y>
constexpr auto mse(P p, Y y) {
    if constexpr (detail::check_loss_operands<P, Y>())
        return mean(square(p - y));
    else
        return error::stand_in<scalar_shape>{};
}

//! Mean absolute error, mean(|p - y|) over the elements. torch: `F.l1_loss(p, y)`. The gradient at
//! p == y is 0 (torch's sgn(0)).
template <Expression P, Expression Y>
constexpr auto l1(P p, Y y) {
    if constexpr (detail::check_loss_operands<P, Y>())
        return mean(abs(p - y));
    else
        return error::stand_in<scalar_shape>{};
}

//! Huber loss with the constant threshold δ > 0 (default 1): mean over the elements of d²/2 for
//! |d| < δ, δ (|d| - δ/2) beyond, d = p - y. `tg::huber(p, y, 0.5_c)`. torch: `F.huber_loss(p, y, delta=δ)`.
template <Expression P, Expression Y, Expression Delta = detail::one>
constexpr auto huber(P p, Y y, Delta = {}) {
    constexpr bool constant = error::check<ConstantLeaf<Delta>>(error::fault<error::huber_delta_is_not_a_constant>);
    if constexpr (constant && detail::check_loss_operands<P, Y>()) {
        [[maybe_unused]] constexpr bool checked =
            error::check<(Delta::value > 0)>(error::fault<error::huber_delta_is_not_positive>);
        return mean(node<ops::huber<detail::bits_of<Delta>>, decltype(p - y)>{});
    } else {
        return error::stand_in<scalar_shape>{};
    }
}

//! Smooth L1 loss with the constant β >= 0 (default 1): mean over the elements of d²/(2β) for
//! |d| < β, |d| - β/2 beyond, d = p - y. `tg::smooth_l1(p, y, 0.5_c)`. torch: `F.smooth_l1_loss(p, y, beta=β)`.
template <Expression P, Expression Y, Expression Beta = detail::one>
constexpr auto smooth_l1(P p, Y y, Beta = {}) {
    constexpr bool constant = error::check<ConstantLeaf<Beta>>(error::fault<error::smooth_l1_beta_is_not_a_constant>);
    if constexpr (constant && detail::check_loss_operands<P, Y>()) {
        [[maybe_unused]] constexpr bool checked =
            error::check<(Beta::value >= 0)>(error::fault<error::smooth_l1_beta_is_negative>);
        return mean(node<ops::smooth_l1<detail::bits_of<Beta>>, decltype(p - y)>{});
    } else {
        return error::stand_in<scalar_shape>{};
    }
}

//! Binary cross-entropy of logits z against targets y in [0, 1], mean over the elements; finite for
//! any finite logit. torch: `F.binary_cross_entropy_with_logits(z, y)`.
template <Expression Z, Expression Y>
constexpr auto bce_with_logits(Z, Y) {
    if constexpr (detail::check_loss_operands<Z, Y>())
        return mean(node<ops::bce_with_logits, Z, Y>{});
    else
        return error::stand_in<scalar_shape>{};
}

//! Negative log-likelihood -p[y] of log-probabilities p [K] (e.g. `tg::log_softmax(logits)`) and a
//! class target `tg::class_target<"y", K>`. torch: `F.nll_loss(p, y)`.
template <Expression P, Expression Y>
constexpr auto nll(P, Y) {
    if constexpr (detail::check_class_loss_operands<P, Y>())
        return node<ops::nll, P, Y>{};
    else
        return error::stand_in<scalar_shape>{};
}

//! Cross-entropy of unnormalised scores (logits) [K] and a class target `tg::class_target<"y", K>`:
//! logsumexp(logits) - logits[y], finite for any finite logits. torch: `F.cross_entropy(logits, y)`.
template <Expression L, Expression Y>
constexpr auto cross_entropy(L logits, Y y) {
    if constexpr (detail::check_class_loss_operands<L, Y>())
        return nll(log_softmax(logits), y);
    else
        return error::stand_in<scalar_shape>{};
}

}  // namespace TYPEGRAD_NS
