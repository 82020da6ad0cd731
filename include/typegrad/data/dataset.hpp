#pragma once
//! @file
//! A numeric table in memory (features and one target per row), views over sets of its
//! rows, and feature standardisation.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace typegrad::data {

namespace detail {
// The shortest text that reads back as the same double ("2.5", not "2.500000").
inline std::string shortest_text(double x) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, res.ptr);
}
}  // namespace detail

template <class T>
struct basic_dataset;

//! A set of rows of a dataset, in a given order, without ownership of the rows or the index.
//!
//! The i-th sample is dataset row `row(i)`: `first + i` for a contiguous range of rows
//! (`index == nullptr`), `index[i]` otherwise. The dataset and the index must outlive the view.
template <class T>
struct batch_view {
    //! The dataset the rows belong to.
    const basic_dataset<T>* data = nullptr;
    //! The dataset rows of the samples, or nullptr for the contiguous rows first, first + 1, ...
    const std::uint32_t* index = nullptr;
    //! The first row when index is nullptr.
    std::size_t first = 0;
    //! The number of samples.
    std::size_t count = 0;

    //! An empty view of no dataset.
    constexpr batch_view() noexcept = default;

    //! Every row of `d`, in order.
    constexpr batch_view(const basic_dataset<T>& d) noexcept  // NOLINT(google-explicit-constructor)
        : data(&d), first(0), count(d.rows()) {}

    //! The rows `rows[0], rows[1], ...` of `d`, in that order; `rows` is not copied.
    constexpr batch_view(const basic_dataset<T>& d, std::span<const std::uint32_t> rows) noexcept
        : data(&d), index(rows.data()), first(0), count(rows.size()) {}

    //! The contiguous rows `first, ..., first + count - 1` of `d`.
    constexpr batch_view(const basic_dataset<T>& d, std::size_t first_row, std::size_t row_count) noexcept
        : data(&d), first(first_row), count(row_count) {}

    // A view of a temporary dataset would dangle as soon as the full expression ends.
    batch_view(const basic_dataset<T>&&) = delete;
    batch_view(const basic_dataset<T>&&, std::span<const std::uint32_t>) = delete;
    batch_view(const basic_dataset<T>&&, std::size_t, std::size_t) = delete;

    //! The number of samples in the view.
    [[nodiscard]] constexpr std::size_t size() const noexcept { return count; }
    //! Whether the view has no samples.
    [[nodiscard]] constexpr bool empty() const noexcept { return count == 0; }
    //! The dataset row of the i-th sample.
    [[nodiscard]] constexpr std::size_t row(std::size_t i) const noexcept { return index ? index[i] : first + i; }
    //! The dataset the rows belong to.
    [[nodiscard]] constexpr const basic_dataset<T>& dataset() const noexcept { return *data; }
    //! The features of the i-th sample: `dataset().cols()` contiguous values.
    [[nodiscard]] const T* features(std::size_t i) const noexcept { return data->row(row(i)); }
    //! The target of the i-th sample.
    [[nodiscard]] T target(std::size_t i) const noexcept { return data->targets[row(i)]; }
};

template <class T>
struct standardizer;

//! A numeric table: `rows()` samples, each with `cols()` features and one target.
//!
//! Invariant (kept by every function of typegrad::data, to be kept by code that fills the
//! members by hand): `features.size() == rows() * cols()`, with `rows() == targets.size()`
//! and `cols() == feature_names.size()`.
template <class T = float>
struct basic_dataset {
    static_assert(std::is_floating_point_v<T>, "typegrad: basic_dataset<T>: T must be a floating-point type");

    //! The name of each feature column, in file order.
    std::vector<std::string> feature_names;
    //! The name of the target column.
    std::string target_name;
    //! The features, row-major [rows(), cols()].
    std::vector<T> features;
    //! The targets, one per row.
    std::vector<T> targets;
    //! Optional: the same features stored feature-major, [cols][rows]; empty unless
    //! keep_columns() made it. With it the trainer loads a run of consecutive rows with plain
    //! vector loads instead of gathers. It is a copy: call keep_columns() again after changing
    //! `features`.
    std::vector<T> columns;

    //! Fills `columns` from `features` (a transposed copy). Returns *this.
    basic_dataset& keep_columns() {
        const std::size_t r = rows(), c = cols();
        columns.assign(features.size(), T(0));
        for (std::size_t i = 0; i < r; ++i)
            for (std::size_t j = 0; j < c; ++j)
                columns[j * r + i] = features[i * c + j];
        return *this;
    }

    //! The number of samples: `targets.size()`.
    [[nodiscard]] std::size_t rows() const noexcept { return targets.size(); }
    //! The number of features per sample: `feature_names.size()`.
    [[nodiscard]] std::size_t cols() const noexcept { return feature_names.size(); }
    //! The features of row `r`: `cols()` contiguous values starting at `features[r * cols()]`.
    [[nodiscard]] const T* row(std::size_t r) const noexcept { return features.data() + r * cols(); }

