#pragma once
// torch.optim.lr_scheduler.SequentialLR and ChainedScheduler: schedulers made of schedulers.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! `torch.optim.lr_scheduler.SequentialLR`: runs schedulers[k] between milestones[k-1] and
//! milestones[k]; at a milestone the next one restarts at epoch 0 (its closed form).
//! `tg::SequentialLR seq{opt, std::tuple{tg::LinearLR{opt, {...}}, tg::ExponentialLR{opt, {...}}}, {5}};`
template <class Opt, class... S>
class SequentialLR {
    static_assert(sizeof...(S) > 0, "typegrad: SequentialLR needs at least one scheduler");

public:
    SequentialLR(Opt& opt, std::tuple<S...> schedulers, std::vector<long> milestones)
        : opt_(&opt), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
        std::size_t k = 0;
        std::apply(
            [&](auto&... s) {
                (((&s.optimizer() != &opt)
                      ? detail::invalid("SequentialLR",
                                        "Sequential Schedulers expects all schedulers to belong to the same "
                                        "optimizer, but got schedulers at index " +
                                            std::to_string(k) + " to be different than the optimizer passed in.")
                      : void(++k)),
                 ...);
            },
            schedulers_);
        if (milestones_.size() != sizeof...(S) - 1)
            detail::invalid("SequentialLR",
                            "Sequential Schedulers expects number of schedulers provided to be one more than the "
                            "number of milestone points, but got number of schedulers " +
                                std::to_string(sizeof...(S)) + " and the number of milestones to be equal to " +
                                std::to_string(milestones_.size()));
        for (auto& g : opt.param_groups())
            g.options.lr = g.initial_lr.value_or(g.options.lr);
        std::apply([](auto&... s) { (s.set_last_epoch(s.last_epoch() - 1), ...); }, schedulers_);
        std::get<0>(schedulers_).initial_step();
        auto l = std::get<0>(schedulers_).get_last_lr();
        last_lr_.assign(l.begin(), l.end());
    }

    void step() {
        ++last_epoch_;
        const auto idx = static_cast<std::size_t>(
            std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
        const bool restart = idx > 0 && milestones_[idx - 1] == last_epoch_;
        visit(idx, [&](auto& s) {
            if (restart)
                s.step(0L);
            else
                s.step();
            auto l = s.get_last_lr();
            last_lr_.assign(l.begin(), l.end());
        });
    }
    std::span<const double> get_last_lr() const { return last_lr_; }
    Opt& optimizer() const { return *opt_; }
    std::tuple<S...>& schedulers() { return schedulers_; }
    //! Calls v(name, value&) for its own state and v.nested("_schedulers", k, scheduler) for each
    //! scheduler it runs (torch: state_dict()["_schedulers"][k]).
    template <class V>
    void visit_state(V&& v) {
        v("last_epoch", last_epoch_);
        v("_last_lr", last_lr_);
        std::size_t k = 0;
        std::apply([&](auto&... s) { (v.nested("_schedulers", k++, s), ...); }, schedulers_);
    }

private:
    template <class F>
    void visit(std::size_t idx, F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) { ((I == idx ? f(std::get<I>(schedulers_)) : void()), ...); }
        (std::index_sequence_for<S...>{});
    }
    Opt* opt_;
    std::tuple<S...> schedulers_;
    std::vector<long> milestones_;
    long last_epoch_ = 0;
    std::vector<double> last_lr_;
};
//! `torch.optim.lr_scheduler.ChainedScheduler`: steps every scheduler, in order, at each step.
template <class... S>
class ChainedScheduler {
    static_assert(sizeof...(S) > 0, "typegrad: ChainedScheduler needs at least one scheduler");

public:
    explicit ChainedScheduler(S... schedulers) : schedulers_(std::move(schedulers)...) {
        auto* opt = &std::get<0>(schedulers_).optimizer();
        std::size_t k = 0;
        std::apply(
            [&](auto&... s) {
                ((&s.optimizer() != opt ? detail::invalid("ChainedScheduler",
                                                          "ChainedScheduler expects all schedulers to belong to the "
                                                          "same optimizer, but got schedulers at index 0 and " +
                                                              std::to_string(k) + " to be different")
                                        : void(++k)),
                 ...);
            },
            schedulers_);
        record();
    }
    void step() {
        std::apply([](auto&... s) { (s.step(), ...); }, schedulers_);
        record();
    }
    std::span<const double> get_last_lr() const { return last_lr_; }
    auto& optimizer() const { return std::get<0>(schedulers_).optimizer(); }
    //! Calls v(name, value&) for its own state and v.nested("_schedulers", k, scheduler) for each
    //! scheduler it steps.
    template <class V>
    void visit_state(V&& v) {
        v("_last_lr", last_lr_);
        std::size_t k = 0;
        std::apply([&](auto&... s) { (v.nested("_schedulers", k++, s), ...); }, schedulers_);
    }

private:
    void record() {
        last_lr_.clear();
        for (const auto& g : optimizer().param_groups())
            last_lr_.push_back(g.options.lr);
    }
    std::tuple<S...> schedulers_;
    std::vector<double> last_lr_;
};
}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::ChainedScheduler;
using optim::SequentialLR;
}  // namespace TYPEGRAD_NS
