#pragma once
// SGD (torch.optim.SGD, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

namespace TYPEGRAD_NS::optim {

//! Stochastic gradient descent with optional (Nesterov) momentum, as `torch.optim.SGD` (1.13).
//!   d = ±g + wd·θ;  b = d on the first step, else μ·b + (1 − τ)·d;  d = nesterov ? d + μ·b : b;
//!   θ ← θ − lr·d
struct SGD : detail::policy_base<SGD> {
    //! torch's keywords and defaults (lr = 1e-3 is ours: torch requires it).
    struct options {
        double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
        bool nesterov = false, maximize = false;
    };
    static constexpr std::string_view name = "SGD";
    template <class T>
    using state = detail::state_of<SGD, T, detail::buffer<"momentum_buffer">>;
    static constexpr auto hyperparameters = detail::options_table(
        "lr", &options::lr, detail::non_negative, "momentum", &options::momentum, detail::non_negative, "weight_decay",
        &options::weight_decay, detail::non_negative, "dampening", &options::dampening, detail::finite_only, "nesterov",
        &options::nesterov, detail::unchecked, "maximize", &options::maximize, detail::unchecked);

    static constexpr void check(const options& o) {
        if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
            detail::invalid(name, "Nesterov momentum requires a momentum and zero dampening");
    }

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        auto& momentum_buffer = st.template get<"momentum_buffer">();
        using B = xsimd::batch<T>;
        const bool nesterov = o.nesterov, momentum = o.momentum != 0;
        const bool first = !st.is_present(param, "momentum_buffer");
        const detail::decayed_gradient<T> gradient(o.maximize, o.weight_decay);
        const B mom_b = detail::bc<T>(o.momentum), damp_b = detail::bc<T>(1 - o.dampening),
                neg_lr = detail::bc<T>(-o.lr);
        auto kernel = [&](B& p, B g, B& buf) {
            B d = gradient(p, g);
            if (momentum) {
                buf = first ? d : xsimd::fma(damp_b, d, buf * mom_b);
                d = nesterov ? xsimd::fma(mom_b, buf, d) : buf;
            }
            p = xsimd::fma(neg_lr, d, p);
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{momentum_buffer.data() + offset});
        if (momentum)
            st.mark_present(param, {"momentum_buffer"});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::SGD;
}
