#ifndef TYPEGRAD_OPTIM_SCHEDULERS_LAMBDA_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_LAMBDA_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <concepts>
#include <utility>

namespace typegrad::optim {

//! `torch.optim.lr_scheduler.LambdaLR`: lr = base_lr · f(step), f any callable `double(long)`
//! (one f for every group). `tg::LambdaLR sched{opt, [](long e) { return 0.95 / (1 + e); }};`
template <class Opt, std::invocable<long> F>
class LambdaLR : public lr_scheduler<LambdaLR<Opt, F>, Opt> {
    using base = lr_scheduler<LambdaLR<Opt, F>, Opt>;
    friend base;

public:
    LambdaLR(Opt& opt, F lr_lambda) : base(opt), f_(std::move(lr_lambda)) { this->start(); }

private:
    double get_lr(std::size_t i, double) { return this->base_lrs_[i] * static_cast<double>(f_(this->last_epoch_)); }
    F f_;
};
template <class Opt, class F>
LambdaLR(Opt&, F) -> LambdaLR<Opt, F>;

//! `torch.optim.lr_scheduler.MultiplicativeLR`: lr ← lr · f(step) from the second step on.
template <class Opt, std::invocable<long> F>
class MultiplicativeLR : public lr_scheduler<MultiplicativeLR<Opt, F>, Opt> {
    using base = lr_scheduler<MultiplicativeLR<Opt, F>, Opt>;
    friend base;

public:
    MultiplicativeLR(Opt& opt, F lr_lambda) : base(opt), f_(std::move(lr_lambda)) { this->start(); }

private:
    double get_lr(std::size_t, double lr) {
        return this->last_epoch_ > 0 ? lr * static_cast<double>(f_(this->last_epoch_)) : lr;
    }
    F f_;
};
template <class Opt, class F>
MultiplicativeLR(Opt&, F) -> MultiplicativeLR<Opt, F>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::LambdaLR;
using optim::MultiplicativeLR;
}  // namespace typegrad

#endif
