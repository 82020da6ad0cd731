#ifndef TYPEGRAD_OPTIM_RMSPROP_HPP
#define TYPEGRAD_OPTIM_RMSPROP_HPP

#include <typegrad/optim/kernel.hpp>

namespace typegrad::optim {

//! RMSprop (`torch.optim.RMSprop`, 1.13): g = ±∇ + wd·θ; s = αs + (1−α)g²;
//! centered: a = αa + (1−α)g, d = √(s − a²) + ε, else d = √s + ε;
//! momentum > 0: b = μb + g/d, θ ← θ − lr·b; else θ ← θ − lr·g/d.
struct RMSprop {
    struct options {
        double lr = 1e-2;
        double alpha = 0.99;
        double eps = 1e-8;
        double weight_decay = 0;
        double momentum = 0;
        bool centered = false;
        bool maximize = false;
    };
    static constexpr std::string_view name = "RMSprop";

    static constexpr void validate(const options& o) {
        if (!(o.lr >= 0.0))
            detail::invalid_value(name, "Invalid learning rate: ", o.lr);
        if (!(o.eps >= 0.0))
            detail::invalid_value(name, "Invalid epsilon value: ", o.eps);
        if (!(o.momentum >= 0.0))
            detail::invalid_value(name, "Invalid momentum value: ", o.momentum);
        if (!(o.weight_decay >= 0.0))
            detail::invalid_value(name, "Invalid weight_decay value: ", o.weight_decay);
        if (!(o.alpha >= 0.0))
            detail::invalid_value(name, "Invalid alpha value: ", o.alpha);
    }

    template <class T>
    struct state : detail::named_state<state<T>, T> {
        static constexpr std::string_view policy_name = name;

        state() = default;
        state(std::size_t n, std::size_t p)
            : detail::named_state<state<T>, T>(p), square_avg(n), momentum_buffer(n), grad_avg(n), step(p) {}
        detail::aligned_buffer<T> square_avg;
        detail::aligned_buffer<T> momentum_buffer;
        detail::aligned_buffer<T> grad_avg;
        std::vector<std::int64_t> step;  // torch: a Python int

        template <class Self, class F>
        static void visit_buffers(Self& s, F&& f) {
            f("square_avg", s.square_avg);
            f("momentum_buffer", s.momentum_buffer);
            f("grad_avg", s.grad_avg);
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
        if (st.present[param] == 0)  // torch creates the buffers on the first step, from that step's options
            st.present[param] =
                static_cast<std::uint16_t>(0b1001u | (o.momentum > 0 ? 0b0010u : 0u) | (o.centered ? 0b0100u : 0u));
        st.step[param] += 1;
        const bool maximize = o.maximize, wd = o.weight_decay != 0, centered = o.centered, momentum = o.momentum > 0;
        const B wd_b = detail::bc<T>(o.weight_decay), a = detail::bc<T>(o.alpha), one_a = detail::bc<T>(1 - o.alpha),
                eps = detail::bc<T>(o.eps), mom = detail::bc<T>(o.momentum), neg_lr = detail::bc<T>(-o.lr),
                minus_one = B(T(-1)), one = B(T(1));
        auto kernel = [&](B& p, B g, B& sq, B& buf, B& ga) {
            B grad = maximize ? -g : g;
            if (wd)
                grad = xsimd::fma(wd_b, p, grad);
            sq = sq * a + one_a * grad * grad;
            B avg;
            if (centered) {
                ga = xsimd::fma(one_a, grad, ga * a);
                avg = xsimd::sqrt(sq + minus_one * ga * ga);
            } else {
                avg = xsimd::sqrt(sq);
            }
            avg = avg + eps;
            if (momentum) {
                buf = buf * mom + one * grad / avg;
                p = xsimd::fma(neg_lr, buf, p);
            } else {
                p = p + neg_lr * grad / avg;
            }
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{st.square_avg.data() + offset},
                         detail::inout<T>{st.momentum_buffer.data() + offset},
                         detail::inout<T>{st.grad_avg.data() + offset});
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::RMSprop;
}

#endif
