#pragma once
// The samples of a batch as the sweep reads them, and the loader that puts them into the input and
// target lanes of a workspace: one sample per lane, a block of lanes at a time. A file of its own
// so that program.hpp only orchestrates the sweeps; the one place that makes a sample_source from a
// dataset, and checks it, is data/feed.hpp.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/mode.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::autodiff {

//! The rows of a batch as the sweep sees them: row-major features and one target per row, already
//! checked against the model (data/feed.hpp makes it).
template <class T>
struct sample_source {
    const T* features = nullptr;
    std::size_t cols = 0;
    const T* targets = nullptr;            // null for a model without a target
    const std::uint32_t* index = nullptr;  // row of each sample, or null for rows first, first + 1, ...
    std::size_t first = 0;
    std::size_t count = 0;
    const T* columns = nullptr;        // optional feature-major copy [cols][rows] of the features
    std::size_t rows = 0;              // rows of the whole dataset (the stride of `columns`)
    const mode_state* mode = nullptr;  // set: training, with its random ops' counters; null: evaluation

    constexpr std::size_t row(std::size_t i) const noexcept { return index ? index[i] : first + i; }
    //! The samples [begin, begin + n) of these, as a source of their own.
    constexpr sample_source part(std::size_t begin, std::size_t n) const noexcept {
        sample_source p = *this;
        if (index)
            p.index = index + begin;
        else
            p.first = first + begin;
        p.count = n;
        return p;
    }
};

//! A column of the input row that a model reads as indices (an embedding's): its values must be
//! integers in [0, Bound), the rows of the parameter `Table`. data/feed.hpp checks them.
template <std::size_t Column, std::size_t Bound, fixed_string Table>
struct index_column {
    static constexpr std::size_t column = Column;
    static constexpr std::size_t bound = Bound;
    static constexpr auto table = Table;
};

namespace detail {
template <class N>
struct index_column_of {
    static constexpr bool found = false;
};
// A node whose op takes indices below `index_bound` from operand 0, which selects one element of the
// input (`columns`, of one), into the rows of the parameter operand 1.
template <class Op, class Select, class X, class W>
requires requires {
    Op::index_bound;
    Select::columns;
} && InputLeaf<X> && ParamLeaf<W> &&(Select::columns.size() == 1) struct index_column_of<node<Op, node<Select, X>, W>> {
    static constexpr bool found = true;
    using type = index_column<Select::columns[0], Op::index_bound, W::name>;
};
// The same op reading an input of one column: the input is the index.
template <class Op, class X, class W>
requires requires {
    Op::index_bound;
} && InputLeaf<X> && ParamLeaf<W> &&(size_of<X> == 1) struct index_column_of<node<Op, X, W>> {
    static constexpr bool found = true;
    using type = index_column<0, Op::index_bound, W::name>;
};
}  // namespace detail

//! The index columns (index_column) that the nodes `Nodes` (a type_list) read, in node order. Picked
//! by position from a table rather than by recursion over the list, whose length is the model's.
template <class Nodes>
struct index_columns_of;
template <class... Ns>
struct index_columns_of<type_list<Ns...>> {
private:
    static constexpr std::array<bool, sizeof...(Ns) + 1> found{detail::index_column_of<Ns>::found..., false};
    static constexpr std::size_t count = [] {
        std::size_t n = 0;
        for (const bool f : found)
            n += f;
        return n;
    }();
    static constexpr std::array<std::size_t, count + 1> where = [] {
        std::array<std::size_t, count + 1> at{};
        std::size_t n = 0;
        for (std::size_t i = 0; i < found.size(); ++i)
            if (found[i])
                at[n++] = i;
        return at;
    }();
    template <std::size_t... K>
    static auto pick(std::index_sequence<K...>)
        -> type_list<typename detail::index_column_of<std::tuple_element_t<where[K], std::tuple<Ns...>>>::type...>;

public:
    using type = decltype(pick(std::make_index_sequence<count>{}));
};

namespace detail {
template <class N>
inline constexpr std::size_t size_of_or_1 = size_of<N>;
template <>
inline constexpr std::size_t size_of_or_1<void> = 1;
}  // namespace detail

//! One sample into a one-sample workspace (scalar lane value) whose input leaf is `Input` (void:
//! none) and scalar target leaf `Target` (void: none). Usable in constant evaluation.
template <class Input, class Target, class WS, class T>
constexpr void load_sample(WS& ws, const T* x, T y) {
    if constexpr (!std::is_void_v<Input>) {
        auto& v = ws.template value<Input>();
        for (std::size_t f = 0; f < size_of<Input>; ++f)
            v[f] = x[f];
    }
    if constexpr (!std::is_void_v<Target>)
        ws.template value<Target>()[0] = y;
}

//! Loads samples into the SIMD lanes (xsimd::batch<T>) of the leaf `Input` (void: none) and the
//! scalar leaf `Target` (void: none) of a workspace, a block of samples at a time.
template <class Input, class Target, class T>
struct sample_loader {
    using lane = xsimd::batch<T>;
    static constexpr std::size_t lanes = lane::size;
    static constexpr bool has_input = !std::is_void_v<Input>;
    static constexpr bool has_target = !std::is_void_v<Target>;

