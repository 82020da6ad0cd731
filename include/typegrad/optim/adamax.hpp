#pragma once
// Adamax (torch.optim.Adamax, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! Adamax (`torch.optim.Adamax`, 1.13): g = ±∇ + wd·θ; m = β₁m + (1−β₁)g;
//! u = max(β₂u, |g| + ε); θ ← θ − lr/(1−β₁ᵗ) · m/u.
struct Adamax : detail::policy_base<Adamax> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 2e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8, weight_decay = 0;
        bool maximize = false;
    };
    static constexpr std::string_view name = "Adamax";
    template <class T>
    using state = detail::state_of<Adamax, T, detail::buffer<"exp_avg">, detail::buffer<"exp_inf">,
                                   detail::scalar<"step", float>>;
    static constexpr auto hyperparameters =
        detail::adam_family_table<options>("maximize", &options::maximize, detail::unchecked);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        auto [exp_avg, exp_inf, steps] = st.template step<"exp_avg", "exp_inf", "step">(param);
        using B = xsimd::batch<T>;
        const double clr = o.lr / (1 - std::pow(o.betas[0], static_cast<double>(steps[param])));
        const detail::decayed_gradient<T> gradient(o.maximize, o.weight_decay);
        const B b1 = detail::bc<T>(o.betas[0]), one_b1 = detail::bc<T>(1 - o.betas[0]), b2 = detail::bc<T>(o.betas[1]),
                eps = detail::bc<T>(o.eps), neg_clr = detail::bc<T>(-clr);
        auto kernel = [&](B& p, B g, B& m, B& u) {
            const B grad = gradient(p, g);
            m = xsimd::fma(one_b1, grad, m * b1);
            u = xsimd::max(u * b2, xsimd::abs(grad) + eps);
            p = p + neg_clr * m / u;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{exp_avg.data() + offset}, detail::inout<T>{exp_inf.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::Adamax;
}
