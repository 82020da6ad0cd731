#pragma once
// torch.optim.lr_scheduler.ExponentialLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>

namespace TYPEGRAD_NS::optim {

//! ExponentialLR's options (torch requires gamma; 0.1 is ours).
struct exponential_lr_options {
    double gamma = 0.1;
};

//! `torch.optim.lr_scheduler.ExponentialLR`: lr ← lr·γ every step.
template <class Opt>
struct ExponentialLR : lr_scheduler<ExponentialLR<Opt>, Opt, exponential_lr_options> {
    ExponentialLR(Opt& opt, exponential_lr_options o) : ExponentialLR::lr_scheduler(opt, o) {}

    static double get_lr(const schedule<exponential_lr_options>& s, std::size_t, double lr) {
        return s.last_epoch == 0 ? lr : lr * s.o.gamma;
    }
    static double closed_form_lr(const schedule<exponential_lr_options>& s, std::size_t i) {
        return s.base_lrs[i] * std::pow(s.o.gamma, static_cast<double>(s.last_epoch));
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::ExponentialLR;
}
