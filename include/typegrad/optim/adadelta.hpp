#ifndef TYPEGRAD_OPTIM_ADADELTA_HPP
#define TYPEGRAD_OPTIM_ADADELTA_HPP

#include <typegrad/optim/kernel.hpp>

namespace typegrad::optim {

//! Adadelta (`torch.optim.Adadelta`, 1.13): g = ±∇ + wd·θ; s = ρs + (1−ρ)g²;
//! δ = √(u + ε)/√(s + ε) · g; u = ρu + (1−ρ)δ²; θ ← θ − lr·δ.
struct Adadelta {
    struct options {
        double lr = 1.0;
        double rho = 0.9;
        double eps = 1e-6;
        double weight_decay = 0;
        bool maximize = false;
    };
    static constexpr std::string_view name = "Adadelta";

    static constexpr void validate(const options& o) {
        if (!(o.lr >= 0.0))
            detail::invalid_value(name, "Invalid learning rate: ", o.lr);
        if (!(o.rho >= 0.0 && o.rho <= 1.0))
            detail::invalid_value(name, "Invalid rho value: ", o.rho);
        if (!(o.eps >= 0.0))
            detail::invalid_value(name, "Invalid epsilon value: ", o.eps);
        if (!(o.weight_decay >= 0.0))
            detail::invalid_value(name, "Invalid weight_decay value: ", o.weight_decay);
    }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p)
            : detail::named_state<state<T>, T>(p), square_avg(n), acc_delta(n), step(p) {}
        detail::aligned_buffer<T> square_avg;
        detail::aligned_buffer<T> acc_delta;
        std::vector<std::int64_t> step;  // torch: a Python int

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("square_avg", s.square_avg);
            f("acc_delta", s.acc_delta);
        }
        template <class Self, class F>
        static void visit_scalars(Self& s, F&& f) {
            f("step", s.step);
        }
    };

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        using B = xsimd::batch<T>;
        st.step[param] += 1;
        st.present[param] = 0b111u;
        const bool maximize = o.maximize, wd = o.weight_decay != 0;
        const B wd_b = detail::bc<T>(o.weight_decay), rho = detail::bc<T>(o.rho), one_rho = detail::bc<T>(1 - o.rho),
                eps = detail::bc<T>(o.eps), neg_lr = detail::bc<T>(-o.lr);
        auto kernel = [&](B& p, B g, B& sq, B& acc) {
            B grad = maximize ? -g : g;
            if (wd)
                grad = xsimd::fma(wd_b, p, grad);
            sq = sq * rho + one_rho * grad * grad;
            const B std_ = xsimd::sqrt(sq + eps);
            const B delta = xsimd::sqrt(acc + eps) / std_ * grad;
            acc = acc * rho + one_rho * delta * delta;
            p = xsimd::fma(neg_lr, delta, p);
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.square_avg.data() + offset},
                         detail::inout<T>{st.acc_delta.data() + offset});
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::Adadelta;
}

#endif
