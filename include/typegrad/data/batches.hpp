#pragma once
// Mini-batches over a dataset, in file order or shuffled by a documented, portable rule.
//
// The shuffle rule (shuffle_rows), identical on every compiler and standard library:
//  1. rows = 0, 1, ..., n-1; rng = std::mt19937_64 constructed with the seed (the engine and
//     its seeding are fully specified by the C++ standard);
//  2. Fisher-Yates from the last index down: for i = n-1, n-2, ..., 1, draw j uniform in
//     [0, i] and swap rows[i] with rows[j];
//  3. the draw of j below bound s = i+1 (Lemire's multiply-shift with rejection, on 32 bits):
//     x = rng() >> 32 (the upper 32 bits of one 64-bit output); m = x * s (64-bit product);
//     while (m mod 2^32) < (2^32 mod s), draw a new x and recompute m; then j = m >> 32.
//     No std::uniform_int_distribution is involved, since its algorithm differs between
//     standard libraries.

#include <typegrad/core/error.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/mt19937_64.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::data {

//! Asks batches() to visit the rows in the order shuffle_rows gives for `seed`.
struct shuffle {
    std::uint64_t seed = 0;
};

//! Asks batches() to visit the rows in dataset order.
struct no_shuffle {};

namespace detail {

// A uniform draw in [0, bound), bound >= 1: step 3 of the rule at the top of this file.
inline std::uint32_t uniform_below(typegrad::detail::mt19937_64& rng, std::uint32_t bound) {
    std::uint64_t m = (rng() >> 32) * static_cast<std::uint64_t>(bound);
    auto low = static_cast<std::uint32_t>(m);
    if (low < bound) {
        const std::uint32_t threshold = static_cast<std::uint32_t>(0u - bound) % bound;  // 2^32 mod bound
        while (low < threshold) {
            m = (rng() >> 32) * static_cast<std::uint64_t>(bound);
            low = static_cast<std::uint32_t>(m);
        }
    }
    return static_cast<std::uint32_t>(m >> 32);
}

// The message is built out of line: inlined into a user's loop, GCC 12 -O2 reports false
// -Warray-bounds and -Wstringop-overflow inside std::string's concatenation.
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_row_count(std::size_t n, const char* who) {
    typegrad::detail::raise(std::length_error(std::string("typegrad: ") + who +
                                              ": expected at most 2^32 - 1 rows, found " + std::to_string(n)));
}
inline void check_row_count(std::size_t n, const char* who) {
    if (n > std::numeric_limits<std::uint32_t>::max())
        fail_row_count(n, who);
}

}  // namespace detail

//! Permutes `rows` in place by the shuffle rule of this file (std::mt19937_64 seeded with
//! `seed`, Fisher-Yates from the last index down, Lemire draws); the same seed gives the
//! same permutation on every platform.
inline void shuffle_rows(std::span<std::uint32_t> rows, std::uint64_t seed) {
    detail::check_row_count(rows.size(), "shuffle_rows");
    typegrad::detail::mt19937_64 rng(seed);  // std::mt19937_64, without <random>
    for (std::size_t i = rows.size(); i-- > 1;) {
        const std::uint32_t j = detail::uniform_below(rng, static_cast<std::uint32_t>(i + 1));
        std::swap(rows[i], rows[j]);
    }
}

//! The permutation of 0, ..., n-1 that shuffle_rows makes of the identity with `seed`.
[[nodiscard]] inline std::vector<std::uint32_t> permutation(std::size_t n, std::uint64_t seed) {
    detail::check_row_count(n, "permutation");
    std::vector<std::uint32_t> rows(n);
    std::iota(rows.begin(), rows.end(), std::uint32_t{0});
    shuffle_rows(rows, seed);
    return rows;
}

