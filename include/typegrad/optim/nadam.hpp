#pragma once
// NAdam (torch.optim.NAdam, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! NAdam (`torch.optim.NAdam`, 1.13; no `maximize` there): g = ∇ + wd·θ;
//! μₜ = β₁(1 − ½·0.96^(t·ψ)); Πₜ = Πₜ₋₁·μₜ (float32); m, v as Adam; d = √(v/(1−β₂ᵗ)) + ε;
//! θ ← θ − lr(1−μₜ)/(1−Πₜ) · g/d − lr·μₜ₊₁/(1−Πₜμₜ₊₁) · m/d.
struct NAdam : detail::policy_base<NAdam> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 2e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8, weight_decay = 0, momentum_decay = 4e-3;
    };
    static constexpr std::string_view name = "NAdam";
    template <class T>
    using state = detail::state_of<NAdam, T, detail::buffer<"exp_avg">, detail::buffer<"exp_avg_sq">,
                                   detail::scalar<"step", float>, detail::scalar<"mu_product", float>>;
    static constexpr auto hyperparameters =
        detail::adam_family_table<options>("momentum_decay", &options::momentum_decay, detail::non_negative);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        const bool first = st.is_empty(param);
        auto [exp_avg, exp_avg_sq, steps, mu_product] =
            st.template step<"exp_avg", "exp_avg_sq", "step", "mu_product">(param);
        using B = xsimd::batch<T>;
        if (first)  // torch makes mu_product on the first step, at 1
            mu_product[param] = 1.0f;
        const double step = steps[param];
        const double beta1 = o.betas[0], beta2 = o.betas[1];
        const double bias_correction2 = 1 - std::pow(beta2, step);
        const double mu = beta1 * (1. - 0.5 * std::pow(0.96, step * o.momentum_decay));
        const double mu_next = beta1 * (1. - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay));
        // mu_product *= mu, and mu_product * mu * mu_next: float32 tensor arithmetic.
        mu_product[param] = mu_product[param] * static_cast<float>(mu);
        const float mu_product_next = mu_product[param] * static_cast<float>(mu) * static_cast<float>(mu_next);
        const double c_grad = -o.lr * (1. - mu) / (1. - static_cast<double>(mu_product[param]));
        const double c_avg = -o.lr * mu_next / (1. - static_cast<double>(mu_product_next));
        const detail::decayed_gradient<T> gradient(false, o.weight_decay);
        const B b1 = detail::bc<T>(beta1), one_b1 = detail::bc<T>(1 - beta1), b2 = detail::bc<T>(beta2),
                one_b2 = detail::bc<T>(1 - beta2), bc2 = detail::bc<T>(bias_correction2), eps = detail::bc<T>(o.eps),
                cg = detail::bc<T>(c_grad), ca = detail::bc<T>(c_avg);
        auto kernel = [&](B& p, B g, B& m, B& v) {
            const B grad = gradient(p, g);
            m = xsimd::fma(one_b1, grad, m * b1);
            v = v * b2 + one_b2 * grad * grad;
            const B denom = xsimd::sqrt(v / bc2) + eps;
            p = p + cg * grad / denom;
            p = p + ca * m / denom;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{exp_avg.data() + offset}, detail::inout<T>{exp_avg_sq.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::NAdam;
}
