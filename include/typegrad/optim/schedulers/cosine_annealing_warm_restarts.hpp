#pragma once
// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR), with its own step counting.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>
#include <numbers>

namespace TYPEGRAD_NS::optim {

//! CosineAnnealingWarmRestarts' options (torch requires T_0).
struct cosine_annealing_warm_restarts_options {
    long T_0 = 1, T_mult = 1;
    double eta_min = 0;
};

//! `torch.optim.lr_scheduler.CosineAnnealingWarmRestarts` (SGDR): cosine from base_lr to eta_min
//! over T_i steps, then restart with T_i ← T_i·T_mult.
template <class Opt>
class CosineAnnealingWarmRestarts
    : public lr_scheduler<CosineAnnealingWarmRestarts<Opt>, Opt, cosine_annealing_warm_restarts_options> {
    using base = lr_scheduler<CosineAnnealingWarmRestarts<Opt>, Opt, cosine_annealing_warm_restarts_options>;

public:
    CosineAnnealingWarmRestarts(Opt& opt, cosine_annealing_warm_restarts_options o)
        : base(opt, o, typename base::deferred{}), T_i_(static_cast<double>(o.T_0)) {
        constexpr std::string_view who = "CosineAnnealingWarmRestarts";
        if (o.T_0 <= 0)
            detail::invalid(who, "Expected positive integer T_0, but got " + std::to_string(o.T_0));
        if (o.T_mult < 1)
            detail::invalid(who, "Expected integer T_mult >= 1, but got " + std::to_string(o.T_mult));
        this->start();
    }

    //! The state of its own, torch's names (see lr_scheduler::visit_state).
    template <class V>
    void visit_own_state(V& v) {
        v("T_i", T_i_);
        v("T_cur", T_cur_);
    }

    //! torch's step(): T_cur + 1, restarting past T_i.
    void step() {
        if (this->s_.last_epoch < 0)
            return step(0L);
        ++this->s_.step_count;
        T_cur_ += 1;
        if (T_cur_ >= T_i_) {
            T_cur_ -= T_i_;
            T_i_ *= static_cast<double>(this->s_.o.T_mult);
        }
        this->s_.last_epoch += 1;
        apply();
    }
    //! torch's step(epoch) for an integer epoch.
    void step(long epoch) {
        if (epoch < 0)
            detail::invalid("CosineAnnealingWarmRestarts",
                            "Expected non-negative epoch, but got " + std::to_string(epoch));
        ++this->s_.step_count;
        const double e = static_cast<double>(epoch), T_0 = static_cast<double>(this->s_.o.T_0);
        if (epoch >= this->s_.o.T_0) {
            if (this->s_.o.T_mult == 1) {
                T_cur_ = static_cast<double>(epoch % this->s_.o.T_0);
            } else {
                const double m = static_cast<double>(this->s_.o.T_mult);
                const double n = std::floor(std::log(e / T_0 * (m - 1) + 1) / std::log(m));
                T_cur_ = e - T_0 * (std::pow(m, n) - 1) / (m - 1);
                T_i_ = T_0 * std::pow(m, n);
            }
        } else {
            T_i_ = T_0;
            T_cur_ = e;
        }
        this->s_.last_epoch = epoch;
        apply();
    }

private:
    void apply() {
        auto groups = this->opt_->param_groups();
        for (std::size_t i = 0; i < groups.size(); ++i)
            groups[i].options.lr = this->s_.o.eta_min + (this->s_.base_lrs[i] - this->s_.o.eta_min) *
                                                            (1 + std::cos(std::numbers::pi * T_cur_ / T_i_)) / 2;
        this->record();
    }
    double T_i_;
    double T_cur_ = -1;
};
}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::CosineAnnealingWarmRestarts;
}
