#pragma once
// torch.optim.lr_scheduler.MultiStepLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! MultiStepLR's options, torch's keywords (milestones in any order, repeats counted).
struct multi_step_lr_options {
    std::vector<long> milestones;
    double gamma = 0.1;
};

//! `torch.optim.lr_scheduler.MultiStepLR`: lr ← lr·γ^k at a step listed k times in milestones.
template <class Opt>
struct MultiStepLR : lr_scheduler<MultiStepLR<Opt>, Opt, multi_step_lr_options> {
    MultiStepLR(Opt& opt, multi_step_lr_options o) : MultiStepLR::lr_scheduler(opt, std::move(o)) {}

    static void prepare(multi_step_lr_options& o) { std::sort(o.milestones.begin(), o.milestones.end()); }
    static double get_lr(const schedule<multi_step_lr_options>& s, std::size_t, double lr) {
        const auto k = std::count(s.o.milestones.begin(), s.o.milestones.end(), s.last_epoch);
        return k == 0 ? lr : lr * std::pow(s.o.gamma, static_cast<double>(k));
    }
    static double closed_form_lr(const schedule<multi_step_lr_options>& s, std::size_t i) {
        const auto& m = s.o.milestones;
        const auto k = std::upper_bound(m.begin(), m.end(), s.last_epoch) - m.begin();
        return s.base_lrs[i] * std::pow(s.o.gamma, static_cast<double>(k));
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::MultiStepLR;
}
