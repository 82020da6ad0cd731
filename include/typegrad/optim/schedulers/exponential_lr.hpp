#ifndef TYPEGRAD_OPTIM_SCHEDULERS_EXPONENTIAL_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_EXPONENTIAL_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>

namespace typegrad::optim {

struct exponential_lr_options {
    double gamma = 0.1;  // torch requires it; no default there
};

//! `torch.optim.lr_scheduler.ExponentialLR`: lr ← lr·γ every step.
template <class Opt>
class ExponentialLR : public lr_scheduler<ExponentialLR<Opt>, Opt> {
    using base = lr_scheduler<ExponentialLR<Opt>, Opt>;
    friend base;

public:
    using options = exponential_lr_options;
    ExponentialLR(Opt& opt, options o) : base(opt), o_(o) { this->start(); }

private:
    double get_lr(std::size_t, double lr) const { return this->last_epoch_ == 0 ? lr : lr * o_.gamma; }
    double closed_form_lr(std::size_t i) const {
        return this->base_lrs_[i] * std::pow(o_.gamma, static_cast<double>(this->last_epoch_));
    }
    options o_;
};
template <class Opt>
ExponentialLR(Opt&, exponential_lr_options) -> ExponentialLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::ExponentialLR;
}

#endif
