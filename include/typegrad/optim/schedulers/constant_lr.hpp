#ifndef TYPEGRAD_OPTIM_SCHEDULERS_CONSTANT_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_CONSTANT_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

namespace typegrad::optim {

struct constant_lr_options {
    double factor = 1.0 / 3;
    long total_iters = 5;
};

//! `torch.optim.lr_scheduler.ConstantLR`: lr·factor for the first total_iters steps, then lr.
template <class Opt>
class ConstantLR : public lr_scheduler<ConstantLR<Opt>, Opt> {
    using base = lr_scheduler<ConstantLR<Opt>, Opt>;
    friend base;

public:
    using options = constant_lr_options;
    ConstantLR(Opt& opt, options o) : base(opt), o_(o) {
        if (o.factor > 1.0 || o.factor < 0)
            detail::invalid_sched("ConstantLR", "Constant multiplicative factor expected to be between 0 and 1.");
        this->start();
    }

private:
    double get_lr(std::size_t, double lr) const {
        const long e = this->last_epoch_;
        if (e == 0)
            return lr * o_.factor;
        if (e != o_.total_iters)
            return lr;
        return lr * (1.0 / o_.factor);
    }
    double closed_form_lr(std::size_t i) const {
        return this->base_lrs_[i] * (o_.factor + (this->last_epoch_ >= o_.total_iters ? 1.0 : 0.0) * (1 - o_.factor));
    }
    options o_;
};
template <class Opt>
ConstantLR(Opt&, constant_lr_options) -> ConstantLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::ConstantLR;
}

#endif
