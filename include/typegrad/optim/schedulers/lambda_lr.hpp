#pragma once
// torch.optim.lr_scheduler.LambdaLR and MultiplicativeLR: the lr from a user's callable.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <concepts>
#include <utility>

namespace TYPEGRAD_NS::optim {

//! `torch.optim.lr_scheduler.LambdaLR`: lr = base_lr · f(step), f any callable `double(long)`
//! (one f for every group). `tg::LambdaLR sched{opt, [](long e) { return 0.95 / (1 + e); }};`
template <class Opt, std::invocable<long> F>
struct LambdaLR : lr_scheduler<LambdaLR<Opt, F>, Opt, F> {
    LambdaLR(Opt& opt, F lr_lambda) : LambdaLR::lr_scheduler(opt, std::move(lr_lambda)) {}

    static double get_lr(schedule<F>& s, std::size_t i, double) {
        return s.base_lrs[i] * static_cast<double>(s.o(s.last_epoch));
    }
};

//! `torch.optim.lr_scheduler.MultiplicativeLR`: lr ← lr · f(step) from the second step on.
template <class Opt, std::invocable<long> F>
struct MultiplicativeLR : lr_scheduler<MultiplicativeLR<Opt, F>, Opt, F> {
    MultiplicativeLR(Opt& opt, F lr_lambda) : MultiplicativeLR::lr_scheduler(opt, std::move(lr_lambda)) {}

    static double get_lr(schedule<F>& s, std::size_t, double lr) {
        return s.last_epoch > 0 ? lr * static_cast<double>(s.o(s.last_epoch)) : lr;
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::LambdaLR;
using optim::MultiplicativeLR;
}  // namespace TYPEGRAD_NS