    //! A copy whose every feature column is replaced by `(x - mean) / std` with the column's own
    //! mean and population standard deviation (ddof = 0, computed in double); a constant column
    //! becomes all zeros; the targets are unchanged. Same as `standardizer<T>::fit(*this).apply(*this)`.
    [[nodiscard]] basic_dataset standardized() const;

    //! A view of every row, in order.
    [[nodiscard]] batch_view<T> all() const noexcept { return batch_view<T>(*this); }
};

//! A dataset of `float` values, the default precision of typegrad.
using dataset = basic_dataset<float>;

//! Per-column feature statistics fitted on one dataset and applied to any dataset with the
//! same columns (fit on the training set, apply to the training and the test set).
//!
//! `mean[c]` is the arithmetic mean of column c and `std[c]` its population standard
//! deviation (divisor `rows()`, not `rows() - 1`), both computed in double with two passes;
//! `std[c]` is exactly 0 when every value of the column is equal.
template <class T>
struct standardizer {
    //! The mean of each feature column.
    std::vector<double> mean;
    //! The population standard deviation of each feature column (0 for a constant column).
    std::vector<double> std;

    //! The mean and population standard deviation of every feature column of `d`;
    //! throws std::invalid_argument when `d` has no rows.
    [[nodiscard]] static standardizer fit(const basic_dataset<T>& d) {
        if (d.rows() == 0)
            throw std::invalid_argument(
                "typegrad: standardizer::fit: expected a dataset with at least one row, found none");
        const std::size_t n = d.rows();
        const std::size_t m = d.cols();
        standardizer s;
        s.mean.assign(m, 0.0);
        s.std.assign(m, 0.0);
        std::vector<bool> constant(m, true);
        for (std::size_t r = 0; r < n; ++r) {
            const T* x = d.row(r);
            for (std::size_t c = 0; c < m; ++c) {
                s.mean[c] += static_cast<double>(x[c]);
                if (x[c] != d.features[c])
                    constant[c] = false;
            }
        }
        for (double& mu : s.mean)
            mu /= static_cast<double>(n);
        for (std::size_t r = 0; r < n; ++r) {
            const T* x = d.row(r);
            for (std::size_t c = 0; c < m; ++c) {
                const double dev = static_cast<double>(x[c]) - s.mean[c];
                s.std[c] += dev * dev;
            }
        }
        for (std::size_t c = 0; c < m; ++c) {
            // A constant column can leave a rounding residue in the variance; make it exactly 0.
            s.std[c] = constant[c] ? 0.0 : std::sqrt(s.std[c] / static_cast<double>(n));
            if (constant[c])
                s.mean[c] = static_cast<double>(d.features[c]);
        }
        return s;
    }

    //! A copy of `d` whose feature `x` in column c becomes `(x - mean[c]) / std[c]`, computed in
    //! double and rounded to T, or 0 where `std[c] == 0`; the targets are unchanged. Throws
    //! std::invalid_argument when `d.cols()` differs from the number of fitted columns.
    [[nodiscard]] basic_dataset<T> apply(const basic_dataset<T>& d) const {
        if (d.cols() != mean.size() || std.size() != mean.size())
            throw std::invalid_argument("typegrad: standardizer::apply: expected a dataset with " +
                                        std::to_string(mean.size()) + " feature columns (as fitted), found " +
                                        std::to_string(d.cols()));
        basic_dataset<T> out = d;
        const std::size_t m = d.cols();
        for (std::size_t i = 0; i < out.features.size(); ++i) {
            const std::size_t c = i % m;
            out.features[i] =
                std[c] == 0.0 ? T(0) : static_cast<T>((static_cast<double>(d.features[i]) - mean[c]) / std[c]);
        }
        return out;
    }
};

template <class T>
basic_dataset<T> basic_dataset<T>::standardized() const {
    return standardizer<T>::fit(*this).apply(*this);
}

//! Checks that every target of `d` is a class index for a classifier with `num_classes`
//! classes: an integer value in [0, num_classes). Throws std::invalid_argument naming the
//! first offending row (0-based data row, and the line it has in a CSV file read by read_csv
//! with one header line and no later reordering) and its value.
template <class T>
void check_class_targets(const basic_dataset<T>& d, std::size_t num_classes) {
    if (num_classes == 0)
        throw std::invalid_argument(
            "typegrad: check_class_targets: expected at least one class, found num_classes = 0");
    for (std::size_t r = 0; r < d.rows(); ++r) {
        const T y = d.targets[r];
        const bool is_class = std::isfinite(y) && y >= T(0) && std::trunc(y) == y &&
                              static_cast<long double>(y) < static_cast<long double>(num_classes);
        if (!is_class) {
            throw std::invalid_argument(
                "typegrad: check_class_targets: data row " + std::to_string(r) + " (line " + std::to_string(r + 2) +
                " of its CSV file, if read by read_csv and not reordered since) has target '" + d.target_name +
                "' = " + detail::shortest_text(static_cast<double>(y)) + ", expected an integer class index in [0, " +
                std::to_string(num_classes) + ")");
        }
    }
}

}  // namespace typegrad::data
