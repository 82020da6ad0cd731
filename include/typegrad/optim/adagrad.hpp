#ifndef TYPEGRAD_OPTIM_ADAGRAD_HPP
#define TYPEGRAD_OPTIM_ADAGRAD_HPP

#include <typegrad/optim/kernel.hpp>

namespace typegrad::optim {

//! Adagrad (`torch.optim.Adagrad`, 1.13): g = ±∇ + wd·θ; s = s + g² (s starts at
//! initial_accumulator_value); θ ← θ − lr/(1 + (t−1)·lr_decay) · g/(√s + ε).
struct Adagrad {
    struct options {
        double lr = 1e-2;
        double lr_decay = 0;
        double weight_decay = 0;
        double initial_accumulator_value = 0;
        double eps = 1e-10;
        bool maximize = false;
    };
    static constexpr std::string_view name = "Adagrad";

    static constexpr void validate(const options& o) {
        if (!(o.lr >= 0.0))
            detail::invalid_value(name, "Invalid learning rate: ", o.lr);
        if (!(o.lr_decay >= 0.0))
            detail::invalid_value(name, "Invalid lr_decay value: ", o.lr_decay);
        if (!(o.weight_decay >= 0.0))
            detail::invalid_value(name, "Invalid weight_decay value: ", o.weight_decay);
        if (!(o.initial_accumulator_value >= 0.0))
            detail::invalid_value(name, "Invalid initial_accumulator_value value: ", o.initial_accumulator_value);
        if (!(o.eps >= 0.0))
            detail::invalid_value(name, "Invalid epsilon value: ", o.eps);
    }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p) : detail::named_state<state<T>, T>(p), sum(n), step(p) {}
        detail::aligned_buffer<T> sum;
        std::vector<float> step;

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("sum", s.sum);
        }
        template <class Self, class F>
        static void visit_scalars(Self& s, F&& f) {
            f("step", s.step);
        }
    };

    //! Unlike the others, torch's Adagrad makes its state when constructed, from the constructor's
    //! options (a later group's initial_accumulator_value is ignored, as in torch 1.13).
    template <class T>
    static void init(const options& o, state<T>& st, std::size_t param, std::size_t offset, std::size_t size) {
        std::fill_n(st.sum.data() + offset, size, static_cast<T>(o.initial_accumulator_value));
        st.step[param] = 0;
        st.present[param] = 0b11u;
    }

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        using B = xsimd::batch<T>;
        st.step[param] += 1.0f;
        const double step = st.step[param];
        const double clr = o.lr / (1 + (step - 1) * o.lr_decay);
        const bool maximize = o.maximize, wd = o.weight_decay != 0;
        const B wd_b = detail::bc<T>(o.weight_decay), eps = detail::bc<T>(o.eps), neg_clr = detail::bc<T>(-clr),
                one = B(T(1));
        auto kernel = [&](B& p, B g, B& s) {
            B grad = maximize ? -g : g;
            if (wd)
                grad = xsimd::fma(wd_b, p, grad);
            s = s + one * grad * grad;
            const B std_ = xsimd::sqrt(s) + eps;
            p = p + neg_clr * grad / std_;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.sum.data() + offset});
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::Adagrad;
}

#endif