//! The mini-batches of one epoch over a dataset: a range of batch_view<T>, batch b holding
//! the samples b*size, ..., b*size + size - 1 of the visiting order, the last one shorter
//! unless dropped. Owns the visiting order (made once, in batches()); iterating allocates nothing.
//!
//! The views point into this range and into the dataset: both must outlive them.
template <class T>
class batch_range {
public:
    //! Walks the batches in order; dereferencing yields a batch_view<T> by value.
    class iterator {
    public:
        using value_type = batch_view<T>;
        using difference_type = std::ptrdiff_t;
        using iterator_concept = std::forward_iterator_tag;
        using iterator_category = std::input_iterator_tag;  // *it is not a reference

        iterator() = default;
        iterator(const batch_range* range, std::size_t batch) noexcept : range_(range), batch_(batch) {}

        batch_view<T> operator*() const noexcept { return (*range_)[batch_]; }
        iterator& operator++() noexcept {
            ++batch_;
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator old = *this;
            ++batch_;
            return old;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.batch_ == b.batch_ && a.range_ == b.range_;
        }

    private:
        const batch_range* range_ = nullptr;
        std::size_t batch_ = 0;
    };

    //! Batches of `batch_size` samples over `d` in the order `order` (empty: dataset order).
    batch_range(const basic_dataset<T>& d, std::size_t batch_size, std::vector<std::uint32_t> order, bool drop_last)
        : data_(&d), order_(std::move(order)), batch_size_(batch_size) {
        if (batch_size == 0)
            typegrad::detail::raise(
                std::invalid_argument("typegrad: batches: expected a batch size of at least 1, found 0"));
        const std::size_t n = d.rows();
        count_ = drop_last ? n / batch_size : n / batch_size + (n % batch_size != 0 ? 1 : 0);
    }

    //! The number of batches in the epoch.
    std::size_t size() const noexcept { return count_; }
    //! Whether the epoch has no batch (an empty dataset, or fewer rows than a batch with drop_last).
    bool empty() const noexcept { return count_ == 0; }
    //! The requested number of samples per batch.
    std::size_t batch_size() const noexcept { return batch_size_; }
    //! The visiting order of the rows for a shuffled epoch; empty for dataset order.
    std::span<const std::uint32_t> order() const noexcept { return order_; }

    //! Batch `b` (b < size()).
    batch_view<T> operator[](std::size_t b) const noexcept {
        const std::size_t start = b * batch_size_;
        const std::size_t n = std::min(batch_size_, data_->rows() - start);
        using trusted = typename batch_view<T>::trusted;
        if (order_.empty())
            return batch_view<T>(trusted{}, *data_, nullptr, start, n);
        return batch_view<T>(trusted{}, *data_, order_.data() + start, 0, n);
    }

    iterator begin() const noexcept { return iterator(this, 0); }
    iterator end() const noexcept { return iterator(this, count_); }

private:
    const basic_dataset<T>* data_;
    std::vector<std::uint32_t> order_;
    std::size_t batch_size_;
    std::size_t count_ = 0;
};

//! One epoch of `batch_size`-row batches over `d`, visiting the rows in the order
//! `permutation(d.rows(), s.seed)`; the last, shorter batch is kept unless `drop_last`.
//! Throws std::invalid_argument when batch_size is 0.
template <class T>
[[nodiscard]] batch_range<T> batches(const basic_dataset<T>& d, std::size_t batch_size, shuffle s,
                                     bool drop_last = false) {
    return batch_range<T>(d, batch_size, permutation(d.rows(), s.seed), drop_last);
}

//! One epoch of `batch_size`-row batches over `d` in dataset order; the last, shorter batch
//! is kept unless `drop_last`. Throws std::invalid_argument when batch_size is 0.
template <class T>
[[nodiscard]] batch_range<T> batches(const basic_dataset<T>& d, std::size_t batch_size, no_shuffle,
                                     bool drop_last = false) {
    return batch_range<T>(d, batch_size, {}, drop_last);
}

// Batches of a temporary dataset would dangle inside the range-for that uses them: keep the
// dataset in a variable.
template <class T>
void batches(const basic_dataset<T>&&, std::size_t, shuffle, bool = false) = delete;
template <class T>
void batches(const basic_dataset<T>&&, std::size_t, no_shuffle, bool = false) = delete;

}  // namespace TYPEGRAD_NS::data
