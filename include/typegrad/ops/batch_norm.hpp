#pragma once
// Batch normalisation (torch.nn.BatchNorm1d / BatchNorm2d): each channel normalised by statistics
// over the whole batch in training, and by running statistics in evaluation. A file of its own
// because it is the one batch-level op: in training its forward reads every sample of the batch,
// so the sweep runs it once over all the blocks of a batch (autodiff/batch.hpp), not a lane at a
// time; in evaluation it is an ordinary per-sample op. It keeps a buffer of its own next to the
// parameters (running mean, running variance, batches tracked), which no optimiser moves.
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>
#include <typegrad/ops/norm.hpp>

namespace TYPEGRAD_NS {

namespace detail {

//! torch's defaults of `nn.BatchNorm1d` / `nn.BatchNorm2d`: eps 1e-5, momentum 0.1.
using default_batch_norm_eps = constant_leaf<std::bit_cast<std::uint64_t>(1e-5)>;
using default_batch_norm_momentum = constant_leaf<std::bit_cast<std::uint64_t>(0.1)>;

//! torch's error for a training batch with one value per channel, out of line (one copy).
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_one_value_per_channel(std::size_t channels,
                                                                              std::size_t spatial) {
    std::string size = cat({"[1, ", decimal(channels)});
    if (spatial > 1)
        size += cat({", ", decimal(spatial)});
    raise(std::invalid_argument(
        cat({"typegrad: batch_norm: Expected more than 1 value per channel when training, got input size ", size,
             "] (a batch of one sample: train with batches of 2 or more)"})));
}

//! The lanes of one lane value as an array (xsimd batch, or a scalar lane).
template <class V, class T>
inline void store_lanes(const V& v, T* out) {
    if constexpr (is_batch_v<V>)
        v.store_aligned(out);
    else
        out[0] = v;
}

}  // namespace detail

namespace ops {

//! Batch normalisation of C channels of S elements each (the input's shape is [C] or [C, ...] with
//! S the product of the trailing extents), eps = bit_cast<double>(EpsBits), momentum =
//! bit_cast<double>(MomentumBits); operands (x, weight, bias), weight and bias of C elements.
//!
//! Training (the batch of n samples, m = n S values per channel): x̂ = (x - mean) · invstd, invstd =
//! 1 / √(var + eps), mean and the biased var over the batch; y = x̂ weight + bias. The running
//! statistics move: running = (1 - momentum) running + momentum · batch, the variance unbiased
//! (m / (m - 1)); batches tracked + 1. d/dx, with g = gy weight: dx = invstd (g - mean(g) - x̂
//! mean(g x̂)) (the batch couples); d/dweight = Σ gy x̂, d/dbias = Σ gy, over batch and spatial.
//!
//! Evaluation: the same with the running statistics in place of the batch's, a per-sample affine
//! map: dx = gy weight invstd.
//!
//! The buffer (buffer_size elements after the parameters' values): running_mean [C], running_var
//! [C], num_batches_tracked (one element, counted in T).
template <std::size_t C, std::size_t S, std::uint64_t EpsBits, std::uint64_t MomentumBits>
struct batch_norm : detail::affine_normalisation {
    static constexpr double eps = std::bit_cast<double>(EpsBits);
    static constexpr double momentum = std::bit_cast<double>(MomentumBits);
    static constexpr std::size_t channels = C, spatial = S;
    static constexpr bool batch_level = true;
    static constexpr std::size_t buffer_size = 2 * C + 1;
    //! The initial value of buffer element k: running_mean 0, running_var 1, num_batches_tracked 0.
    static constexpr double initial_buffer(std::size_t k) { return k >= C && k < 2 * C ? 1.0 : 0.0; }

    //! Evaluation, one sample per lane: `running` is the buffer seen from the lanes.
    template <class R, class Y, class X, class W, class B>
    static constexpr void forward(const R& running, Y& y, const X& x, const W& w, const B& b) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        for (std::size_t c = 0; c < C; ++c) {
            // torch's CPU kernel: alpha = invstd · weight, beta = bias - mean · alpha, y = x alpha + beta.
            const V invstd = V(1) / detail::sqrt(V(V(running[C + c]) + detail::splat<V>(eps)));
            const V alpha = invstd * V(w[c]);
            const V beta = V(b[c]) - V(running[c]) * alpha;
            for (std::size_t s = 0; s < S; ++s)
                y[c * S + s] = V(x[c * S + s]) * alpha + beta;
        }
    }
    template <std::size_t I, class R, class GA, class GY, class Y, class X, class W, class B>
    static constexpr void vjp(const R& running, GA& ga, const GY& gy, const Y&, const X& x, const W& w, const B&) {
        using V = std::remove_cvref_t<decltype(gy[0])>;
        for (std::size_t c = 0; c < C; ++c) {
            const V invstd = V(1) / detail::sqrt(V(V(running[C + c]) + detail::splat<V>(eps)));
            if constexpr (I == 0) {
                const V alpha = invstd * V(w[c]);
                for (std::size_t s = 0; s < S; ++s)
                    ga[c * S + s] += V(gy[c * S + s]) * alpha;
            } else if constexpr (I == 1) {
                V acc = V(gy[c * S]) * V(V(V(x[c * S]) - V(running[c])) * invstd);
                for (std::size_t s = 1; s < S; ++s)
                    acc = detail::fma(V(gy[c * S + s]), V(V(V(x[c * S + s]) - V(running[c])) * invstd), acc);
                ga[c] += acc;
            } else {
                V acc = gy[c * S];
                for (std::size_t s = 1; s < S; ++s)
                    acc += gy[c * S + s];
                ga[c] += acc;
            }
        }
    }

