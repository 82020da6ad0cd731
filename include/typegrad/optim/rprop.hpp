#pragma once
// Rprop (torch.optim.Rprop, 1.13): the policy, its options and its state.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/state.hpp>
#include <typegrad/optim/sweep.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! Rprop (`torch.optim.Rprop`, 1.13): s = sign(g·g_prev) → η₊ / η₋ / 1; Δ = clamp(Δ·s, Δmin, Δmax);
//! g = 0 where s = η₋; θ ← θ − sign(g)·Δ; g_prev = g.  (Δ starts at lr, on the first step.)
struct Rprop : detail::policy_base<Rprop> {
    //! torch's keywords and defaults.
    struct options {
        double lr = 1e-2;
        std::array<double, 2> etas = {0.5, 1.2}, step_sizes = {1e-6, 50};
        bool maximize = false;
    };
    static constexpr std::string_view name = "Rprop";
    template <class T>
    using state = detail::state_of<Rprop, T, detail::buffer<"prev">, detail::buffer<"step_size">,
                                   detail::scalar<"step", std::int64_t>>;  // step: a Python int
    static constexpr auto hyperparameters = detail::options_table(
        "lr", &options::lr, detail::non_negative, "etas", &options::etas, detail::eta_pair, "step_sizes",
        &options::step_sizes, detail::not_nan, "maximize", &options::maximize, detail::unchecked);

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads, std::size_t offset,
                       std::size_t size) {
        const bool first = st.is_empty(param);
        auto [prev_grad, deltas, steps] = st.template step<"prev", "step_size", "step">(param);
        using B = xsimd::batch<T>;
        if (first) {
            std::fill_n(prev_grad.data() + offset, size, T(0));
            std::fill_n(deltas.data() + offset, size, static_cast<T>(o.lr));
        }
        const bool maximize = o.maximize;
        const B etaminus = detail::bc<T>(o.etas[0]), etaplus = detail::bc<T>(o.etas[1]),
                smin = detail::bc<T>(o.step_sizes[0]), smax = detail::bc<T>(o.step_sizes[1]), zero = B(T(0)),
                one = B(T(1)), minus_one = B(T(-1));
        auto kernel = [&](B& p, B g, B& prev, B& step_size) {
            B grad = maximize ? -g : g;
            const B prod = grad * prev;
            const B factor = xsimd::select(prod > zero, etaplus, xsimd::select(prod < zero, etaminus, one));
            step_size = xsimd::min(xsimd::max(step_size * factor, smin), smax);
            grad = xsimd::select(factor == etaminus, zero, grad);
            const B sign = xsimd::select(grad > zero, one, xsimd::select(grad < zero, minus_one, zero));
            p = p + minus_one * sign * step_size;
            prev = grad;
        };
        detail::sweep<T>(size, kernel, detail::inout<T>{values + offset}, detail::in<T>{grads + offset},
                         detail::inout<T>{prev_grad.data() + offset}, detail::inout<T>{deltas.data() + offset});
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::Rprop;
}
