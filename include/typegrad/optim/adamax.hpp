#ifndef TYPEGRAD_OPTIM_ADAMAX_HPP
#define TYPEGRAD_OPTIM_ADAMAX_HPP

#include <typegrad/optim/adam.hpp>

namespace typegrad::optim {

//! Adamax (`torch.optim.Adamax`, 1.13): g = ±∇ + wd·θ; m = β₁m + (1−β₁)g;
//! u = max(β₂u, |g| + ε); θ ← θ − lr/(1−β₁ᵗ) · m/u.
struct Adamax {
    struct options {
        double lr = 2e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8;
        double weight_decay = 0;
        bool maximize = false;
    };
    static constexpr std::string_view name = "Adamax";
    static constexpr void validate(const options& o) { detail::validate_adam_family(name, o); }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p) : detail::named_state<state<T>, T>(p), exp_avg(n), exp_inf(n), step(p) {}
        detail::aligned_buffer<T> exp_avg;
        detail::aligned_buffer<T> exp_inf;
        std::vector<float> step;

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("exp_avg", s.exp_avg);
            f("exp_inf", s.exp_inf);
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
        st.step[param] += 1.0f;
        st.present[param] = 0b111u;
        const double step = st.step[param];
        const double clr = o.lr / (1 - std::pow(o.betas[0], step));
        const bool maximize = o.maximize, wd = o.weight_decay != 0;
        const B wd_b = detail::bc<T>(o.weight_decay), b1 = detail::bc<T>(o.betas[0]),
                one_b1 = detail::bc<T>(1 - o.betas[0]), b2 = detail::bc<T>(o.betas[1]), eps = detail::bc<T>(o.eps),
                neg_clr = detail::bc<T>(-clr);
        auto kernel = [&](B& p, B g, B& m, B& u) {
            B grad = maximize ? -g : g;
            if (wd)
                grad = xsimd::fma(wd_b, p, grad);
            m = xsimd::fma(one_b1, grad, m * b1);
            u = xsimd::max(u * b2, xsimd::abs(grad) + eps);
            p = p + neg_clr * m / u;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.exp_avg.data() + offset}, detail::inout<T>{st.exp_inf.data() + offset});
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::Adamax;
}

#endif
