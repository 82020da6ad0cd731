#pragma once
// ASGD (torch.optim.ASGD, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! Averaged SGD (`torch.optim.ASGD`, 1.13): g = ±∇ + wd·θ; θ ← θ(1 − λη) − η·g;
//! ax ← μ = 1 ? θ : ax + μ(θ − ax); then η = lr/(1 + λ·lr·t)^α, μ = 1/max(1, t − t0)
//! (η, μ and t are float32 scalars, as in torch).
struct ASGD : detail::policy_base<ASGD> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0;
        bool maximize = false;
    };
    static constexpr std::string_view name = "ASGD";
    template <class T>
    using state = detail::state_of<ASGD, T, detail::buffer<"ax">, detail::scalar<"step", float>,
                                   detail::scalar<"eta", float>, detail::scalar<"mu", float>>;
    static constexpr auto hyperparameters = detail::options_table(
        "lr", &options::lr, detail::non_negative, "weight_decay", &options::weight_decay, detail::non_negative, "lambd",
        &options::lambd, detail::finite_only, "alpha", &options::alpha, detail::finite_only, "t0", &options::t0,
        detail::not_nan, "maximize", &options::maximize, detail::unchecked);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        const bool first = st.is_empty(param);
        auto [averages, steps, etas, mus] = st.template step<"ax", "step", "eta", "mu">(param);
        using B = xsimd::batch<T>;
        if (first) {  // torch makes the state on the first step, eta from that step's lr
            etas[param] = static_cast<float>(o.lr);
            mus[param] = 1.0f;
        }
        const double step = steps[param];
        const double eta = etas[param], mu = mus[param];
        const bool average = mu != 1;
        const detail::decayed_gradient<T> gradient(o.maximize, o.weight_decay);
        const B decay = detail::bc<T>(1 - o.lambd * eta), neg_eta = detail::bc<T>(-eta), mu_b = detail::bc<T>(mu);
        auto kernel = [&](B& p, B g, B& ax) {
            const B grad = gradient(p, g);
            p = p * decay;
            p = xsimd::fma(neg_eta, grad, p);
            ax = average ? ax + (p - ax) * mu_b : p;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{averages.data() + offset});
        etas[param] = static_cast<float>(o.lr / std::pow(1 + o.lambd * o.lr * step, o.alpha));
        mus[param] = static_cast<float>(1 / std::max(1.0, step - o.t0));
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::ASGD;
}
