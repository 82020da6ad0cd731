#pragma once
// torch.optim.lr_scheduler.PolynomialLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>
#include <cmath>

namespace TYPEGRAD_NS::optim {

//! PolynomialLR's options, torch's keywords and defaults.
struct polynomial_lr_options {
    long total_iters = 5;
    double power = 1.0;
};

//! `torch.optim.lr_scheduler.PolynomialLR`: lr = base·(1 − t/total_iters)^power, recursively.
template <class Opt>
struct PolynomialLR : lr_scheduler<PolynomialLR<Opt>, Opt, polynomial_lr_options> {
    PolynomialLR(Opt& opt, polynomial_lr_options o) : PolynomialLR::lr_scheduler(opt, o) {}

    static void prepare(const polynomial_lr_options& o) {
        detail::require_positive("PolynomialLR", "total_iters", o.total_iters);
    }
    static double get_lr(const schedule<polynomial_lr_options>& s, std::size_t, double lr) {
        const long e = s.last_epoch;
        if (e == 0 || e > s.o.total_iters)
            return lr;
        const double n = static_cast<double>(s.o.total_iters);
        return lr * std::pow((1.0 - static_cast<double>(e) / n) / (1.0 - static_cast<double>(e - 1) / n), s.o.power);
    }
    static double closed_form_lr(const schedule<polynomial_lr_options>& s, std::size_t i) {
        const double k = static_cast<double>(std::min(s.o.total_iters, s.last_epoch));
        return s.base_lrs[i] * std::pow(1.0 - k / static_cast<double>(s.o.total_iters), s.o.power);
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::PolynomialLR;
}