    //! Loads the samples start, start + 1, ... of `rows` into the input and target lanes and returns
    //! how many lanes hold a sample; the rest repeat the last sample (finite values, weight 0).
    template <class WS>
    static std::size_t load_block(WS& ws, const sample_source<T>& rows, std::size_t start) {
        const std::size_t valid = std::min(rows.count - start, lanes);
        if constexpr (WS::has_mode)
            load_mode(ws, rows, start, valid);
        if (!rows.index && valid == lanes) {
            // A full block of consecutive rows: the targets are one vector load, and so is each
            // feature when the dataset keeps a feature-major copy.
            const std::size_t row0 = rows.first + start;
            if constexpr (has_input) {
                auto& v = ws.template value<Input>();
                if (rows.columns) {
                    for (std::size_t f = 0; f < size_of<Input>; ++f)
                        v[f] = lane::load_unaligned(rows.columns + f * rows.rows + row0);
                } else {
                    transpose_rows(v, rows, [&](std::size_t l) { return row0 + l; });
                }
            }
            if constexpr (has_target)
                ws.template value<Target>()[0] = lane::load_unaligned(rows.targets + row0);
        } else {
            // Through a local copy: the workspace's address never escapes to the out-of-line call,
            // so its lanes can stay in registers.
            lane inputs[detail::size_of_or_1<Input>], targets[1];
            load_rest(inputs, targets, rows, start, valid);
            if constexpr (has_input) {
                auto& v = ws.template value<Input>();
                for (std::size_t f = 0; f < size_of<Input>; ++f)
                    v[f] = inputs[f];
            }
            if constexpr (has_target)
                ws.template value<Target>()[0] = targets[0];
        }
        return valid;
    }

    //! The lanes [0, valid) set, the others clear.
    static auto mask(std::size_t valid) {
        alignas(64) T ids[lanes];
        for (std::size_t l = 0; l < lanes; ++l)
            ids[l] = static_cast<T>(l);
        return lane::load_aligned(ids) < lane(static_cast<T>(valid));
    }

    //! The mode of `rows` into a workspace whose expression depends on it, and in training the
    //! dataset row of each lane (a padded lane repeats the last sample's).
    template <class WS>
    static void load_mode(WS& ws, const sample_source<T>& rows, std::size_t start, std::size_t valid) {
        ws.mode = rows.mode;
        if (rows.mode)
            for (std::size_t l = 0; l < lanes; ++l)
                ws.mode_rows[l] = rows.row(start + std::min(l, valid - 1));
    }

private:
    // A block of rows picked by index, or the last, partly filled block of a batch. Kept out of
    // line: the full blocks' loads above stay small enough to be inlined into the sweep's loop.
    [[gnu::noinline]] static void load_rest(lane* inputs, lane* targets, const sample_source<T>& rows,
                                            std::size_t start, std::size_t valid) {
        if (!rows.index && rows.columns) {
            // The last block of consecutive rows: masked loads, and the last sample repeated.
            const std::size_t row0 = rows.first + start;
            const auto keep = mask(valid);
            if constexpr (has_input) {
                for (std::size_t f = 0; f < size_of<Input>; ++f) {
                    const T* column = rows.columns + f * rows.rows + row0;
                    inputs[f] =
                        xsimd::select(keep, typegrad::detail::load_first<lane>(column, valid), lane(column[valid - 1]));
                }
            }
            if constexpr (has_target)
                targets[0] = xsimd::select(keep, typegrad::detail::load_first<lane>(rows.targets + row0, valid),
                                           lane(rows.targets[row0 + valid - 1]));
        } else {
            const auto row_of = [&](std::size_t l) { return rows.row(start + std::min(l, valid - 1)); };
            if constexpr (has_input)
                transpose_rows(inputs, rows, row_of);
            if constexpr (has_target) {
                alignas(64) T buffer[lanes];
                for (std::size_t l = 0; l < lanes; ++l)
                    buffer[l] = rows.targets[row_of(l)];
                targets[0] = lane::load_aligned(buffer);
            }
        }
    }

    // Sample l's features into lane l: a transposition through an aligned buffer (xsimd 8.1's
    // gather is a scalar loop behind a call, slower than this).
    template <class Lanes, class RowOf>
    static void transpose_rows(Lanes& v, const sample_source<T>& rows, RowOf row_of) {
        constexpr std::size_t width = size_of<Input>;
        alignas(64) T buffer[width][lanes];
        if (rows.columns) {
            for (std::size_t l = 0; l < lanes; ++l) {
                const std::size_t r = row_of(l);
                for (std::size_t f = 0; f < width; ++f)
                    buffer[f][l] = rows.columns[f * rows.rows + r];
            }
        } else {
            for (std::size_t l = 0; l < lanes; ++l) {
                const T* row = rows.features + row_of(l) * rows.cols;
                for (std::size_t f = 0; f < width; ++f)
                    buffer[f][l] = row[f];
            }
        }
        for (std::size_t f = 0; f < width; ++f)
            v[f] = lane::load_aligned(buffer[f]);
    }
};

}  // namespace TYPEGRAD_NS::autodiff
