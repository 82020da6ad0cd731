#pragma once
// Adagrad (torch.optim.Adagrad, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! Adagrad (`torch.optim.Adagrad`, 1.13): g = ±∇ + wd·θ; s = s + g² (s starts at
//! initial_accumulator_value); θ ← θ − lr/(1 + (t−1)·lr_decay) · g/(√s + ε).
struct Adagrad : detail::policy_base<Adagrad> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10;
        bool maximize = false;
    };
    static constexpr std::string_view name = "Adagrad";
    template <class T>
    using state = detail::state_of<Adagrad, T, detail::buffer<"sum">, detail::scalar<"step", float>>;
    static constexpr auto hyperparameters = detail::options_table(
        "lr", &options::lr, detail::non_negative, "lr_decay", &options::lr_decay, detail::non_negative, "weight_decay",
        &options::weight_decay, detail::non_negative, "initial_accumulator_value", &options::initial_accumulator_value,
        detail::non_negative, "eps", &options::eps, detail::non_negative, "maximize", &options::maximize,
        detail::unchecked);

    //! Unlike the others, torch's Adagrad makes its state when constructed, from the constructor's
    //! options (a later group's initial_accumulator_value is ignored, as in torch 1.13).
    template <class T>
    static void init(const options& o, state<T>& st, std::size_t param, std::size_t offset, std::size_t size) {
        std::fill_n(st.template get<"sum">().data() + offset, size, static_cast<T>(o.initial_accumulator_value));
        st.template get<"step">()[param] = 0;
        st.mark_present(param, {"sum", "step"});
    }

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        auto [sum, steps] = st.template step<"sum", "step">(param);  // both present since init
        using B = xsimd::batch<T>;
        const double step = steps[param];
        const double clr = o.lr / (1 + (step - 1) * o.lr_decay);
        const detail::decayed_gradient<T> gradient(o.maximize, o.weight_decay);
        const B eps = detail::bc<T>(o.eps), neg_clr = detail::bc<T>(-clr), one = B(T(1));
        auto kernel = [&](B& p, B g, B& s) {
            const B grad = gradient(p, g);
            s = s + one * grad * grad;
            const B std_ = xsimd::sqrt(s) + eps;
            p = p + neg_clr * grad / std_;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{sum.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::Adagrad;
}
