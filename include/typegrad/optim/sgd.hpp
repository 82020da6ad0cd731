#ifndef TYPEGRAD_OPTIM_SGD_HPP
#define TYPEGRAD_OPTIM_SGD_HPP

#include <typegrad/optim/kernel.hpp>

namespace typegrad::optim {

//! Stochastic gradient descent with optional (Nesterov) momentum, as `torch.optim.SGD` (1.13).
//!   d = ±g + wd·θ;  b = d on the first step, else μ·b + (1 − τ)·d;  d = nesterov ? d + μ·b : b;
//!   θ ← θ − lr·d
struct SGD {
    struct options {
        double lr = 1e-3;  // torch has no default; 1e-3 is ours
        double momentum = 0;
        double dampening = 0;
        double weight_decay = 0;
        bool nesterov = false;
        bool maximize = false;
    };
    static constexpr std::string_view name = "SGD";

    static constexpr void validate(const options& o) {
        if (!(o.lr >= 0.0))
            detail::invalid_value(name, "Invalid learning rate: ", o.lr);
        if (!(o.momentum >= 0.0))
            detail::invalid_value(name, "Invalid momentum value: ", o.momentum);
        if (!(o.weight_decay >= 0.0))
            detail::invalid_value(name, "Invalid weight_decay value: ", o.weight_decay);
        if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
            detail::invalid(name, "Nesterov momentum requires a momentum and zero dampening");
    }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p) : detail::named_state<state<T>, T>(p), momentum_buffer(n) {}
        detail::aligned_buffer<T> momentum_buffer;

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("momentum_buffer", s.momentum_buffer);
        }
        template <class Self, class F>
        static void visit_scalars(Self&, F&&) {}
    };

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        using B = xsimd::batch<T>;
        const bool wd = o.weight_decay != 0, maximize = o.maximize, nesterov = o.nesterov;
        const bool momentum = o.momentum != 0;
        const bool first = (st.present[param] & 1u) == 0;
        const B wd_b = detail::bc<T>(o.weight_decay), mom_b = detail::bc<T>(o.momentum),
                damp_b = detail::bc<T>(1 - o.dampening), neg_lr = detail::bc<T>(-o.lr);
        auto kernel = [&](B& p, B g, B& buf) {
            B d = maximize ? -g : g;
            if (wd)
                d = xsimd::fma(wd_b, p, d);
            if (momentum) {
                buf = first ? d : xsimd::fma(damp_b, d, buf * mom_b);
                d = nesterov ? xsimd::fma(mom_b, buf, d) : buf;
            }
            p = xsimd::fma(neg_lr, d, p);
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.momentum_buffer.data() + offset});
        if (momentum)
            st.present[param] = 1u;
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::SGD;
}

#endif
