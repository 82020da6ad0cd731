#pragma once
// torch.optim.lr_scheduler.ConstantLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

namespace TYPEGRAD_NS::optim {

//! ConstantLR's options, torch's keywords and defaults.
struct constant_lr_options {
    double factor = 1.0 / 3;
    long total_iters = 5;
};

//! `torch.optim.lr_scheduler.ConstantLR`: lr·factor for the first total_iters steps, then lr.
template <class Opt>
struct ConstantLR : lr_scheduler<ConstantLR<Opt>, Opt, constant_lr_options> {
    ConstantLR(Opt& opt, constant_lr_options o) : ConstantLR::lr_scheduler(opt, o) {}

    static void prepare(const constant_lr_options& o) { detail::require_factor("ConstantLR", "Constant", o.factor); }
    static double get_lr(const schedule<constant_lr_options>& s, std::size_t, double lr) {
        if (s.last_epoch == 0)
            return lr * s.o.factor;
        return s.last_epoch != s.o.total_iters ? lr : lr * (1.0 / s.o.factor);
    }
    static double closed_form_lr(const schedule<constant_lr_options>& s, std::size_t i) {
        return s.base_lrs[i] * (s.o.factor + (s.last_epoch >= s.o.total_iters ? 1.0 : 0.0) * (1 - s.o.factor));
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::ConstantLR;
}
