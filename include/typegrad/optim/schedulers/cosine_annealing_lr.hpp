#ifndef TYPEGRAD_OPTIM_SCHEDULERS_COSINE_ANNEALING_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_COSINE_ANNEALING_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>
#include <numbers>

namespace typegrad::optim {

struct cosine_annealing_lr_options {
    long T_max = 1;  // torch requires it; no default there
    double eta_min = 0;
};

//! `torch.optim.lr_scheduler.CosineAnnealingLR`, in torch's recursive form (each lr from the
//! previous one); past T_max the cosine rises again, as in torch.
template <class Opt>
class CosineAnnealingLR : public lr_scheduler<CosineAnnealingLR<Opt>, Opt> {
    using base = lr_scheduler<CosineAnnealingLR<Opt>, Opt>;
    friend base;

public:
    using options = cosine_annealing_lr_options;
    CosineAnnealingLR(Opt& opt, options o) : base(opt), o_(o) {
        if (o.T_max <= 0)
            detail::invalid_sched("CosineAnnealingLR",
                                  "T_max must be a positive integer, but got " + std::to_string(o.T_max));
        this->start();
    }

private:
    double get_lr(std::size_t i, double lr) const {
        constexpr double pi = std::numbers::pi;
        const long e = this->last_epoch_;
        const double T_max = static_cast<double>(o_.T_max), eta_min = o_.eta_min;
        if (e == 0)
            return lr;
        if (this->step_count_ == 1 && e > 0)
            return eta_min + (this->base_lrs_[i] - eta_min) * (1 + std::cos(static_cast<double>(e) * pi / T_max)) / 2;
        const long period = 2 * o_.T_max;
        if ((((e - 1 - o_.T_max) % period) + period) % period == 0)
            return lr + (this->base_lrs_[i] - eta_min) * (1 - std::cos(pi / T_max)) / 2;
        return (1 + std::cos(pi * static_cast<double>(e) / T_max)) /
                   (1 + std::cos(pi * static_cast<double>(e - 1) / T_max)) * (lr - eta_min) +
               eta_min;
    }
    double closed_form_lr(std::size_t i) const {
        constexpr double pi = std::numbers::pi;
        return o_.eta_min +
               (this->base_lrs_[i] - o_.eta_min) *
                   (1 + std::cos(pi * static_cast<double>(this->last_epoch_) / static_cast<double>(o_.T_max))) / 2;
    }
    options o_;
};
template <class Opt>
CosineAnnealingLR(Opt&, cosine_annealing_lr_options) -> CosineAnnealingLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::CosineAnnealingLR;
}

#endif
