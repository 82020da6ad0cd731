#pragma once
// torch.optim.lr_scheduler.CosineAnnealingLR.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <cmath>
#include <numbers>

namespace TYPEGRAD_NS::optim {

//! CosineAnnealingLR's options (torch requires T_max).
struct cosine_annealing_lr_options {
    long T_max = 1;
    double eta_min = 0;
};

//! `torch.optim.lr_scheduler.CosineAnnealingLR`, in torch's recursive form (each lr from the
//! previous one); past T_max the cosine rises again, as in torch.
template <class Opt>
struct CosineAnnealingLR : lr_scheduler<CosineAnnealingLR<Opt>, Opt, cosine_annealing_lr_options> {
    CosineAnnealingLR(Opt& opt, cosine_annealing_lr_options o) : CosineAnnealingLR::lr_scheduler(opt, o) {}

    static void prepare(const cosine_annealing_lr_options& o) {
        detail::require_positive("CosineAnnealingLR", "T_max", o.T_max);
    }
    static double get_lr(const schedule<cosine_annealing_lr_options>& s, std::size_t i, double lr) {
        constexpr double pi = std::numbers::pi;
        const long e = s.last_epoch;
        const double T_max = static_cast<double>(s.o.T_max), eta_min = s.o.eta_min;
        if (e == 0)
            return lr;
        if (s.step_count == 1 && e > 0)
            return eta_min + (s.base_lrs[i] - eta_min) * (1 + std::cos(static_cast<double>(e) * pi / T_max)) / 2;
        const long period = 2 * s.o.T_max;
        if ((((e - 1 - s.o.T_max) % period) + period) % period == 0)
            return lr + (s.base_lrs[i] - eta_min) * (1 - std::cos(pi / T_max)) / 2;
        return (1 + std::cos(pi * static_cast<double>(e) / T_max)) /
                   (1 + std::cos(pi * static_cast<double>(e - 1) / T_max)) * (lr - eta_min) +
               eta_min;
    }
    static double closed_form_lr(const schedule<cosine_annealing_lr_options>& s, std::size_t i) {
        constexpr double pi = std::numbers::pi;
        return s.o.eta_min +
               (s.base_lrs[i] - s.o.eta_min) *
                   (1 + std::cos(pi * static_cast<double>(s.last_epoch) / static_cast<double>(s.o.T_max))) / 2;
    }
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::CosineAnnealingLR;
}
