#ifndef TYPEGRAD_OPTIM_SCHEDULERS_CYCLIC_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_CYCLIC_LR_HPP

#include <typegrad/optim/policy.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

namespace typegrad::optim {

struct cyclic_lr_options {
    double base_lr = 0;  // torch requires both
    double max_lr = 0;
    double step_size_up = 2000;
    std::optional<double> step_size_down{};
    std::string_view mode = "triangular";  // "triangular", "triangular2" or "exp_range"
    double gamma = 1.;
    bool cycle_momentum = true;
    double base_momentum = 0.8;
    double max_momentum = 0.9;
};

//! `torch.optim.lr_scheduler.CyclicLR` (built-in modes; torch 1.13 cycles `momentum` only, so
//! cycle_momentum needs an optimiser with a `momentum` option, e.g. SGD).
template <class Opt>
class CyclicLR : public lr_scheduler<CyclicLR<Opt>, Opt> {
    using base = lr_scheduler<CyclicLR<Opt>, Opt>;
    friend base;
    using group_options = typename Opt::options_type;

public:
    using options = cyclic_lr_options;
    CyclicLR(Opt& opt, options o) : base(opt), o_(o) {
        for (auto& g : opt.param_groups())
            g.options.lr = o.base_lr;
        const double up = o.step_size_up, down = o.step_size_down.value_or(up);
        total_size_ = up + down;
        step_ratio_ = up / total_size_;
        if (o.mode != "triangular" && o.mode != "triangular2" && o.mode != "exp_range")
            detail::invalid_sched("CyclicLR", "mode is invalid and scale_fn is None");
        if (o.cycle_momentum) {
            if constexpr (has_momentum<group_options>) {
                for (auto& g : opt.param_groups()) {
                    g.options.momentum = o.base_momentum;
                    base_momentums_.push_back(g.options.momentum);
                }
            } else {
                detail::invalid_sched("CyclicLR",
                                      "optimizer must support momentum with `cycle_momentum` option enabled");
            }
        }
        this->start();
        this->base_lrs_.assign(this->base_lrs_.size(), o.base_lr);
    }

private:
    double scale_fn(double x) const {
        if (o_.mode == "triangular")
            return 1.;
        if (o_.mode == "triangular2")
            return 1 / std::pow(2., x - 1);
        return std::pow(o_.gamma, x);
    }
    double get_lr(std::size_t i, double) {
        const double e = static_cast<double>(this->last_epoch_);
        const double cycle = std::floor(1 + e / total_size_);
        const double x = 1. + e / total_size_ - cycle;
        const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
        const double arg = o_.mode == "exp_range" ? e : cycle;
        // The first (initial) step runs inside the base class before base_lrs is reset to base_lr,
        // exactly as in torch, where base_lrs are initial_lr there.
        const double lr = this->base_lrs_[i] + (o_.max_lr - this->base_lrs_[i]) * scale_factor * scale_fn(arg);
        if constexpr (has_momentum<group_options>) {
            if (o_.cycle_momentum) {
                const double base_height = (o_.max_momentum - base_momentums_[i]) * scale_factor;
                this->opt_->param_groups()[i].options.momentum = o_.max_momentum - base_height * scale_fn(arg);
            }
        }
        return lr;
    }
    options o_;
    double total_size_ = 0, step_ratio_ = 0;
    std::vector<double> base_momentums_;
};
template <class Opt>
CyclicLR(Opt&, cyclic_lr_options) -> CyclicLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::CyclicLR;
}

#endif
