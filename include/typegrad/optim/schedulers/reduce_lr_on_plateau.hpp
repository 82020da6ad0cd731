#pragma once
// torch.optim.lr_scheduler.ReduceLROnPlateau: stepped with a metric, not an _LRScheduler.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! ReduceLROnPlateau's options, torch's keywords and defaults.
struct reduce_lr_on_plateau_options {
    std::string_view mode = "min";  // "min" or "max"
    double factor = 0.1;
    long patience = 10;
    double threshold = 1e-4;
    std::string_view threshold_mode = "rel";  // "rel" or "abs"
    long cooldown = 0;
    double min_lr = 0;
    double eps = 1e-8;
};

//! `torch.optim.lr_scheduler.ReduceLROnPlateau`: `step(metric)` after each optimiser step; the lr
//! is cut to max(lr·factor, min_lr) after more than `patience` steps without improvement, when that
//! changes it by more than eps.
template <class Opt>
class ReduceLROnPlateau {
public:
    using options = reduce_lr_on_plateau_options;
    using optimizer_type = Opt;
    ReduceLROnPlateau(Opt& opt, options o) : opt_(&opt), o_(o) {
        constexpr std::string_view who = "ReduceLROnPlateau";
        if (o.factor >= 1.0)
            detail::invalid(who, "Factor should be < 1.0.");
        if (o.mode != "min" && o.mode != "max")
            detail::invalid(who, "mode " + std::string(o.mode) + " is unknown!");
        if (o.threshold_mode != "rel" && o.threshold_mode != "abs")
            detail::invalid(who, "threshold mode " + std::string(o.threshold_mode) + " is unknown!");
        max_ = o.mode == "max";
        rel_ = o.threshold_mode == "rel";
        best_ = max_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        last_lr_.resize(opt.param_groups().size());
    }

    void step(double metric) {
        ++last_epoch_;
        if (is_better(metric, best_)) {
            best_ = metric;
            num_bad_epochs_ = 0;
        } else {
            ++num_bad_epochs_;
        }
        if (cooldown_counter_ > 0) {
            --cooldown_counter_;
            num_bad_epochs_ = 0;
        }
        if (num_bad_epochs_ > o_.patience) {
            for (auto& g : opt_->param_groups()) {
                const double old_lr = g.options.lr;
                const double new_lr = std::max(old_lr * o_.factor, o_.min_lr);
                if (old_lr - new_lr > o_.eps)
                    g.options.lr = new_lr;
            }
            cooldown_counter_ = o_.cooldown;
            num_bad_epochs_ = 0;
        }
        auto groups = opt_->param_groups();
        last_lr_.resize(groups.size());
        for (std::size_t i = 0; i < groups.size(); ++i)
            last_lr_[i] = groups[i].options.lr;
    }
    std::span<const double> get_last_lr() const { return last_lr_; }
    double best() const { return best_; }
    long num_bad_epochs() const { return num_bad_epochs_; }
    bool in_cooldown() const { return cooldown_counter_ > 0; }
    long last_epoch() const { return last_epoch_; }
    Opt& optimizer() const { return *opt_; }

    //! Calls v(name, value&) for every entry of torch's state_dict() that changes as it steps.
    template <class V>
    void visit_state(V&& v) {
        v("best", best_);
        v("num_bad_epochs", num_bad_epochs_);
        v("cooldown_counter", cooldown_counter_);
        v("last_epoch", last_epoch_);
        v("_last_lr", last_lr_);
    }

private:
    bool is_better(double a, double best) const {
        if (!max_ && rel_)
            return a < best * (1. - o_.threshold);
        if (!max_)
            return a < best - o_.threshold;
        if (rel_)
            return a > best * (o_.threshold + 1.);
        return a > best + o_.threshold;
    }
    Opt* opt_;
    options o_;
    bool max_ = false, rel_ = true;
    double best_;
    long num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
    std::vector<double> last_lr_;
};
}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::ReduceLROnPlateau;
}
