#pragma once
// torch.optim.lr_scheduler.CyclicLR: the lr (and momentum) between two bounds, cycle after cycle.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/policy.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! CyclicLR's options, torch's keywords and defaults.
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
class CyclicLR : public lr_scheduler<CyclicLR<Opt>, Opt, cyclic_lr_options> {
    using base = lr_scheduler<CyclicLR<Opt>, Opt, cyclic_lr_options>;
    friend base;
    using group_options = typename Opt::options_type;

public:
    CyclicLR(Opt& opt, cyclic_lr_options o) : base(opt, o, typename base::deferred{}) {
        for (auto& g : opt.param_groups())
            g.options.lr = o.base_lr;
        const double up = o.step_size_up, down = o.step_size_down.value_or(up);
        total_size_ = up + down;
        step_ratio_ = up / total_size_;
        if (o.mode != "triangular" && o.mode != "triangular2" && o.mode != "exp_range")
            detail::invalid("CyclicLR", "mode is invalid and scale_fn is None");
        if (o.cycle_momentum) {
            if constexpr (HasMomentum<group_options>) {
                for (auto& g : opt.param_groups()) {
                    g.options.momentum = o.base_momentum;
                    base_momentums_.push_back(g.options.momentum);
                }
            } else {
                detail::invalid("CyclicLR", "optimizer must support momentum with `cycle_momentum` option enabled");
            }
        }
        this->start();
        this->s_.base_lrs.assign(this->s_.base_lrs.size(), o.base_lr);
    }

private:
    double scale_fn(double x) const {
        if (this->s_.o.mode == "triangular")
            return 1.;
        if (this->s_.o.mode == "triangular2")
            return 1 / std::pow(2., x - 1);
        return std::pow(this->s_.o.gamma, x);
    }
    double get_lr(std::size_t i, double) {
        const double e = static_cast<double>(this->s_.last_epoch);
        const double cycle = std::floor(1 + e / total_size_);
        const double x = 1. + e / total_size_ - cycle;
        const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
        const double arg = this->s_.o.mode == "exp_range" ? e : cycle;
        // The first (initial) step runs inside the base class before base_lrs is reset to base_lr,
        // exactly as in torch, where base_lrs are initial_lr there.
        const double lr =
            this->s_.base_lrs[i] + (this->s_.o.max_lr - this->s_.base_lrs[i]) * scale_factor * scale_fn(arg);
        if constexpr (HasMomentum<group_options>) {
            if (this->s_.o.cycle_momentum) {
                const double base_height = (this->s_.o.max_momentum - base_momentums_[i]) * scale_factor;
                this->opt_->param_groups()[i].options.momentum = this->s_.o.max_momentum - base_height * scale_fn(arg);
            }
        }
        return lr;
    }
    double total_size_ = 0, step_ratio_ = 0;
    std::vector<double> base_momentums_;
};
}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::CyclicLR;
}