    //! What a training forward keeps for its vjp: the batch's mean and invstd per channel.
    template <class T>
    struct statistics {
        std::array<T, C> mean{}, invstd{};
    };

    //! Throws torch's error when a channel would have a single value: one sample and S = 1.
    static void check_batch(std::size_t samples) {
        if (samples * S <= 1)
            detail::fail_one_value_per_channel(C, S);
    }

    //! Training forward over a batch held in blocks of lanes: `blocks.size()` blocks, block k with
    //! `blocks.valid(k)` samples in its first lanes, its operand `blocks.x(k)` and result
    //! `blocks.y(k)`. Sums in double, in block, element, lane order (torch accumulates in double
    //! too). `buffer` (null: left alone) is updated as torch updates its running statistics.
    template <class T, class Blocks>
    static void forward_batch(statistics<T>& st, T* buffer, const T* w, const T* b, Blocks& blocks) {
        using V = std::remove_cvref_t<decltype(blocks.y(0)[0])>;
        constexpr std::size_t L = detail::lane_count<V>;
        std::size_t samples = 0;
        for (std::size_t k = 0; k < blocks.size(); ++k)
            samples += blocks.valid(k);
        check_batch(samples);
        const std::size_t m = samples * S;
        alignas(64) T tmp[L];
        const auto channel_sum = [&](std::size_t c, auto term) {
            double sum = 0;
            for (std::size_t k = 0; k < blocks.size(); ++k)
                for (std::size_t s = 0; s < S; ++s) {
                    detail::store_lanes(blocks.x(k)[c * S + s], tmp);
                    for (std::size_t l = 0; l < blocks.valid(k); ++l)
                        sum += term(tmp[l]);
                }
            return sum;
        };
        const T mom = static_cast<T>(momentum);
        for (std::size_t c = 0; c < C; ++c) {
            // torch 1.13 (batch_norm_cpu_collect_stats, batch_norm_cpu_update_stats_template): the
            // mean rounded to T, the squared differences in T summed in double, the sum rounded to T.
            const T mean =
                static_cast<T>(channel_sum(c, [](T v) { return static_cast<double>(v); }) / static_cast<double>(m));
            const T var_sum = static_cast<T>(channel_sum(c, [&](T v) {
                const T d = v - mean;
                return static_cast<double>(d * d);
            }));
            st.mean[c] = mean;
            st.invstd[c] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(var_sum / static_cast<T>(m)) + eps));
            if (buffer) {
                buffer[c] = mom * mean + (T(1) - mom) * buffer[c];
                const double unbiased = static_cast<double>(var_sum / static_cast<T>(m - 1));
                buffer[C + c] = static_cast<T>(static_cast<double>(mom) * unbiased +
                                               static_cast<double>((T(1) - mom) * buffer[C + c]));
            }
            const T alpha = st.invstd[c] * w[c];
            const T beta = b[c] - mean * alpha;
            for (std::size_t k = 0; k < blocks.size(); ++k) {
                auto& in = blocks.x(k);
                auto& out = blocks.y(k);
                for (std::size_t s = 0; s < S; ++s)
                    out[c * S + s] = V(in[c * S + s]) * V(alpha) + V(beta);
            }
        }
        if (buffer)
            buffer[2 * C] += T(1);
    }

    //! Training vjp over the blocks of a batch: `blocks.gy(k)` the result's adjoint, and
    //! `blocks.add_dx(k, i, v)` to add v into element i of x's adjoint (zero on padded lanes). Adds
    //! d/dweight and d/dbias into gw and gb (either null: not needed).
    template <class T, class Blocks>
    static void vjp_batch(const statistics<T>& st, const T* w, T* gw, T* gb, Blocks& blocks) {
        using V = std::remove_cvref_t<decltype(blocks.y(0)[0])>;
        constexpr std::size_t L = detail::lane_count<V>;
        std::size_t samples = 0;
        for (std::size_t k = 0; k < blocks.size(); ++k)
            samples += blocks.valid(k);
        const std::size_t m = samples * S;
        alignas(64) T xs[L], gs[L];
        for (std::size_t c = 0; c < C; ++c) {
            const T mean = st.mean[c], invstd = st.invstd[c];
            double sum = 0, dotp = 0;
            for (std::size_t k = 0; k < blocks.size(); ++k)
                for (std::size_t s = 0; s < S; ++s) {
                    detail::store_lanes(blocks.x(k)[c * S + s], xs);
                    detail::store_lanes(blocks.gy(k)[c * S + s], gs);
                    for (std::size_t l = 0; l < blocks.valid(k); ++l) {
                        sum += static_cast<double>(gs[l]);
                        dotp += static_cast<double>((xs[l] - mean) * gs[l]);
                    }
                }
            if (gw)
                gw[c] += static_cast<T>(dotp * static_cast<double>(invstd));
            if (gb)
                gb[c] += static_cast<T>(sum);
            // torch 1.13 (batch_norm_cpu_backward_contiguous_impl): k and the mean of gy in T,
            // dx = (gy - mean(gy) - (x - mean) k) · invstd · weight.
            const T k_c = static_cast<T>(dotp) * invstd * invstd / static_cast<T>(m);
            const T grad_mean = static_cast<T>(sum / static_cast<double>(m));
            for (std::size_t k = 0; k < blocks.size(); ++k) {
                auto& in = blocks.x(k);
                auto& gy = blocks.gy(k);
                for (std::size_t s = 0; s < S; ++s) {
                    const V dx =
                        (V(gy[c * S + s]) - V(grad_mean) - (V(in[c * S + s]) - V(mean)) * V(k_c)) * V(invstd) * V(w[c]);
                    blocks.add_dx(k, c * S + s, dx);
                }
            }
        }
    }
};

}  // namespace ops

