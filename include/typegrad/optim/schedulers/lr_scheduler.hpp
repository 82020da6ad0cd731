#ifndef TYPEGRAD_OPTIM_SCHEDULERS_LR_SCHEDULER_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_LR_SCHEDULER_HPP

// The common part of torch 1.13's `_LRScheduler`: initial_lr / base_lrs, last_epoch, the initial
// step made at construction, the chainable step() and the closed-form step(epoch).

#include <typegrad/optim/kernel.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace typegrad::optim {

//! Base of the epoch-based schedulers (CRTP). `Derived` provides
//!   double get_lr(std::size_t group, double current_lr);     // torch's chainable get_lr()
//! and optionally `double closed_form_lr(std::size_t group)` (torch's _get_closed_form_lr).
//! A derived constructor sets its fields, then calls `start()` (torch: super().__init__ last).
template <class Derived, class Opt>
class lr_scheduler {
public:
    using optimizer_type = Opt;

    //! One scheduler step (after `opt.step()`), torch's chainable form.
    void step() {
        ++step_count_;
        ++last_epoch_;
        auto groups = opt_->param_groups();
        for (std::size_t i = 0; i < groups.size(); ++i) {
            const double lr = derived().get_lr(i, groups[i].options.lr);
            groups[i].options.lr = lr;
        }
        record();
    }
    //! torch's step(epoch): the closed form where the scheduler has one (used by SequentialLR).
    void step(long epoch) {
        ++step_count_;
        last_epoch_ = epoch;
        auto groups = opt_->param_groups();
        for (std::size_t i = 0; i < groups.size(); ++i) {
            double lr;
            if constexpr (requires(Derived & d) { d.closed_form_lr(i); })
                lr = derived().closed_form_lr(i);
            else
                lr = derived().get_lr(i, groups[i].options.lr);
            groups[i].options.lr = lr;
        }
        record();
    }
    //! The learning rate of every group after the last step (torch's get_last_lr()).
    std::span<const double> get_last_lr() const { return last_lr_; }
    std::span<const double> base_lrs() const { return base_lrs_; }
    long last_epoch() const { return last_epoch_; }
    Opt& optimizer() const { return *opt_; }

    // For SequentialLR, as torch does it.
    void set_last_epoch(long e) { last_epoch_ = e; }
    void initial_step() {
        step_count_ = 0;
        derived().step();
    }

protected:
    explicit lr_scheduler(Opt& opt) : opt_(&opt) {}
    void start() {
        for (auto& g : opt_->param_groups()) {
            if (!g.initial_lr)
                g.initial_lr = g.options.lr;
            base_lrs_.push_back(*g.initial_lr);
        }
        last_lr_.resize(base_lrs_.size());
        initial_step();
    }
    void record() {
        auto groups = opt_->param_groups();
        last_lr_.resize(groups.size());
        for (std::size_t i = 0; i < groups.size(); ++i)
            last_lr_[i] = groups[i].options.lr;
    }
    Derived& derived() { return static_cast<Derived&>(*this); }

    Opt* opt_;
    std::vector<double> base_lrs_;
    std::vector<double> last_lr_;
    long last_epoch_ = -1;
    long step_count_ = 0;
};

namespace detail {
[[noreturn]] inline void invalid_sched(std::string_view who, const std::string& what) { invalid(who, what); }

// The group option a momentum-cycling scheduler drives: betas[0] for the Adam family, else momentum.
template <class Options>
double& cycled_momentum(Options& o) {
    if constexpr (requires { o.betas[0]; })
        return o.betas[0];
    else
        return o.momentum;
}
}  // namespace detail

}  // namespace typegrad::optim

#endif
