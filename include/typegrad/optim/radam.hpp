#pragma once
// RAdam (torch.optim.RAdam, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! RAdam (`torch.optim.RAdam`, 1.13; no `maximize` there): g = ∇ + wd·θ; m, v as Adam;
//! ρ∞ = 2/(1−β₂) − 1, ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ); m̂ = m/(1−β₁ᵗ);
//! ρₜ > 5: θ ← θ − m̂·lr·(√(1−β₂ᵗ)/(√v + ε))·r, r = √((ρₜ−4)(ρₜ−2)ρ∞/((ρ∞−4)(ρ∞−2)ρₜ)); else θ ← θ − m̂·lr.
struct RAdam : detail::policy_base<RAdam> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8, weight_decay = 0;
    };
    static constexpr std::string_view name = "RAdam";
    template <class T>
    using state = detail::state_of<RAdam, T, detail::buffer<"exp_avg">, detail::buffer<"exp_avg_sq">,
                                   detail::scalar<"step", float>>;
    static constexpr auto hyperparameters = detail::adam_family_table<options>();

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        auto [exp_avg, exp_avg_sq, steps] = st.template step<"exp_avg", "exp_avg_sq", "step">(param);
        using B = xsimd::batch<T>;
        const double step = steps[param];
        const double beta1 = o.betas[0], beta2 = o.betas[1];
        const double bias_correction1 = 1 - std::pow(beta1, step);
        const double bias_correction2 = 1 - std::pow(beta2, step);
        const double rho_inf = 2 / (1 - beta2) - 1;
        const double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
        const bool rectify = rho_t > 5.;
        const double rect =
            rectify ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0.0;
        const detail::decayed_gradient<T> gradient(false, o.weight_decay);
        const B b1 = detail::bc<T>(beta1), one_b1 = detail::bc<T>(1 - beta1), b2 = detail::bc<T>(beta2),
                one_b2 = detail::bc<T>(1 - beta2), bc1 = detail::bc<T>(bias_correction1), eps = detail::bc<T>(o.eps),
                lr = detail::bc<T>(o.lr), bc2s = detail::bc<T>(std::sqrt(bias_correction2)),
                rect_b = detail::bc<T>(rect), one = B(T(1)), minus_one = B(T(-1));
        auto kernel = [&](B& p, B g, B& m, B& v) {
            const B grad = gradient(p, g);
            m = xsimd::fma(one_b1, grad, m * b1);
            v = v * b2 + one_b2 * grad * grad;
            const B corrected = m / bc1;
            if (rectify) {
                // torch: sqrt(bc2) / tensor is tensor.reciprocal() * sqrt(bc2)
                const B adaptive_lr = one / (xsimd::sqrt(v) + eps) * bc2s;
                p = xsimd::fma(minus_one, corrected * lr * adaptive_lr * rect_b, p);
            } else {
                p = xsimd::fma(minus_one, corrected * lr, p);
            }
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{exp_avg.data() + offset}, detail::inout<T>{exp_avg_sq.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::RAdam;
}
