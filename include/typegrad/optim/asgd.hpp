#ifndef TYPEGRAD_OPTIM_ASGD_HPP
#define TYPEGRAD_OPTIM_ASGD_HPP

#include <typegrad/optim/kernel.hpp>

namespace typegrad::optim {

//! Averaged SGD (`torch.optim.ASGD`, 1.13): g = ±∇ + wd·θ; θ ← θ(1 − λη) − η·g;
//! ax ← μ = 1 ? θ : ax + μ(θ − ax); then η = lr/(1 + λ·lr·t)^α, μ = 1/max(1, t − t0)
//! (η, μ and t are float32 scalars, as in torch).
struct ASGD {
    struct options {
        double lr = 1e-2;
        double lambd = 1e-4;
        double alpha = 0.75;
        double t0 = 1e6;
        double weight_decay = 0;
        bool maximize = false;
    };
    static constexpr std::string_view name = "ASGD";
    static constexpr void validate(const options& o) {
        if (!(o.lr >= 0.0))
            detail::invalid_value(name, "Invalid learning rate: ", o.lr);
        if (!(o.weight_decay >= 0.0))
            detail::invalid_value(name, "Invalid weight_decay value: ", o.weight_decay);
    }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p) : detail::named_state<state<T>, T>(p), ax(n), step(p), eta(p), mu(p) {}
        detail::aligned_buffer<T> ax;
        std::vector<float> step;
        std::vector<float> eta;
        std::vector<float> mu;

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("ax", s.ax);
        }
        template <class Self, class F>
        static void visit_scalars(Self& s, F&& f) {
            f("step", s.step);
            f("eta", s.eta);
            f("mu", s.mu);
        }
    };

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        using B = xsimd::batch<T>;
        if (st.present[param] == 0) {  // torch makes the state on the first step, eta from that step's lr
            st.eta[param] = static_cast<float>(o.lr);
            st.mu[param] = 1.0f;
            st.present[param] = 0b1111u;
        }
        st.step[param] += 1.0f;
        const double step = st.step[param];
        const double eta = st.eta[param], mu = st.mu[param];
        const bool maximize = o.maximize, wd = o.weight_decay != 0, average = mu != 1;
        const B wd_b = detail::bc<T>(o.weight_decay), decay = detail::bc<T>(1 - o.lambd * eta),
                neg_eta = detail::bc<T>(-eta), mu_b = detail::bc<T>(mu);
        auto kernel = [&](B& p, B g, B& ax) {
            B grad = maximize ? -g : g;
            if (wd)
                grad = xsimd::fma(wd_b, p, grad);
            p = p * decay;
            p = xsimd::fma(neg_eta, grad, p);
            ax = average ? ax + (p - ax) * mu_b : p;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.ax.data() + offset});
        st.eta[param] = static_cast<float>(o.lr / std::pow(1 + o.lambd * o.lr * step, o.alpha));
        st.mu[param] = static_cast<float>(1 / std::max(1.0, step - o.t0));
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::ASGD;
}

#endif
