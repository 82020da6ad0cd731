#ifndef TYPEGRAD_OPTIM_ADAM_HPP
#define TYPEGRAD_OPTIM_ADAM_HPP

#include <typegrad/optim/kernel.hpp>

namespace typegrad::optim {

namespace detail {

// Validation shared by the Adam family (torch words them identically).
template <class O>
constexpr void validate_adam_family(std::string_view who, const O& o) {
    if (!(o.lr >= 0.0))
        invalid_value(who, "Invalid learning rate: ", o.lr);
    if (!(o.eps >= 0.0))
        invalid_value(who, "Invalid epsilon value: ", o.eps);
    if (!(o.betas[0] >= 0.0 && o.betas[0] < 1.0))
        invalid_value(who, "Invalid beta parameter at index 0: ", o.betas[0]);
    if (!(o.betas[1] >= 0.0 && o.betas[1] < 1.0))
        invalid_value(who, "Invalid beta parameter at index 1: ", o.betas[1]);
    if (!(o.weight_decay >= 0.0))
        invalid_value(who, "Invalid weight_decay value: ", o.weight_decay);
}

template <class T>
struct adam_state : named_state<adam_state<T>, T> {
    static constexpr std::string_view policy_name = "Adam";

    adam_state() = default;
    adam_state(std::size_t n, std::size_t p)
        : named_state<adam_state<T>, T>(p),
          exp_avg(n),
          exp_avg_sq(n),
          max_exp_avg_sq(n),
          step(p),
          beta1_power(p),
          beta2_power(p) {}
    aligned_buffer<T> exp_avg;
    aligned_buffer<T> exp_avg_sq;
    aligned_buffer<T> max_exp_avg_sq;
    std::vector<float> step;                            // torch: a float32 0-d tensor
    std::vector<power_cache> beta1_power, beta2_power;  // not state: how beta^step is computed

    template <class Self, class F>
    static void visit_buffers(Self& s, F&& f) {
        f("exp_avg", s.exp_avg);
        f("exp_avg_sq", s.exp_avg_sq);
        f("max_exp_avg_sq", s.max_exp_avg_sq);
    }
    template <class Self, class F>
    static void visit_scalars(Self& s, F&& f) {
        f("step", s.step);
    }
};

// torch 1.13 _single_tensor_adam / _single_tensor_adamw, element by element in torch's order.
template <bool Decoupled, class O, class T>
void adam_update(const O& o, adam_state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                 std::size_t size) {
    using B = xsimd::batch<T>;
    st.step[param] += 1.0f;
    const double step = st.step[param];
    const double beta1 = o.betas[0], beta2 = o.betas[1];
    const double bias_correction1 = 1 - st.beta1_power[param].next(beta1, step);
    const double bias_correction2 = 1 - st.beta2_power[param].next(beta2, step);
    const double step_size = o.lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    const bool maximize = o.maximize, amsgrad = o.amsgrad, wd = !Decoupled && o.weight_decay != 0;
    const B decay = bc<T>(1 - o.lr * o.weight_decay), wd_b = bc<T>(o.weight_decay), b1 = bc<T>(beta1),
            one_b1 = bc<T>(1 - beta1), b2 = bc<T>(beta2), one_b2 = bc<T>(1 - beta2),
            bc2s = bc<T>(bias_correction2_sqrt), eps = bc<T>(o.eps), neg_step = bc<T>(-step_size);
    auto moments = [&](B& p, B g, B& m, B& v) {
        B grad = maximize ? -g : g;
        if constexpr (Decoupled)
            p = p * decay;
        if (wd)
            grad = xsimd::fma(wd_b, p, grad);
        m = xsimd::fma(one_b1, grad, m * b1);
        v = v * b2 + one_b2 * grad * grad;
    };
    const inout<T> param_s{values + offset}, exp_avg_s{st.exp_avg.data() + offset},
        exp_avg_sq_s{st.exp_avg_sq.data() + offset};
    const in<T> grad_s{grads + offset};
    if (amsgrad) {
        sweep<T>(
            size,
            [&](B& p, B g, B& m, B& v, B& vmax) {
                moments(p, g, m, v);
                vmax = xsimd::max(vmax, v);
                p = p + neg_step * m / (xsimd::sqrt(vmax) / bc2s + eps);
            },
            param_s, grad_s, exp_avg_s, exp_avg_sq_s, inout<T>{st.max_exp_avg_sq.data() + offset});
    } else {
        // Without amsgrad, max_exp_avg_sq is neither read nor written.
        sweep<T>(
            size,
            [&](B& p, B g, B& m, B& v) {
                moments(p, g, m, v);
                p = p + neg_step * m / (xsimd::sqrt(v) / bc2s + eps);
            },
            param_s, grad_s, exp_avg_s, exp_avg_sq_s);
    }
    st.present[param] = static_cast<std::uint16_t>(0b1011u | (amsgrad ? 0b0100u : 0u));
}

}  // namespace detail

namespace detail {
// Adam and AdamW differ only in where weight decay acts, in their name and in torch's default
// weight_decay (0 and 1e-2).
template <bool Decoupled>
struct adam_policy {
    struct options {
        double lr = 1e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8;
        double weight_decay = Decoupled ? 1e-2 : 0;
        bool amsgrad = false;
        bool maximize = false;
    };
    static constexpr std::string_view name = Decoupled ? "AdamW" : "Adam";
    static constexpr void validate(const options& o) { validate_adam_family(name, o); }

    template <class T>
    using state = adam_state<T>;

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        adam_update<Decoupled>(o, st, param, values, grads, offset, size);
    }
};
}  // namespace detail

//! Adam (`torch.optim.Adam`, 1.13): g = ±∇ + wd·θ; m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²;
//! θ ← θ − lr/(1−β₁ᵗ) · m / (√v̂/√(1−β₂ᵗ) + ε), v̂ = amsgrad ? max(v̂, v) : v.
struct Adam : detail::adam_policy<false> {};

}  // namespace typegrad::optim

namespace typegrad {
using optim::Adam;
}

#endif
