#pragma once
// RMSprop (torch.optim.RMSprop, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! RMSprop (`torch.optim.RMSprop`, 1.13): g = ±∇ + wd·θ; s = αs + (1−α)g²;
//! centered: a = αa + (1−α)g, d = √(s − a²) + ε, else d = √s + ε;
//! momentum > 0: b = μb + g/d, θ ← θ − lr·b; else θ ← θ − lr·g/d.
struct RMSprop : detail::policy_base<RMSprop> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
        bool centered = false, maximize = false;
    };
    static constexpr std::string_view name = "RMSprop";
    template <class T>
    using state =
        detail::state_of<RMSprop, T, detail::buffer<"square_avg">, detail::buffer<"momentum_buffer">,
                         detail::buffer<"grad_avg">, detail::scalar<"step", std::int64_t>>;  // step: a Python int
    static constexpr auto hyperparameters = detail::options_table(
        "lr", &options::lr, detail::non_negative, "eps", &options::eps, detail::non_negative, "momentum",
        &options::momentum, detail::non_negative, "weight_decay", &options::weight_decay, detail::non_negative, "alpha",
        &options::alpha, detail::non_negative, "centered", &options::centered, detail::unchecked, "maximize",
        &options::maximize, detail::unchecked);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        const bool first = st.is_empty(param);
        auto [square_avg, steps] = st.template step<"square_avg", "step">(param);
        auto [momentum_buffer, grad_avg] = st.template get<"momentum_buffer", "grad_avg">();
        using B = xsimd::batch<T>;
        if (first) {  // torch creates the buffers on the first step, from that step's options
            if (o.momentum > 0)
                st.mark_present(param, {"momentum_buffer"});
            if (o.centered)
                st.mark_present(param, {"grad_avg"});
        }
        const bool centered = o.centered, momentum = o.momentum > 0;
        const detail::decayed_gradient<T> gradient(o.maximize, o.weight_decay);
        const B a = detail::bc<T>(o.alpha), one_a = detail::bc<T>(1 - o.alpha), eps = detail::bc<T>(o.eps),
                mom = detail::bc<T>(o.momentum), neg_lr = detail::bc<T>(-o.lr), minus_one = B(T(-1)), one = B(T(1));
        auto kernel = [&](B& p, B g, B& sq, B& buf, B& ga) {
            const B grad = gradient(p, g);
            sq = sq * a + one_a * grad * grad;
            B avg;
            if (centered) {
                ga = xsimd::fma(one_a, grad, ga * a);
                avg = xsimd::sqrt(sq + minus_one * ga * ga);
            } else {
                avg = xsimd::sqrt(sq);
            }
            avg = avg + eps;
            if (momentum) {
                buf = buf * mom + one * grad / avg;
                p = xsimd::fma(neg_lr, buf, p);
            } else {
                p = p + neg_lr * grad / avg;
            }
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{square_avg.data() + offset},
                         detail::inout<T>{momentum_buffer.data() + offset}, detail::inout<T>{grad_avg.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::RMSprop;
}
