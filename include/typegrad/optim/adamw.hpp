#ifndef TYPEGRAD_OPTIM_ADAMW_HPP
#define TYPEGRAD_OPTIM_ADAMW_HPP

#include <typegrad/optim/adam.hpp>

namespace typegrad::optim {

//! AdamW (`torch.optim.AdamW`, 1.13): Adam with decoupled weight decay, θ ← θ·(1 − lr·wd) first,
//! and no wd term in the gradient. Note torch's default weight_decay here is 1e-2.
struct AdamW {
    struct options {
        double lr = 1e-3;
        std::array<double, 2> betas = {0.9, 0.999};
        double eps = 1e-8;
        double weight_decay = 1e-2;
        bool amsgrad = false;
        bool maximize = false;
    };
    static constexpr std::string_view name = "AdamW";
    static constexpr void validate(const options& o) { detail::validate_adam_family(name, o); }

    template <class T>
    using state = detail::adam_state<T>;

    template <class T>
    static void update(const options& o, state<T>& st, std::size_t param, T* values, const T* grads,
                       std::size_t offset, std::size_t size) {
        detail::adam_update<true>(o, st, param, values, grads, offset, size);
    }
};

}  // namespace typegrad::optim

namespace typegrad {
using optim::AdamW;
}

#endif
