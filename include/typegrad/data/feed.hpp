#pragma once
// The one adapter from a batch of a dataset to the samples a sweep reads, and so the one place that
// checks a batch against the model that reads it: the rows lie inside the dataset, the data's width
// is the model's input width, the targets are there when the model reads one, class targets are
// class indices, and (unless turned off) every value is finite. The trainer, tg::predict and
// tg::gradcheck all feed their sweeps through it. Checks that cost more than O(1) run once per
// dataset: the dataset records them and forgets them when its values change.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <typegrad/autodiff/samples.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>

namespace TYPEGRAD_NS::data {

//! What feed() checks beyond the shapes, which it always checks.
struct feed_checks {
    //! Every feature (and target, when the model reads one) is finite: once per dataset.
    bool finite = true;
};

namespace detail {
// The bits of a dataset's checked() stamp that feed() owns.
inline constexpr std::uint64_t features_finite = 1;
inline constexpr std::uint64_t targets_finite = 2;
inline constexpr unsigned classes_shift = 8;  // bits 8-31: the class count K checked, + 1
inline constexpr std::uint64_t classes_bits = ((std::uint64_t{1} << 24) - 1) << classes_shift;
inline constexpr unsigned indices_shift = 32;  // bits 32-63: the index columns checked, as a digest
inline constexpr std::uint64_t indices_bits = ~std::uint64_t{0} << indices_shift;

// A nonzero 32-bit digest (FNV-1a) of a model's index columns: (column, bound) pairs in node order.
template <class... Columns>
constexpr std::uint64_t index_digest(type_list<Columns...>) {
    std::uint64_t h = 14695981039346656037ull;
    for (const std::uint64_t v : {std::uint64_t{Columns::column}..., std::uint64_t{Columns::bound}...}) {
        h ^= v;
        h *= 1099511628211ull;
    }
    return ((h ^ (h >> 32)) & 0xffffffffull) | 1;
}
// Every index column of the list checked against the dataset.
template <class T, class... Columns>
void check_index_columns(const basic_dataset<T>& d, type_list<Columns...>) {
    (check_index_column(d, Columns::column, Columns::bound, Columns::table.view()), ...);
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_row_index(std::string_view who, std::size_t column, double v,
                                                                  std::size_t bound, std::string_view table) {
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: ", who, ": feature ", decimal(column), " is ", shortest_text(v),
             ", expected an integer index in [0, ", decimal(bound), ") into the rows of '", table, "'"})));
}
template <class T>
void check_row_index(T v, std::size_t column, std::size_t bound, std::string_view table, std::string_view who) {
    if (!is_index(v, bound))
        fail_row_index(who, column, static_cast<double>(v), bound, table);
}
template <class T, class... Columns>
void check_row_indices(const T* row, std::string_view who, type_list<Columns...>) {
    (check_row_index(row[Columns::column], Columns::column, Columns::bound, Columns::table.view(), who), ...);
}

// The feed's errors, built out of line: feed() is compiled for each model that reads data, and its
// failure paths need not be compiled and optimised with it.
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_stale_view(std::string_view who, std::size_t needed,
                                                                   std::size_t rows) {
    typegrad::detail::raise(std::out_of_range(
        cat({"typegrad: ", who, ": the batch reads rows up to ", decimal(needed - 1), " of a dataset that now has ",
             decimal(rows), " rows (the dataset changed after the view was made)"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_width(std::string_view who, std::string_view input,
                                                              std::size_t width, std::size_t cols) {
    typegrad::detail::raise(
        std::invalid_argument(cat({"typegrad: ", who, ": the model's input '", input, "' has ", decimal(width),
                                   " features but the data has ", decimal(cols), " feature columns"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_no_target(std::string_view who, std::string_view target) {
    typegrad::detail::raise(
        std::invalid_argument(cat({"typegrad: ", who, ": the model reads the target '", target,
                                   "' but the data has no target column (it was read without one)"})));
}
}  // namespace detail

//! Checks the index columns `Indices` (as feed's) of one row of features, `row`, given without a
//! dataset (predict_one): throws std::invalid_argument naming `who`, the column and the value.
template <class Indices, class T>
void check_row_indices([[maybe_unused]] const T* row, [[maybe_unused]] std::string_view who) {
    if constexpr (!std::is_same_v<Indices, type_list<>>)
        detail::check_row_indices(row, who, Indices{});
}

//! The rows of `batch` as a sweep of a model whose input leaf is `Input` and whose target leaf is
//! `Target` (void where the model has none) reads them, the model reading the columns `Indices` of
//! its input as indices (a type_list of autodiff::index_column: an evaluator's `index_columns`).
//! `who` names the caller in messages ("Trainer::backward", "predict"). Throws std::out_of_range
//! when the view's rows are no longer inside its dataset, std::invalid_argument when the data does
//! not fit the model or fails a check.
template <class Input, class Target, class Indices = type_list<>, class T>
autodiff::sample_source<T> feed(const batch_view<T>& batch, std::string_view who, feed_checks checks = {}) {
    if (batch.empty())
        return {};
    const basic_dataset<T>& d = batch.dataset();
    if (batch.rows_needed() > d.rows())
        detail::fail_stale_view(who, batch.rows_needed(), d.rows());
    if constexpr (!std::is_void_v<Input>) {
        constexpr std::size_t width = size_of<Input>;
        if (d.cols() != width)
            detail::fail_width(who, Input::name.view(), width, d.cols());
    }
    if constexpr (!std::is_void_v<Target>) {
        if (!d.has_target())
            detail::fail_no_target(who, Target::name.view());
    }
    const std::uint64_t stamp = d.checked().get();
    std::uint64_t now = stamp;
    if constexpr (ClassTarget<Target>) {
        constexpr std::uint64_t classes = Target::classes;
        constexpr std::uint64_t field = ((classes + 1) << detail::classes_shift) & detail::classes_bits;
        // A count too large for the field is checked every time (its field never matches).
        constexpr bool fits = (field >> detail::classes_shift) == classes + 1;
        if (!fits || (stamp & detail::classes_bits) != field) {
            check_class_targets(d, Target::classes);
            now = (now & ~detail::classes_bits) | field;
        }
    }
    if constexpr (!std::is_same_v<Indices, type_list<>>) {
        constexpr std::uint64_t field = detail::index_digest(Indices{}) << detail::indices_shift;
        if ((stamp & detail::indices_bits) != field) {
            detail::check_index_columns(d, Indices{});
            now = (now & ~detail::indices_bits) | field;
        }
    }
    constexpr bool reads_target = !std::is_void_v<Target>;
    constexpr std::uint64_t wanted = detail::features_finite | (reads_target ? detail::targets_finite : 0);
    if (checks.finite && (stamp & wanted) != wanted) {
        check_finite(d, reads_target);
        now |= wanted;
    }
    if (now != stamp)
        d.checked().set(now);
    return {d.features().data(), d.cols(),     std::is_void_v<Target> ? nullptr : d.targets().data(), batch.index(),
            batch.first(),       batch.size(), d.keeps_columns() ? d.columns().data() : nullptr,      d.rows()};
}

}  // namespace TYPEGRAD_NS::data
