#pragma once
// Standardisation of a regression target: fitted on the training rows, applied to the targets of
// any dataset, and inverted on the model's predictions, so that a model trains on targets of mean 0
// and standard deviation 1 and still predicts in the target's own units.
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::data {

//! The mean and population standard deviation of a dataset's target (sklearn:
//! `StandardScaler().fit(y.reshape(-1, 1))`), both in double, two passes. `apply` makes targets
//! `(y - mean) / std`; `invert` turns predictions made on that scale back into `p * std + mean`.
//! A constant target has `std` exactly 0: `apply` makes it 0 and `invert` gives `mean`.
template <class T>
struct target_scaler {
    //! The mean of the target.
    double mean = 0;
    //! Its population standard deviation (divisor rows(), 0 for a constant target).
    double std = 1;

    //! The target's statistics over the rows of `d`. Throws std::invalid_argument when `d` has no
    //! target or no rows.
    [[nodiscard]] static target_scaler fit(const basic_dataset<T>& d) {
        if (!d.has_target() || d.rows() == 0)
            typegrad::detail::raise(std::invalid_argument(
                std::string("typegrad: target_scaler::fit: expected a dataset with targets and at least one row, "
                            "found ") +
                (d.has_target() ? "no rows" : "one without targets")));
        const std::span<const T> y = d.targets();
        target_scaler s;
        double sum = 0;
        bool constant = true;
        for (const T v : y) {
            sum += static_cast<double>(v);
            constant = constant && v == y[0];
        }
        s.mean = sum / static_cast<double>(y.size());
        double squares = 0;
        for (const T v : y) {
            const double dev = static_cast<double>(v) - s.mean;
            squares += dev * dev;
        }
        // A constant target can leave a rounding residue in the variance; make it exactly 0.
        s.std = constant ? 0.0 : std::sqrt(squares / static_cast<double>(y.size()));
        if (constant)
            s.mean = static_cast<double>(y[0]);
        return s;
    }

    //! A copy of `d` whose target `y` becomes `(y - mean) / std`, computed in double and rounded to
    //! T (0 when `std == 0`); the features are unchanged. Throws std::invalid_argument when `d` has
    //! no target.
    [[nodiscard]] basic_dataset<T> apply(const basic_dataset<T>& d) const {
        if (!d.has_target())
            typegrad::detail::raise(std::invalid_argument(
                "typegrad: target_scaler::apply: expected a dataset with targets, found one without"));
        basic_dataset<T> out = d;
        out.update([&](std::span<T>, std::span<T> targets) {
            for (T& y : targets)
                y = std == 0.0 ? T(0) : static_cast<T>((static_cast<double>(y) - mean) / std);
        });
        return out;
    }

    //! Turns predictions on the standardised scale back into the target's units, in place:
    //! `p = p * std + mean`, computed in double and rounded to T.
    void invert(std::span<T> predictions) const noexcept {
        for (T& p : predictions)
            p = static_cast<T>(static_cast<double>(p) * std + mean);
    }

    //! The predictions turned back into the target's units, as a new vector.
    [[nodiscard]] std::vector<T> inverted(std::span<const T> predictions) const {
        std::vector<T> out(predictions.begin(), predictions.end());
        invert(std::span<T>(out));
        return out;
    }
};

}  // namespace TYPEGRAD_NS::data
