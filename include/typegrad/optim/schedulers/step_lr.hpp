#ifndef TYPEGRAD_OPTIM_SCHEDULERS_STEP_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_STEP_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>

namespace typegrad::optim {

struct step_lr_options {
    long step_size = 1;  // torch requires it; no default there
    double gamma = 0.1;
};

//! `torch.optim.lr_scheduler.StepLR`: lr ← lr·γ every `step_size` steps.
//! `tg::StepLR sched{opt, {.step_size = 20, .gamma = 0.5}};`
template <class Opt>
class StepLR : public lr_scheduler<StepLR<Opt>, Opt> {
    using base = lr_scheduler<StepLR<Opt>, Opt>;
    friend base;

public:
    using options = step_lr_options;
    StepLR(Opt& opt, options o) : base(opt), o_(o) {
        if (o.step_size <= 0)
            detail::invalid_sched("StepLR",
                                  "step_size must be a positive integer, but got " + std::to_string(o.step_size));
        this->start();
    }

private:
    double get_lr(std::size_t, double lr) const {
        if (this->last_epoch_ == 0 || this->last_epoch_ % o_.step_size != 0)
            return lr;
        return lr * o_.gamma;
    }
    double closed_form_lr(std::size_t i) const {
        return this->base_lrs_[i] * std::pow(o_.gamma, static_cast<double>(this->last_epoch_ / o_.step_size));
    }
    options o_;
};
template <class Opt>
StepLR(Opt&, step_lr_options) -> StepLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::StepLR;
}

#endif
