#ifndef TYPEGRAD_OPTIM_NADAM_HPP
#define TYPEGRAD_OPTIM_NADAM_HPP

#include <typegrad/optim/adam.hpp>

namespace typegrad::optim {

//! NAdam (`torch.optim.NAdam`, 1.13; no `maximize` there): g = ∇ + wd·θ;
//! μₜ = β₁(1 − ½·0.96^(t·ψ)); Πₜ = Πₜ₋₁·μₜ (float32); m, v as Adam; d = √(v/(1−β₂ᵗ)) + ε;
//! θ ← θ − lr(1−μₜ)/(1−Πₜ) · g/d − lr·μₜ₊₁/(1−Πₜμₜ₊₁) · m/d.
struct NAdam {
    struct options {
        double lr = 2e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8;
        double weight_decay = 0;
        double momentum_decay = 4e-3;
    };
    static constexpr std::string_view name = "NAdam";
    static constexpr void validate(const options& o) {
        detail::validate_adam_family(name, o);
        if (!(o.momentum_decay >= 0.0))
            detail::invalid_value(name, "Invalid momentum_decay value: ", o.momentum_decay);
    }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p)
            : detail::named_state<state<T>, T>(p), exp_avg(n), exp_avg_sq(n), step(p), mu_product(p, 1.0f) {}
        detail::aligned_buffer<T> exp_avg;
        detail::aligned_buffer<T> exp_avg_sq;
        std::vector<float> step;
        std::vector<float> mu_product;  // torch: a float32 0-d tensor, starts at 1

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("exp_avg", s.exp_avg);
            f("exp_avg_sq", s.exp_avg_sq);
        }
        template <class Self, class F>
        static void visit_scalars(Self& s, F&& f) {
            f("step", s.step);
            f("mu_product", s.mu_product);
        }
    };

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        using B = xsimd::batch<T>;
        st.step[param] += 1.0f;
        st.present[param] = 0b1111u;
        const double step = st.step[param];
        const double beta1 = o.betas[0], beta2 = o.betas[1];
        const double bias_correction2 = 1 - std::pow(beta2, step);
        const double mu = beta1 * (1. - 0.5 * std::pow(0.96, step * o.momentum_decay));
        const double mu_next = beta1 * (1. - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay));
        // mu_product *= mu, and mu_product * mu * mu_next: float32 tensor arithmetic.
        st.mu_product[param] = st.mu_product[param] * static_cast<float>(mu);
        const float mu_product_next = st.mu_product[param] * static_cast<float>(mu) * static_cast<float>(mu_next);
        const double c_grad = -o.lr * (1. - mu) / (1. - static_cast<double>(st.mu_product[param]));
        const double c_avg = -o.lr * mu_next / (1. - static_cast<double>(mu_product_next));
        const bool wd = o.weight_decay != 0;
        const B wd_b = detail::bc<T>(o.weight_decay), b1 = detail::bc<T>(beta1), one_b1 = detail::bc<T>(1 - beta1),
                b2 = detail::bc<T>(beta2), one_b2 = detail::bc<T>(1 - beta2), bc2 = detail::bc<T>(bias_correction2),
                eps = detail::bc<T>(o.eps), cg = detail::bc<T>(c_grad), ca = detail::bc<T>(c_avg);
        auto kernel = [&](B& p, B g, B& m, B& v) {
            B grad = g;
            if (wd)
                grad = xsimd::fma(wd_b, p, grad);
            m = xsimd::fma(one_b1, grad, m * b1);
            v = v * b2 + one_b2 * grad * grad;
            const B denom = xsimd::sqrt(v / bc2) + eps;
            p = p + cg * grad / denom;
            p = p + ca * m / denom;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.exp_avg.data() + offset}, detail::inout<T>{st.exp_avg_sq.data() + offset});
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::NAdam;
}

#endif
