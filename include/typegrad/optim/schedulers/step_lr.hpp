#pragma once
// torch.optim.lr_scheduler.StepLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>

namespace TYPEGRAD_NS::optim {

//! StepLR's options, torch's keywords (torch requires step_size).
struct step_lr_options {
    long step_size = 1;
    double gamma = 0.1;
};

//! `torch.optim.lr_scheduler.StepLR`: lr ← lr·γ every `step_size` steps.
//! `tg::StepLR sched{opt, {.step_size = 20, .gamma = 0.5}};`
template <class Opt>
struct StepLR : lr_scheduler<StepLR<Opt>, Opt, step_lr_options> {
    StepLR(Opt& opt, step_lr_options o) : StepLR::lr_scheduler(opt, o) {}

    static void prepare(const step_lr_options& o) { detail::require_positive("StepLR", "step_size", o.step_size); }
    static double get_lr(const schedule<step_lr_options>& s, std::size_t, double lr) {
        return s.last_epoch == 0 || s.last_epoch % s.o.step_size != 0 ? lr : lr * s.o.gamma;
    }
    static double closed_form_lr(const schedule<step_lr_options>& s, std::size_t i) {
        return s.base_lrs[i] * std::pow(s.o.gamma, static_cast<double>(s.last_epoch / s.o.step_size));
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::StepLR;
}
