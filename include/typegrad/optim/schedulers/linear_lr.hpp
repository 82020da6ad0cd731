#ifndef TYPEGRAD_OPTIM_SCHEDULERS_LINEAR_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_LINEAR_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>

namespace typegrad::optim {

struct linear_lr_options {
    double start_factor = 1.0 / 3;
    double end_factor = 1.0;
    long total_iters = 5;
};

//! `torch.optim.lr_scheduler.LinearLR`: the factor goes linearly from start_factor to end_factor
//! over total_iters steps (torch's recursive form).
template <class Opt>
class LinearLR : public lr_scheduler<LinearLR<Opt>, Opt> {
    using base = lr_scheduler<LinearLR<Opt>, Opt>;
    friend base;

public:
    using options = linear_lr_options;
    LinearLR(Opt& opt, options o) : base(opt), o_(o) {
        if (o.start_factor > 1.0 || o.start_factor < 0)
            detail::invalid_sched("LinearLR", "Starting multiplicative factor expected to be between 0 and 1.");
        if (o.end_factor > 1.0 || o.end_factor < 0)
            detail::invalid_sched("LinearLR", "Ending multiplicative factor expected to be between 0 and 1.");
        this->start();
    }

private:
    double get_lr(std::size_t, double lr) const {
        const long e = this->last_epoch_;
        if (e == 0)
            return lr * o_.start_factor;
        if (e > o_.total_iters)
            return lr;
        const double d = o_.end_factor - o_.start_factor;
        return lr * (1. + d / (static_cast<double>(o_.total_iters) * o_.start_factor + static_cast<double>(e - 1) * d));
    }
    double closed_form_lr(std::size_t i) const {
        const double k = static_cast<double>(std::min(o_.total_iters, this->last_epoch_));
        return this->base_lrs_[i] *
               (o_.start_factor + (o_.end_factor - o_.start_factor) * k / static_cast<double>(o_.total_iters));
    }
    options o_;
};
template <class Opt>
LinearLR(Opt&, linear_lr_options) -> LinearLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::LinearLR;
}

#endif
