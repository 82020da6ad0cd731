#pragma once
// Adadelta (torch.optim.Adadelta, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! Adadelta (`torch.optim.Adadelta`, 1.13): g = ±∇ + wd·θ; s = ρs + (1−ρ)g²;
//! δ = √(u + ε)/√(s + ε) · g; u = ρu + (1−ρ)δ²; θ ← θ − lr·δ.
struct Adadelta : detail::policy_base<Adadelta> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0;
        bool maximize = false;
    };
    static constexpr std::string_view name = "Adadelta";
    template <class T>
    using state = detail::state_of<Adadelta, T, detail::buffer<"square_avg">, detail::buffer<"acc_delta">,
                                   detail::scalar<"step", std::int64_t>>;  // step: a Python int
    static constexpr auto hyperparameters =
        detail::options_table("lr", &options::lr, detail::non_negative, "rho", &options::rho, detail::unit_interval,
                              "eps", &options::eps, detail::non_negative, "weight_decay", &options::weight_decay,
                              detail::non_negative, "maximize", &options::maximize, detail::unchecked);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        auto [square_avg, acc_delta, steps] = st.template step<"square_avg", "acc_delta", "step">(param);
        using B = xsimd::batch<T>;
        const detail::decayed_gradient<T> gradient(o.maximize, o.weight_decay);
        const B rho = detail::bc<T>(o.rho), one_rho = detail::bc<T>(1 - o.rho), eps = detail::bc<T>(o.eps),
                neg_lr = detail::bc<T>(-o.lr);
        auto kernel = [&](B& p, B g, B& sq, B& acc) {
            const B grad = gradient(p, g);
            sq = sq * rho + one_rho * grad * grad;
            const B std_ = xsimd::sqrt(sq + eps);
            const B delta = xsimd::sqrt(acc + eps) / std_ * grad;
            acc = acc * rho + one_rho * delta * delta;
            p = xsimd::fma(neg_lr, delta, p);
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{square_avg.data() + offset}, detail::inout<T>{acc_delta.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::Adadelta;
}
