#pragma once
// torch.optim.lr_scheduler.OneCycleLR: the 1cycle policy over lr and momentum.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/policy.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>
#include <numbers>
#include <optional>
#include <string_view>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! OneCycleLR's options, torch's keywords and defaults.
struct one_cycle_lr_options {
    double max_lr = 0;  // torch requires it
    std::optional<long> total_steps{};
    std::optional<long> epochs{};
    std::optional<long> steps_per_epoch{};
    double pct_start = 0.3;
    std::string_view anneal_strategy = "cos";  // "cos" or "linear"
    bool cycle_momentum = true;
    double base_momentum = 0.85;
    double max_momentum = 0.95;
    double div_factor = 25.;
    double final_div_factor = 1e4;
    bool three_phase = false;
};

//! `torch.optim.lr_scheduler.OneCycleLR`. On construction sets every group's lr to
//! max_lr/div_factor and, with cycle_momentum, its momentum (SGD, RMSprop) or betas[0] (Adam
//! family) to max_momentum; then sets both at every step.
template <class Opt>
class OneCycleLR : public lr_scheduler<OneCycleLR<Opt>, Opt, one_cycle_lr_options> {
    using base = lr_scheduler<OneCycleLR<Opt>, Opt, one_cycle_lr_options>;
    friend base;
    using group_options = typename Opt::options_type;

public:
    OneCycleLR(Opt& opt, one_cycle_lr_options o) : base(opt, o, typename base::deferred{}) {
        constexpr std::string_view who = "OneCycleLR";
        if (!o.total_steps && !o.epochs && !o.steps_per_epoch)
            detail::invalid(who, "You must define either total_steps OR (epochs AND steps_per_epoch)");
        if (o.total_steps) {
            if (*o.total_steps <= 0)
                detail::invalid(who,
                                "Expected positive integer total_steps, but got " + std::to_string(*o.total_steps));
            total_steps_ = *o.total_steps;
        } else {
            const long e = o.epochs.value_or(0), s = o.steps_per_epoch.value_or(0);
            if (e <= 0)
                detail::invalid(who, "Expected positive integer epochs, but got " + std::to_string(e));
            if (s <= 0)
                detail::invalid(who, "Expected positive integer steps_per_epoch, but got " + std::to_string(s));
            total_steps_ = e * s;
        }
        const double n = static_cast<double>(total_steps_);
        if (o.three_phase)
            phases_ = {{o.pct_start * n - 1, lr_initial, lr_max, mom_max, mom_base},
                       {2 * o.pct_start * n - 2, lr_max, lr_initial, mom_base, mom_max},
                       {n - 1, lr_initial, lr_min, mom_max, mom_max}};
        else
            phases_ = {{o.pct_start * n - 1, lr_initial, lr_max, mom_max, mom_base},
                       {n - 1, lr_max, lr_min, mom_base, mom_max}};
        if (o.pct_start < 0 || o.pct_start > 1)
            detail::invalid(who, "Expected float between 0 and 1 pct_start, but got " + detail::py_repr(o.pct_start));
        if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear")
            detail::invalid(
                who, "anneal_strategy must by one of 'cos' or 'linear', instead got " + std::string(o.anneal_strategy));
        linear_ = o.anneal_strategy == "linear";
        for (auto& g : opt.param_groups()) {
            g.initial_lr = o.max_lr / o.div_factor;
            per_group_.push_back(
                {*g.initial_lr, o.max_lr, *g.initial_lr / o.final_div_factor, o.max_momentum, o.base_momentum});
        }
        if (o.cycle_momentum) {
            if constexpr (HasBetas<group_options> || HasMomentum<group_options>) {
                for (auto& g : opt.param_groups())
                    detail::cycled_momentum(g.options) = o.max_momentum;
            } else {
                detail::invalid(who, "optimizer must support momentum with `cycle_momentum` option enabled");
            }
        }
        this->start();
    }

private:
    enum which { lr_initial, lr_max, lr_min, mom_max, mom_base };
    struct phase {
        double end_step;
        which start_lr, end_lr, start_momentum, end_momentum;
    };
    struct values {
        double initial_lr, max_lr, min_lr, max_momentum, base_momentum;
        double get(which w) const {
            switch (w) {
                case lr_initial:
                    return initial_lr;
                case lr_max:
                    return max_lr;
                case lr_min:
                    return min_lr;
                case mom_max:
                    return max_momentum;
                default:
                    return base_momentum;
            }
        }
    };
    double anneal(double start, double end, double pct) const {
        if (linear_)
            return (end - start) * pct + start;
        const double cos_out = std::cos(std::numbers::pi * pct) + 1;
        return end + (start - end) / 2.0 * cos_out;
    }
    double get_lr(std::size_t i, double) {
        const long step_num = this->s_.last_epoch;
        if (step_num > total_steps_)
            detail::invalid("OneCycleLR", "Tried to step " + std::to_string(step_num + 1) +
                                              " times. The specified number of total steps is " +
                                              std::to_string(total_steps_));
        const auto& v = per_group_[i];
        double start_step = 0, lr = 0, momentum = 0;
        for (std::size_t k = 0; k < phases_.size(); ++k) {
            const auto& ph = phases_[k];
            if (static_cast<double>(step_num) <= ph.end_step || k == phases_.size() - 1) {
                const double pct = (static_cast<double>(step_num) - start_step) / (ph.end_step - start_step);
                lr = anneal(v.get(ph.start_lr), v.get(ph.end_lr), pct);
                momentum = anneal(v.get(ph.start_momentum), v.get(ph.end_momentum), pct);
                break;
            }
            start_step = ph.end_step;
        }
        if constexpr (HasBetas<group_options> || HasMomentum<group_options>)
            if (this->s_.o.cycle_momentum)
                detail::cycled_momentum(this->opt_->param_groups()[i].options) = momentum;
        return lr;
    }
    long total_steps_ = 0;
    bool linear_ = false;
    std::vector<phase> phases_;
    std::vector<values> per_group_;
};
}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::OneCycleLR;
}
