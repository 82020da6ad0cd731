#ifndef TYPEGRAD_OPTIM_SCHEDULERS_POLYNOMIAL_LR_HPP
#define TYPEGRAD_OPTIM_SCHEDULERS_POLYNOMIAL_LR_HPP

#include <typegrad/optim/schedulers/lr_scheduler.hpp>

#include <algorithm>
#include <cmath>

namespace typegrad::optim {

struct polynomial_lr_options {
    long total_iters = 5;
    double power = 1.0;
};

//! `torch.optim.lr_scheduler.PolynomialLR`: lr = base·(1 − t/total_iters)^power, recursively.
template <class Opt>
class PolynomialLR : public lr_scheduler<PolynomialLR<Opt>, Opt> {
    using base = lr_scheduler<PolynomialLR<Opt>, Opt>;
    friend base;

public:
    using options = polynomial_lr_options;
    PolynomialLR(Opt& opt, options o) : base(opt), o_(o) {
        if (o.total_iters <= 0)
            detail::invalid_sched("PolynomialLR",
                                  "total_iters must be a positive integer, but got " + std::to_string(o.total_iters));
        this->start();
    }

private:
    double get_lr(std::size_t, double lr) const {
        const long e = this->last_epoch_;
        if (e == 0 || e > o_.total_iters)
            return lr;
        const double n = static_cast<double>(o_.total_iters);
        const double decay =
            std::pow((1.0 - static_cast<double>(e) / n) / (1.0 - static_cast<double>(e - 1) / n), o_.power);
        return lr * decay;
    }
    double closed_form_lr(std::size_t i) const {
        const double k = static_cast<double>(std::min(o_.total_iters, this->last_epoch_));
        return this->base_lrs_[i] * std::pow(1.0 - k / static_cast<double>(o_.total_iters), o_.power);
    }
    options o_;
};
template <class Opt>
PolynomialLR(Opt&, polynomial_lr_options) -> PolynomialLR<Opt>;

}  // namespace typegrad::optim

namespace typegrad {
using optim::PolynomialLR;
}

#endif
