#pragma once
// torch.optim.lr_scheduler.LinearLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>

namespace TYPEGRAD_NS::optim {

//! LinearLR's options, torch's keywords and defaults.
struct linear_lr_options {
    double start_factor = 1.0 / 3;
    double end_factor = 1.0;
    long total_iters = 5;
};

//! `torch.optim.lr_scheduler.LinearLR`: the factor goes linearly from start_factor to end_factor
//! over total_iters steps (torch's recursive form).
template <class Opt>
struct LinearLR : lr_scheduler<LinearLR<Opt>, Opt, linear_lr_options> {
    LinearLR(Opt& opt, linear_lr_options o) : LinearLR::lr_scheduler(opt, o) {}

    static void prepare(const linear_lr_options& o) {
        detail::require_factor("LinearLR", "Starting", o.start_factor);
        detail::require_factor("LinearLR", "Ending", o.end_factor);
    }
    static double get_lr(const schedule<linear_lr_options>& s, std::size_t, double lr) {
        const long e = s.last_epoch;
        if (e == 0)
            return lr * s.o.start_factor;
        if (e > s.o.total_iters)
            return lr;
        const double d = s.o.end_factor - s.o.start_factor;
        return lr *
               (1. + d / (static_cast<double>(s.o.total_iters) * s.o.start_factor + static_cast<double>(e - 1) * d));
    }
    static double closed_form_lr(const schedule<linear_lr_options>& s, std::size_t i) {
        const double k = static_cast<double>(std::min(s.o.total_iters, s.last_epoch));
        return s.base_lrs[i] *
               (s.o.start_factor + (s.o.end_factor - s.o.start_factor) * k / static_cast<double>(s.o.total_iters));
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::LinearLR;
}
