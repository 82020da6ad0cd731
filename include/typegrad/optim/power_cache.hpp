#pragma once
// Running powers beta^step for the bias corrections of Adam and AdamW: a multiplication per step
// where torch calls `beta ** step`, std::pow again after a jump.

#include <array>
#include <cmath>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::optim::detail {

//! beta^step for a parameter stepped once more: one multiplication by beta instead of std::pow when
//! the last value computed was beta^(step - 1) (otherwise, e.g. after a checkpoint set the step or
//! a scheduler changed beta, std::pow). For the bias corrections 1 - beta^step: a power below 1e-30
//! is kept at 0, where 1 - power is 1 in double either way, so no arithmetic on denormals follows.
class power_cache {
public:
    double next(double base, double step) {
        if (base == base_ && step == step_)
            return power_;  // a float step count stops at 2^24
        if (base == base_ && step == step_ + 1)
            power_ *= base;
        else
            power_ = std::pow(base, step);
        if (power_ < 1e-30)
            power_ = 0;
        base_ = base;
        step_ = step;
        return power_;
    }

    //! What the cache holds (base, step, power): a checkpoint keeps it so that a resumed run
    //! computes the same bits as one never stopped.
    std::array<double, 3> saved() const { return {base_, step_, power_}; }
    void restore(const std::array<double, 3>& v) { base_ = v[0], step_ = v[1], power_ = v[2]; }

private:
    double base_ = -1, step_ = -1, power_ = 1;
};

}  // namespace TYPEGRAD_NS::optim::detail
