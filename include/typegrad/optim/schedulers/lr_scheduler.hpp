#pragma once
// The common part of torch 1.13's `_LRScheduler`: initial_lr / base_lrs, last_epoch, the initial
// step made at construction, the chainable step() and the closed-form step(epoch). A scheduler
// brings only its options and torch's get_lr.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/errors.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! What a scheduler's lr rule reads: its options, torch's base_lrs, last_epoch and _step_count.
template <class Options>
struct schedule {
    Options o;
    std::vector<double> base_lrs;
    long last_epoch = -1;
    long step_count = 0;
};

//! Base of the epoch-based schedulers (CRTP). `Derived` provides, as static members,
//!   double get_lr(schedule<Options>&, std::size_t group, double current_lr);  // torch's chainable get_lr()
//! (or, constructed with `deferred`, a member `double get_lr(std::size_t group, double current_lr)`)
//! and optionally
//!   double closed_form_lr(const schedule<Options>&, std::size_t group);  // torch's _get_closed_form_lr
//!   void prepare(Options&);  // checks the options (torch's words) and normalises them
//! and a constructor `Derived(Opt& opt, Options o) : Derived::lr_scheduler(opt, std::move(o)) {}`:
//! the base prepares the options and makes torch's initial step. A scheduler that must change the
//! optimiser first (CyclicLR, OneCycleLR) constructs the base with `deferred` and calls start().
template <class Derived, class Opt, class Options>
class lr_scheduler {
public:
    using optimizer_type = Opt;
    using options = Options;

    //! One scheduler step (after `opt.step()`), torch's chainable form.
    void step() {
        ++s_.step_count;
        ++s_.last_epoch;
        auto groups = opt_->param_groups();
        for (std::size_t i = 0; i < groups.size(); ++i)
            groups[i].options.lr = lr_of(i, groups[i].options.lr);
        record();
    }
    //! torch's step(epoch): the closed form where the scheduler has one (used by SequentialLR).
    void step(long epoch) {
        ++s_.step_count;
        s_.last_epoch = epoch;
        auto groups = opt_->param_groups();
        for (std::size_t i = 0; i < groups.size(); ++i) {
            if constexpr (requires { Derived::closed_form_lr(s_, i); })
                groups[i].options.lr = Derived::closed_form_lr(s_, i);
            else
                groups[i].options.lr = lr_of(i, groups[i].options.lr);
        }
        record();
    }
    //! The learning rate of every group after the last step (torch's get_last_lr()).
    std::span<const double> get_last_lr() const { return last_lr_; }
    std::span<const double> base_lrs() const { return s_.base_lrs; }
    long last_epoch() const { return s_.last_epoch; }
    Opt& optimizer() const { return *opt_; }

    //! Calls v(name, value&) for every entry of torch's state_dict() that changes as the scheduler
    //! steps (base_lrs, last_epoch, _step_count, _last_lr, and a scheduler's own such as T_cur):
    //! what a checkpoint saves and restores. The options are not state: a resumed run constructs the
    //! scheduler with its options, then loads.
    template <class V>
    void visit_state(V&& v) {
        v("base_lrs", s_.base_lrs);
        v("last_epoch", s_.last_epoch);
        v("_step_count", s_.step_count);
        v("_last_lr", last_lr_);
        if constexpr (requires { static_cast<Derived&>(*this).visit_own_state(v); })
            static_cast<Derived&>(*this).visit_own_state(v);
    }

    // For SequentialLR, as torch does it.
    void set_last_epoch(long e) { s_.last_epoch = e; }
    void initial_step() {
        s_.step_count = 0;
        static_cast<Derived&>(*this).step();
    }

protected:
    struct deferred {};
    lr_scheduler(Opt& opt, Options o) : lr_scheduler(opt, std::move(o), deferred{}) {
        if constexpr (requires { Derived::prepare(s_.o); })
            Derived::prepare(s_.o);
        take_base_lrs();
        s_.step_count = 0;
        lr_scheduler::step();  // Derived is not constructed yet; it keeps the base's step()
    }
    lr_scheduler(Opt& opt, Options o, deferred) : opt_(&opt), s_{std::move(o), {}, -1, 0} {}
    //! torch's end of _LRScheduler.__init__, for a Derived constructed with `deferred`.
    void start() {
        take_base_lrs();
        initial_step();
    }
    void take_base_lrs() {
        for (auto& g : opt_->param_groups()) {
            if (!g.initial_lr)
                g.initial_lr = g.options.lr;
            s_.base_lrs.push_back(*g.initial_lr);
        }
        last_lr_.resize(s_.base_lrs.size());
    }
    void record() {
        auto groups = opt_->param_groups();
        last_lr_.resize(groups.size());
        for (std::size_t i = 0; i < groups.size(); ++i)
            last_lr_[i] = groups[i].options.lr;
    }

    Opt* opt_;
    schedule<Options> s_;
    std::vector<double> last_lr_;

private:
    // A rule over the schedule alone is static; one that also drives the optimiser's momentum
    // (CyclicLR, OneCycleLR) is a member of the constructed Derived.
    double lr_of(std::size_t i, double lr) {
        if constexpr (requires { Derived::get_lr(s_, i, lr); })
            return Derived::get_lr(s_, i, lr);
        else
            return static_cast<Derived&>(*this).get_lr(i, lr);
    }
};

namespace detail {
// torch's checks of scheduler arguments, worded as torch words them.
inline void require_positive(std::string_view who, std::string_view what, long v) {
    if (v <= 0)
        invalid(who, std::string(what) + " must be a positive integer, but got " + std::to_string(v));
}
inline void require_factor(std::string_view who, std::string_view which, double v) {
    if (v > 1.0 || v < 0)
        invalid(who, std::string(which) + " multiplicative factor expected to be between 0 and 1.");
}

// The group option a momentum-cycling scheduler drives: betas[0] for the Adam family, else momentum.
template <class Options>
double& cycled_momentum(Options& o) {
    if constexpr (requires { o.betas[0]; })
        return o.betas[0];
    else
        return o.momentum;
}
}  // namespace detail

}  // namespace TYPEGRAD_NS::optim
