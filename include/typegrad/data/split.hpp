#pragma once
// Random division of a dataset into two parts (e.g. training and test).

#include <typegrad/core/error.hpp>
#include <typegrad/data/batches.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::data {

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_select_row(std::size_t row, std::size_t rows) {
    typegrad::detail::raise(std::out_of_range(cat({"typegrad: select_rows: row index ", decimal(row),
                                                   " is past the end of a dataset of ", decimal(rows), " rows"})));
}

template <class T>
basic_dataset<T> select_rows(const basic_dataset<T>& d, std::span<const std::uint32_t> rows) {
    const std::size_t m = d.cols();
    std::vector<T> features, targets;
    features.reserve(rows.size() * m);
    targets.reserve(d.has_target() ? rows.size() : 0);
    for (const std::uint32_t r : rows) {
        if (r >= d.rows())
            fail_select_row(r, d.rows());
        features.insert(features.end(), d.row(r), d.row(r) + m);
        if (d.has_target())
            targets.push_back(d.target(r));
    }
    basic_dataset<T> out =
        d.has_target() ? basic_dataset<T>(d.feature_names(), d.target_name(), std::move(features), std::move(targets))
                       : basic_dataset<T>(d.feature_names(), std::move(features));
    if (d.keeps_columns())
        out.keep_columns();
    return out;
}

}  // namespace detail

//! The number of rows split() gives its first part: floor(fraction * rows), where a product
//! within a relative 1e-12 below an integer counts as that integer (so 0.29 of 100 rows is
//! 29, not 28), then clamped to [1, rows - 1] so that neither part is empty.
[[nodiscard]] inline std::size_t split_count(std::size_t rows, double fraction) {
    if (!(fraction > 0.0 && fraction < 1.0))
        typegrad::detail::raise(std::invalid_argument(
            "typegrad: split: expected a fraction strictly between 0 and 1, found " + detail::shortest_text(fraction)));
    if (rows < 2)
        typegrad::detail::raise(std::invalid_argument("typegrad: split: expected a dataset of at least 2 rows, found " +
                                                      std::to_string(rows)));
    const double wanted = std::floor(fraction * static_cast<double>(rows) * (1.0 + 1e-12));
    return std::clamp(static_cast<std::size_t>(wanted), std::size_t{1}, rows - 1);
}

//! Splits `d` at random into a first part of split_count(d.rows(), fraction) rows and a second
//! part of the rest: the rows are visited in the order permutation(d.rows(), seed) (the
//! shuffle rule of batches.hpp) and each part keeps that shuffled order. Throws
//! std::invalid_argument when fraction is not in (0, 1) or d has fewer than 2 rows.
template <class T>
[[nodiscard]] std::pair<basic_dataset<T>, basic_dataset<T>> split(const basic_dataset<T>& d, double fraction,
                                                                  std::uint64_t seed) {
    const std::size_t first = split_count(d.rows(), fraction);
    const std::vector<std::uint32_t> order = permutation(d.rows(), seed);
    const std::span<const std::uint32_t> all(order);
    return {detail::select_rows(d, all.first(first)), detail::select_rows(d, all.subspan(first))};
}

}  // namespace TYPEGRAD_NS::data
