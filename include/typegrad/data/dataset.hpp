#pragma once
// A numeric table in memory (features and, for training, one target per row), views over sets of
// its rows, and feature standardisation. The table owns every layout derived from its values (the
// optional feature-major copy, the record of checks already made), so none can fall out of step.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typegrad/core/error.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::data {

namespace detail {
// The shortest text that reads back as the same double ("2.5", not "2.500000").
inline std::string shortest_text(double x) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, res.ptr);
}

// The dataset's errors, built out of line: the dataset is a template, and its failure paths need
// not be compiled and optimised with each of its uses.
using typegrad::detail::cat;
using typegrad::detail::decimal;
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_sizes(std::size_t rows, std::size_t cols, std::size_t found) {
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: dataset: expected ", decimal(rows), " rows x ", decimal(cols),
             " feature columns = ", decimal(rows * cols), " feature values, found ", decimal(found)})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_row_index(std::size_t row, std::size_t position,
                                                                  std::size_t rows) {
    typegrad::detail::raise(
        std::out_of_range(cat({"typegrad: batch_view: row index ", decimal(row), " (position ", decimal(position),
                               " of the index) is past the end of a dataset of ", decimal(rows), " rows"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_row_range(std::size_t first, std::size_t count,
                                                                  std::size_t rows) {
    typegrad::detail::raise(
        std::out_of_range(cat({"typegrad: batch_view: rows ", decimal(first), " to ", decimal(first + count),
                               " (exclusive) are past the end of a dataset of ", decimal(rows), " rows"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_standardizer_columns(std::size_t fitted, std::size_t found) {
    typegrad::detail::raise(
        std::invalid_argument(cat({"typegrad: standardizer::apply: expected a dataset with ", decimal(fitted),
                                   " feature columns (as fitted), found ", decimal(found)})));
}
// "data row 3 (line 5 of its CSV file, ...)": where a value of a dataset is, in messages.
inline constexpr std::string_view csv_line_note = " of its CSV file, if read by read_csv and not reordered since)";
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_class_target(std::size_t row, std::string_view name, double y,
                                                                     std::size_t classes) {
    typegrad::detail::raise(
        std::invalid_argument(cat({"typegrad: check_class_targets: data row ", decimal(row), " (line ",
                                   decimal(row + 2), csv_line_note, " has target '", name, "' = ", shortest_text(y),
                                   ", expected an integer class index in [0, ", decimal(classes), ")"})));
}
//! Whether v is an index into `bound` rows: an integer in [0, bound).
template <class T>
bool is_index(T v, std::size_t bound) noexcept {
    return std::isfinite(v) && v >= T(0) && std::trunc(v) == v &&
           static_cast<long double>(v) < static_cast<long double>(bound);
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_index_column(std::size_t column, std::size_t cols) {
    typegrad::detail::raise(
        std::invalid_argument(cat({"typegrad: check_index_column: column ", decimal(column),
                                   " is outside a dataset of ", decimal(cols), " feature columns"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_index(std::size_t row, std::size_t column,
                                                              std::string_view name, double v, std::size_t bound,
                                                              std::string_view table) {
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: check_index_column: data row ", decimal(row), " (line ", decimal(row + 2), csv_line_note,
             " has feature '", name, "' (column ", decimal(column), ") = ", shortest_text(v),
             ", expected an integer index in [0, ", decimal(bound), ") into the rows of '", table, "'"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_not_finite(std::size_t row, std::string_view kind,
                                                                   std::string_view name, double v) {
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: check_finite: data row ", decimal(row), " (line ", decimal(row + 2), csv_line_note, " has ",
             kind, " '", name, "' = ", shortest_text(v),
             ", expected a finite value (the check can be turned off: trainer_checks::finite_data)"})));
}

// qsort's order of two columns: by name, then by column (the names' addresses in their vector).
inline int compare_columns(const void* a, const void* b) noexcept {
    const std::string* x = *static_cast<const std::string* const*>(a);
    const std::string* y = *static_cast<const std::string* const*>(b);
    const int k = x->compare(*y);
    return k != 0 ? k : (x < y ? -1 : x > y ? 1 : 0);
}

// The first column, in column order, whose name an earlier column has: {that earlier column, it},
// or {n, n} when the n names are distinct. One sort of the columns: the CSV reader and the dataset
// share it. The sort is the C library's: a total order gives the same permutation as std::sort,
// and nothing is instantiated in every program that reads a dataset.
[[gnu::noinline]] inline std::pair<std::size_t, std::size_t> first_repeated_name(
    const std::vector<std::string>& names) {
    const std::size_t n = names.size();
    std::vector<const std::string*> order(n);
    for (std::size_t c = 0; c < n; ++c)
        order[c] = names.data() + c;
    if (n > 1)
        std::qsort(order.data(), n, sizeof(const std::string*), compare_columns);
    std::pair<std::size_t, std::size_t> found{n, n};
    for (std::size_t k = 1; k < n; ++k) {
        const auto column = static_cast<std::size_t>(order[k] - names.data());
        if (*order[k - 1] == *order[k] && (k < 2 || *order[k - 2] != *order[k]) && column < found.second)
            found = {static_cast<std::size_t>(order[k - 1] - names.data()), column};
    }
    return found;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_repeated_name(const std::string& name, std::size_t first,
                                                                      std::size_t second) {
    using typegrad::detail::cat;
    using typegrad::detail::decimal;
    typegrad::detail::raise(
        std::invalid_argument(cat({"typegrad: dataset: expected distinct feature names, found '", name, "' as columns ",
                                   decimal(first), " and ", decimal(second), " (0-based)"})));
}

// A fact about a dataset's values that a check established once (all finite, all targets class
// indices below K, ...); forgotten by every change of the values. Atomic, so that a dataset read
// by several threads at once may record it from any of them; copied as a plain value.
class stamp {
public:
    stamp() = default;
    stamp(const stamp& o) noexcept : v_(o.get()) {}
    stamp& operator=(const stamp& o) noexcept {
        set(o.get());
        return *this;
    }
    std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }
    void set(std::uint64_t v) const noexcept { v_.store(v, std::memory_order_relaxed); }

private:
    mutable std::atomic<std::uint64_t> v_{0};
};
}  // namespace detail

template <class T>
class basic_dataset;

//! A set of rows of a dataset, in a given order, without ownership of the rows or the index.
//!
//! The i-th sample is dataset row `row(i)`: `first() + i` for a contiguous range of rows,
//! `index()[i]` otherwise. Every constructor checks that the rows lie inside the dataset and
//! throws std::out_of_range otherwise; the dataset and the index must outlive the view.
template <class T>
class batch_view {
public:
    //! An empty view of no dataset.
    constexpr batch_view() noexcept = default;

    //! Every row of `d`, in order.
    batch_view(const basic_dataset<T>& d) noexcept  // NOLINT(google-explicit-constructor)
        : data_(&d), count_(d.rows()), end_(d.rows()) {}

    //! The rows `rows[0], rows[1], ...` of `d`, in that order; `rows` is not copied. Throws
    //! std::out_of_range naming the first row index that is not below `d.rows()`.
    batch_view(const basic_dataset<T>& d, std::span<const std::uint32_t> rows)
        : data_(&d), index_(rows.data()), count_(rows.size()) {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (rows[i] >= d.rows())
                detail::fail_row_index(rows[i], i, d.rows());
            end_ = std::max<std::size_t>(end_, std::size_t{rows[i]} + 1);
        }
    }

    //! The contiguous rows `first_row, ..., first_row + row_count - 1` of `d`. Throws
    //! std::out_of_range when they do not all lie inside `d`.
    batch_view(const basic_dataset<T>& d, std::size_t first_row, std::size_t row_count)
        : data_(&d), first_(first_row), count_(row_count), end_(first_row + row_count) {
        if (first_row > d.rows() || row_count > d.rows() - first_row)
            detail::fail_row_range(first_row, row_count, d.rows());
    }

    // A view of a temporary dataset would dangle as soon as the full expression ends.
    batch_view(const basic_dataset<T>&&) = delete;
    batch_view(const basic_dataset<T>&&, std::span<const std::uint32_t>) = delete;
    batch_view(const basic_dataset<T>&&, std::size_t, std::size_t) = delete;

    //! The number of samples in the view.
    constexpr std::size_t size() const noexcept { return count_; }
    //! Whether the view has no samples.
    constexpr bool empty() const noexcept { return count_ == 0; }
    //! The dataset row of the i-th sample.
    constexpr std::size_t row(std::size_t i) const noexcept { return index_ ? index_[i] : first_ + i; }
    //! Whether the view belongs to a dataset (a default-constructed view does not).
    constexpr bool has_dataset() const noexcept { return data_ != nullptr; }
    //! The dataset the rows belong to.
    constexpr const basic_dataset<T>& dataset() const noexcept { return *data_; }
    //! The row indices of the samples, or nullptr for the contiguous rows first(), first() + 1, ...
    constexpr const std::uint32_t* index() const noexcept { return index_; }
    //! The first row when index() is nullptr.
    constexpr std::size_t first() const noexcept { return first_; }
    //! One past the largest row the view reads: the dataset must still have that many rows.
    constexpr std::size_t rows_needed() const noexcept { return end_; }
    //! The features of the i-th sample: `dataset().cols()` contiguous values.
    const T* features(std::size_t i) const noexcept { return data_->row(row(i)); }
    //! The target of the i-th sample (the dataset must have targets).
    T target(std::size_t i) const noexcept { return data_->target(row(i)); }

private:
    template <class U>
    friend class batch_range;
    struct trusted {};
    // For index arrays made from the dataset's own row count (a shuffled epoch): no check per batch.
    batch_view(trusted, const basic_dataset<T>& d, const std::uint32_t* index, std::size_t first,
               std::size_t count) noexcept
        : data_(&d), index_(index), first_(first), count_(count), end_(d.rows()) {}

    const basic_dataset<T>* data_ = nullptr;
    const std::uint32_t* index_ = nullptr;
    std::size_t first_ = 0;
    std::size_t count_ = 0;
    std::size_t end_ = 0;
};

template <class T>
struct standardizer;

//! A numeric table: `rows()` samples, each with `cols()` features and, unless the table was made
//! without one (rows to predict), one target.
//!
//! The values are private: constructors check their sizes, and `update()` is the only way to change
//! them, so that the layouts derived from them (the optional feature-major copy, the record of the
//! checks a trainer made) are rebuilt or forgotten with every change.
template <class T = float>
class basic_dataset {
    static_assert(std::is_floating_point_v<T>, "typegrad: basic_dataset<T>: T must be a floating-point type");

public:
    //! An empty table: no columns, no rows.
    basic_dataset() = default;

    //! A labelled table: `features` row-major [rows, feature_names.size()], one target per row.
    //! Throws std::invalid_argument when the sizes disagree or a feature name appears twice.
    basic_dataset(std::vector<std::string> feature_names, std::string target_name, std::vector<T> features,
                  std::vector<T> targets)
        : names_(std::move(feature_names)),
          target_name_(std::move(target_name)),
          features_(std::move(features)),
          targets_(std::move(targets)),
          rows_(targets_.size()),
          has_target_(true) {
        check_sizes();
    }

    //! An unlabelled table (rows to predict): `features` row-major [rows, feature_names.size()].
    //! Throws std::invalid_argument when the sizes disagree or a feature name appears twice.
    basic_dataset(std::vector<std::string> feature_names, std::vector<T> features)
        : names_(std::move(feature_names)),
          features_(std::move(features)),
          rows_(names_.empty() ? 0 : features_.size() / names_.size()) {
        check_sizes();
    }

    //! The number of samples.
    std::size_t rows() const noexcept { return rows_; }
    //! The number of features per sample.
    std::size_t cols() const noexcept { return names_.size(); }
    //! Whether every row has a target (false for a table of rows to predict).
    bool has_target() const noexcept { return has_target_; }
    //! The name of each feature column, in file order.
    const std::vector<std::string>& feature_names() const noexcept { return names_; }
    //! The name of the target column (empty without targets).
    const std::string& target_name() const noexcept { return target_name_; }
    //! The features, row-major [rows(), cols()].
    std::span<const T> features() const noexcept { return features_; }
    //! The targets, one per row (empty without targets).
    std::span<const T> targets() const noexcept { return targets_; }
    //! The features of row `r`: `cols()` contiguous values.
    const T* row(std::size_t r) const noexcept { return features_.data() + r * cols(); }
    //! The target of row `r`.
    T target(std::size_t r) const noexcept { return targets_[r]; }

    //! Changes the values in place: calls `f(features, targets)` with mutable spans (row-major
    //! features; targets empty without targets), then rebuilds the feature-major copy if the table
    //! keeps one and forgets every check made of the old values. Returns *this.
    template <class F>
    basic_dataset& update(F&& f) {
        f(std::span<T>(features_), std::span<T>(targets_));
        changed();
        return *this;
    }

    //! Keeps a feature-major copy of the features ([cols][rows], see columns()) from now on: with it
    //! the trainer loads a run of consecutive rows with plain vector loads instead of gathers. The
    //! copy follows every change made through update(), and tables derived from this one
    //! (standardized(), standardizer::apply, split) keep one of their own. Returns *this.
    basic_dataset& keep_columns() {
        keeps_columns_ = true;
        transpose();
        return *this;
    }
    //! Whether the table keeps a feature-major copy.
    bool keeps_columns() const noexcept { return keeps_columns_; }
    //! The feature-major copy [cols][rows] (column c is columns()[c * rows(), (c + 1) * rows())),
    //! or an empty span when the table keeps none.
    std::span<const T> columns() const noexcept { return columns_; }

    //! A copy whose every feature column is replaced by `(x - mean) / std` with the column's own
    //! mean and population standard deviation (ddof = 0, computed in double); a constant column
    //! becomes all zeros; the targets are unchanged. Same as `standardizer<T>::fit(*this).apply(*this)`.
    [[nodiscard]] basic_dataset standardized() const;

    //! A view of every row, in order.
    batch_view<T> all() const noexcept { return batch_view<T>(*this); }

    //! The checks already made of the current values, for code that checks a dataset once and not
    //! once per batch (the trainer's feed). Bits are the caller's; every change clears them.
    const detail::stamp& checked() const noexcept { return checked_; }

private:
    void check_sizes() {
        const std::size_t m = names_.size();
        if (features_.size() != rows_ * m || (m == 0 && !has_target_ && !features_.empty()))
            detail::fail_sizes(rows_, m, features_.size());
        const auto [first, second] = detail::first_repeated_name(names_);
        if (second != m)
            detail::fail_repeated_name(names_[second], first, second);
    }
    void changed() {
        checked_.set(0);
        if (keeps_columns_)
            transpose();
    }
    // Once per change of a table that keeps columns, never per batch: out of line, and optimised
    // for size (a transposition's vectorised variants cost every program compile time).
    [[gnu::cold, gnu::noinline]] void transpose() {
        const std::size_t r = rows(), c = cols();
        columns_.resize(features_.size());
        for (std::size_t i = 0; i < r; ++i)
            for (std::size_t j = 0; j < c; ++j)
                columns_[j * r + i] = features_[i * c + j];
    }
    template <class U>
    friend struct standardizer;

    std::vector<std::string> names_;
    std::string target_name_;
    std::vector<T> features_;
    std::vector<T> targets_;
    std::size_t rows_ = 0;
    bool has_target_ = false;
    bool keeps_columns_ = false;
    std::vector<T> columns_;
    detail::stamp checked_;
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
            typegrad::detail::raise(std::invalid_argument(
                "typegrad: standardizer::fit: expected a dataset with at least one row, found none"));
        const std::size_t n = d.rows();
        const std::size_t m = d.cols();
        const T* first = d.row(0);
        standardizer s;
        s.mean = std::vector<double>(m);  // zeros
        s.std = std::vector<double>(m);
        std::vector<bool> constant(m, true);
        for (std::size_t r = 0; r < n; ++r) {
            const T* x = d.row(r);
            for (std::size_t c = 0; c < m; ++c) {
                s.mean[c] += static_cast<double>(x[c]);
                if (x[c] != first[c])
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
                s.mean[c] = static_cast<double>(first[c]);
        }
        return s;
    }

    //! A copy of `d` whose feature `x` in column c becomes `(x - mean[c]) / std[c]`, computed in
    //! double and rounded to T, or 0 where `std[c] == 0`; the targets are unchanged; the copy keeps
    //! a feature-major copy when `d` does. Throws std::invalid_argument when `d.cols()` differs from
    //! the number of fitted columns.
    [[nodiscard]] basic_dataset<T> apply(const basic_dataset<T>& d) const {
        if (d.cols() != mean.size() || std.size() != mean.size())
            detail::fail_standardizer_columns(mean.size(), d.cols());
        basic_dataset<T> out = d;
        const std::size_t m = d.cols();
        out.update([&](std::span<T> features, std::span<T>) {
            for (std::size_t i = 0; i < features.size(); ++i) {
                const std::size_t c = i % m;
                features[i] =
                    std[c] == 0.0 ? T(0) : static_cast<T>((static_cast<double>(features[i]) - mean[c]) / std[c]);
            }
        });
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
        typegrad::detail::raise(
            std::invalid_argument("typegrad: check_class_targets: expected at least one class, found num_classes = 0"));
    if (!d.has_target())
        typegrad::detail::raise(
            std::invalid_argument("typegrad: check_class_targets: expected a dataset with targets, found one without"));
    for (std::size_t r = 0; r < d.rows(); ++r) {
        const T y = d.target(r);
        const bool is_class = std::isfinite(y) && y >= T(0) && std::trunc(y) == y &&
                              static_cast<long double>(y) < static_cast<long double>(num_classes);
        if (!is_class)
            detail::fail_class_target(r, d.target_name(), static_cast<double>(y), num_classes);
    }
}

//! Checks that every value of the feature column `column` of `d` is an index into a table of `bound`
//! rows (an embedding's, named `table` in the message): an integer in [0, bound). Throws
//! std::invalid_argument naming the first offending row (and CSV line, as for check_class_targets),
//! the column (its name and number) and the value.
template <class T>
void check_index_column(const basic_dataset<T>& d, std::size_t column, std::size_t bound,
                        std::string_view table = "the table") {
    if (column >= d.cols())
        detail::fail_index_column(column, d.cols());
    for (std::size_t r = 0; r < d.rows(); ++r) {
        const T v = d.row(r)[column];
        if (!detail::is_index(v, bound))
            detail::fail_index(r, column, d.feature_names()[column], static_cast<double>(v), bound, table);
    }
}

//! Checks that every feature of `d` (and every target, with `targets`) is finite. Throws
//! std::invalid_argument naming the first non-finite value: its row (and CSV line, as for
//! check_class_targets), its column and value.
template <class T>
void check_finite(const basic_dataset<T>& d, bool targets = true) {
    for (std::size_t r = 0; r < d.rows(); ++r) {
        const T* x = d.row(r);
        for (std::size_t c = 0; c < d.cols(); ++c)
            if (!std::isfinite(x[c]))
                detail::fail_not_finite(r, "feature", d.feature_names()[c], static_cast<double>(x[c]));
        if (targets && d.has_target() && !std::isfinite(d.target(r)))
            detail::fail_not_finite(r, "target", d.target_name(), static_cast<double>(d.target(r)));
    }
}

}  // namespace TYPEGRAD_NS::data