namespace detail {

//! Whether x's shape is [C] or [C, ...] with rank in [MinRank, MaxRank].
template <std::size_t C, std::size_t MinRank, std::size_t MaxRank, class SX>
constexpr bool batch_norm_fits() {
    return []<std::size_t... D>(shape<D...>*) {
        constexpr std::size_t rank = sizeof...(D);
        if constexpr (rank == 0)
            return false;
        else
            return rank >= MinRank && rank <= MaxRank && std::array<std::size_t, rank>{D...}[0] == C;
    }
    (static_cast<SX*>(nullptr));
}

template <fixed_string Name, std::size_t C, std::size_t MinRank, std::size_t MaxRank, class Eps, class Momentum,
          Expression X>
constexpr auto batch_norm_builder(X) {
    using SX = typename X::shape_type;
    constexpr bool constants = error::check < ConstantLeaf<Eps> &&
                               ConstantLeaf < Momentum >> (error::fault<error::batch_norm_option_is_not_a_constant>);
    constexpr bool fits = batch_norm_fits<C, MinRank, MaxRank, SX>();
    [[maybe_unused]] constexpr bool checked = error::check<fits>(
        error::fault<error::batch_norm_shape_mismatch<error::num_features<C>, error::shaped<error::input, SX>>>);
    if constexpr (!constants || !fits) {
        return error::stand_in<SX>{};
    } else {
        using op = ops::batch_norm<C, SX::size / C, std::bit_cast<std::uint64_t>(Eps::value),
                                   std::bit_cast<std::uint64_t>(Momentum::value)>;
        return node<op, X, param_leaf<Name + fixed_string(".weight"), shape<C>>,
                    param_leaf<Name + fixed_string(".bias"), shape<C>>>{};
    }
}

}  // namespace detail

//! Batch normalisation of x [C] or [C, ...] (features, or channels with their positions), C =
//! Features: y = (x - mean) / √(var + eps) · weight + bias per channel, mean and biased variance
//! over the batch's samples (and positions) in training (the trainer's backward()), the running
//! statistics in evaluation (loss(), predict, ...). Parameters `Name.weight`, `Name.bias` [C]
//! (torch's initial 1 and 0); buffers `Name.running_mean` (0), `Name.running_var` (1),
//! `Name.num_batches_tracked` (0), moved by training with momentum, never by an optimiser. eps and
//! momentum compile-time constants (defaults 1e-5, 0.1): `tg::batch_norm<"bn", 8>(x)`,
//! `tg::batch_norm<"bn", 8>(x, 1e-3_c, 0.01_c)`. torch: `nn.BatchNorm1d(8)` on (N, 8) or (N, 8, L),
//! `nn.BatchNorm2d(8)` on (N, 8, H, W).
template <fixed_string Name, std::size_t Features, Expression X, class Eps = detail::default_batch_norm_eps,
          class Momentum = detail::default_batch_norm_momentum>
constexpr auto batch_norm(X x, Eps = {}, Momentum = {}) {
    return detail::batch_norm_builder<Name, Features, 1, 3, Eps, Momentum>(x);
}

}  // namespace TYPEGRAD_NS
