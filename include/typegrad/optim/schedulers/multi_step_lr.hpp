#ifndef TYPEGRAD_OPTIM_SCHEDULERS_MULTI_STEP_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_MULTI_STEP_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace typegrad::optim {

struct multi_step_lr_options {
    std::vector<long> milestones;
    double gamma = 0.1;
};

//! `torch.optim.lr_scheduler.MultiStepLR`: lr ← lr·γ^k at a step listed k times in milestones.
template <class Opt>
class MultiStepLR : public lr_scheduler<MultiStepLR<Opt>, Opt> {
    using base = lr_scheduler<MultiStepLR<Opt>, Opt>;
    friend base;

public:
    using options = multi_step_lr_options;
    MultiStepLR(Opt& opt, options o) : base(opt), o_(std::move(o)) {
        std::sort(o_.milestones.begin(), o_.milestones.end());
        this->start();
    }

private:
    double get_lr(std::size_t, double lr) const {
        const auto k = std::count(o_.milestones.begin(), o_.milestones.end(), this->last_epoch_);
        if (k == 0)
            return lr;
        return lr * std::pow(o_.gamma, static_cast<double>(k));
    }
    double closed_form_lr(std::size_t i) const {
        const auto k =
            std::upper_bound(o_.milestones.begin(), o_.milestones.end(), this->last_epoch_) - o_.milestones.begin();
        return this->base_lrs_[i] * std::pow(o_.gamma, static_cast<double>(k));
    }
    options o_;
};
template <class Opt>
MultiStepLR(Opt&, multi_step_lr_options) -> MultiStepLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::MultiStepLR;
}

#endif
