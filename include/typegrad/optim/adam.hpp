#pragma once
// Adam (torch.optim.Adam, 1.13), and the code it shares with AdamW: the options, the state and the
// update, which differ only in where weight decay acts.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/power_cache.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>

namespace TYPEGRAD_NS::optim {

namespace detail {

// torch 1.13 _single_tensor_adam / _single_tensor_adamw, element by element in torch's order.
template <bool Decoupled, class O, class S, class T>
void adam_update(const O& o, S& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                 std::size_t size) {
    using B = xsimd::batch<T>;
    auto [exp_avg, exp_avg_sq, max_exp_avg_sq, steps, beta1_power, beta2_power] =
        st.template get<"exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step", "beta1_power", "beta2_power">();
    steps[param] += 1.0f;
    const double step = steps[param];
    const double beta1 = o.betas[0], beta2 = o.betas[1];
    const double bias_correction1 = 1 - beta1_power[param].next(beta1, step);
    const double bias_correction2 = 1 - beta2_power[param].next(beta2, step);
    const double step_size = o.lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    const bool amsgrad = o.amsgrad;
    // AdamW decays the parameter itself, before the moments, and adds nothing to the gradient.
    const decayed_gradient<T> gradient(o.maximize, Decoupled ? 0.0 : o.weight_decay);
    const B decay = bc<T>(1 - o.lr * o.weight_decay), b1 = bc<T>(beta1), one_b1 = bc<T>(1 - beta1), b2 = bc<T>(beta2),
            one_b2 = bc<T>(1 - beta2), bc2s = bc<T>(bias_correction2_sqrt), eps = bc<T>(o.eps),
            neg_step = bc<T>(-step_size);
    auto moments = [&](B& p, B g, B& m, B& v) {
        if constexpr (Decoupled)
            p = p * decay;
        const B grad = gradient(p, g);
        m = xsimd::fma(one_b1, grad, m * b1);
        v = v * b2 + one_b2 * grad * grad;
    };
    const inout<T> param_s{values + offset}, exp_avg_s{exp_avg.data() + offset},
        exp_avg_sq_s{exp_avg_sq.data() + offset};
    const in<T> grad_s{grads + offset};
    if (amsgrad) {
        sweep<T>(
            size,
            [&](B& p, B g, B& m, B& v, B& vmax) {
                moments(p, g, m, v);
                vmax = xsimd::max(vmax, v);
                p = p + neg_step * m / (xsimd::sqrt(vmax) / bc2s + eps);
            },
            param_s, grad_s, exp_avg_s, exp_avg_sq_s, inout<T>{max_exp_avg_sq.data() + offset});
    } else {
        // Without amsgrad, max_exp_avg_sq is neither read nor written.
        sweep<T>(
            size,
            [&](B& p, B g, B& m, B& v) {
                moments(p, g, m, v);
                p = p + neg_step * m / (xsimd::sqrt(v) / bc2s + eps);
            },
            param_s, grad_s, exp_avg_s, exp_avg_sq_s);
    }
    st.mark_present(param, {"exp_avg", "exp_avg_sq", "step"});
    if (amsgrad)
        st.mark_present(param, {"max_exp_avg_sq"});
}

// Adam and AdamW differ only in where weight decay acts, in their name and in torch's default
// weight_decay (0 and 1e-2).
template <bool Decoupled>
struct adam_policy : policy_base<adam_policy<Decoupled>> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8, weight_decay = Decoupled ? 1e-2 : 0;
        bool amsgrad = false, maximize = false;
    };
    static constexpr std::string_view name = Decoupled ? "AdamW" : "Adam";
    template <class T>
    using state = state_of<adam_policy, T, buffer<"exp_avg">, buffer<"exp_avg_sq">, buffer<"max_exp_avg_sq">,
                           scalar<"step", float>,  // beta powers: not state, how beta^step is computed
                           scratch<"beta1_power", power_cache>, scratch<"beta2_power", power_cache>>;
    static constexpr auto hyperparameters =
        adam_family_table<options>("amsgrad", &options::amsgrad, unchecked, "maximize", &options::maximize, unchecked);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        adam_update<Decoupled>(o, st, param, values, grads, offset, size);
    }
};
}  // namespace detail

//! Adam (`torch.optim.Adam`, 1.13): g = ±∇ + wd·θ; m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
//! θ ← θ − lr/(1−β₁ᵗ) · m / (√v̂/√(1−β₂ᵗ) + ε), v̂ = amsgrad ? max(v̂, v) : v.
struct Adam : detail::adam_policy<false> {};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::Adam;
}
