#pragma once
// Dropout, the first op whose result depends on training or evaluation (core/mode.hpp). In
// training each element is kept with probability 1 - p and scaled by 1 / (1 - p), else zeroed; in
// evaluation it is the identity. torch 1.13 on the CPU (`_dropout_impl`): noise =
// bernoulli(1 - p) / (1 - p), output = input · noise, d/dinput = noise; p = 0 and evaluation
// return the input itself, p = 1 multiplies by zero (so inf becomes NaN, and the gradient is 0).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/mode.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

namespace ops {

//! Dropout with the probability p = bit_cast<double>(PBits) in (0, 1] (p = 0 is no node at all).
//! Its saved buffer holds the noise of the last forward sweep: 1 / (1 - p) or 0 per element in
//! training, 1 in evaluation; y = x · noise and d/dx = noise.
template <std::uint64_t PBits>
struct dropout : detail::adds_each_once {
    static constexpr double p = std::bit_cast<double>(PBits);
    static constexpr bool mode_dependent = true;
    template <class S>
    using result_shape = S;
    template <class V, std::size_t N>
    using saved = detail::lanes<V, N>;

    template <class Noise, class Y, class A>
    static constexpr void forward(const mode_view& mode, Noise& noise, Y& y, const A& a) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        if (!mode.training()) {
            for (std::size_t i = 0; i < detail::extent<Y>; ++i) {
                noise[i] = V(1);
                y[i] = a[i];
            }
            return;
        }
        using T = detail::scalar_of_t<V>;
        constexpr std::size_t L = detail::lane_count<V>;
        // torch: bernoulli_(1 - p) then div_(1 - p), the divisor a double rounded to T.
        const T scale = T(1) / static_cast<T>(1.0 - p);
        constexpr std::uint64_t keep_below = detail::threshold53(1.0 - p);
        const mode_state& s = *mode.state;
        std::uint64_t stream[L];
        for (std::size_t l = 0; l < L; ++l)
            stream[l] = detail::counter_stream(s.seed, s.step, mode.site, mode.rows[l]);
        // The element loop, with whether lane l keeps element i decided by `kept(i, l)`: the test
        // hook and the generator each get a loop of their own, no branch on the hook per element.
        const auto fill = [&](auto kept) {
            alignas(64) T lane_noise[L];
            for (std::size_t i = 0; i < detail::extent<Y>; ++i) {
                for (std::size_t l = 0; l < L; ++l)
                    lane_noise[l] = kept(i, l) ? scale : T(0);
                if constexpr (detail::is_batch_v<V>)
                    noise[i] = V::load_aligned(lane_noise);
                else
                    noise[i] = lane_noise[0];
                y[i] = a[i] * noise[i];
            }
        };
        if (s.keep)
            fill([&](std::size_t i, std::size_t l) { return s.keep(s.keep_context, mode.site, mode.rows[l], i); });
        else
            fill([&](std::size_t i, std::size_t l) { return detail::counter_uniform53(stream[l], i) < keep_below; });
    }
    template <std::size_t I, class Noise, class GA, class GY, class Y, class A>
    static constexpr void vjp(const Noise& noise, GA& ga, const GY& gy, const Y&, const A&) {
        for (std::size_t i = 0; i < detail::extent<Y>; ++i)
            ga[i] += gy[i] * noise[i];
    }
};

}  // namespace ops

namespace detail {
//! torch's default: `nn.Dropout(p=0.5)`.
using default_dropout_p = constant_leaf<std::bit_cast<std::uint64_t>(0.5)>;

template <class P>
constexpr bool dropout_p_in_range() {
    if constexpr (ConstantLeaf<P>)
        return P::value >= 0.0 && P::value <= 1.0;
    else
        return true;  // reported as not a constant
}
}  // namespace detail

//! Dropout with the compile-time constant probability p (default 0.5): in training (the trainer's
//! backward()) each element is zeroed with probability p and the others scaled by 1 / (1 - p); in
//! evaluation (loss(), predict, input_gradient, export_header) the identity. p = 0 gives x itself.
//! Same shape as x. torch: `F.dropout(x, p, training)`.
template <Expression A, class P = detail::default_dropout_p>
constexpr auto dropout(A, P = {}) {
    constexpr bool constant = error::check<ConstantLeaf<P>>(error::fault<error::dropout_probability_is_not_a_constant>);
    constexpr bool in_range =
        error::check<detail::dropout_p_in_range<P>()>(error::fault<error::dropout_probability_out_of_range>);
    if constexpr (constant && in_range) {
        if constexpr (P::value == 0.0)
            return A{};
        else
            return node<ops::dropout<std::bit_cast<std::uint64_t>(P::value)>, A>{};
    } else {
        return error::stand_in<typename A::shape_type>{};
    }
}

}  // namespace TYPEGRAD_NS
