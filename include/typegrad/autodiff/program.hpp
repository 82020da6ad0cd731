#pragma once
// The compiled loss: loads a block of samples into the lanes, runs the forward and reverse sweeps,
// and accumulates the gradient of the mean loss. One lane per sample; the last block of a batch is
// padded by repeating its last sample with weight zero, so padded lanes stay finite and add nothing.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <typegrad/detail/xsimd.hpp>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/sweep.hpp>
#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/shuffle.hpp>

namespace typegrad::autodiff {

//! The rows of a batch as the evaluator sees them: row-major features and one target per row.
template <class T>
struct rows_ref {
    const T* features = nullptr;
    std::size_t cols = 0;
    const T* targets = nullptr;
    const std::uint32_t* index = nullptr;  // row of each sample, or null for rows first, first + 1, ...
    std::size_t first = 0;
    std::size_t count = 0;
    const T* columns = nullptr;  // optional feature-major copy [cols][rows] of the features
    std::size_t rows = 0;        // rows of the whole dataset (the stride of `columns`)

    constexpr std::size_t row(std::size_t i) const noexcept { return index ? index[i] : first + i; }
};

template <class List>
struct first_or_void {
    using type = void;
};
template <class H, class... Ts>
struct first_or_void<type_list<H, Ts...>> {
    using type = H;
};
template <class... Ts>
constexpr std::size_t length(type_list<Ts...>) {
    return sizeof...(Ts);
}

template <class N>
inline constexpr std::size_t size_of_or_1 = size_of<N>;
template <>
inline constexpr std::size_t size_of_or_1<void> = 1;

//! Evaluation of any expression `Expr` for element type T: its graph, and the loading of samples
//! into its input and target lanes. No requirement on the expression's shape (see program).
//! `Params` is the parameter list whose flat buffers the evaluation reads: the expression's own by
//! default, or that of a larger expression it is part of (a model inside its loss).
template <Expression Expr, class T, class Params = typename graph<std::remove_cv_t<Expr>>::params>
struct evaluator {
    using root = std::remove_cv_t<Expr>;
    using graph_type = graph<root>;
    using nodes = typename graph_type::nodes;
    using reversed = typename graph_type::reversed;
    using layout = param_layout<Params>;
    using input = typename first_or_void<typename graph_type::inputs>::type;
    using target = typename first_or_void<typename graph_type::targets>::type;
    using lane = xsimd::batch<T>;
    static constexpr std::size_t lanes = lane::size;

    static_assert(length(typename graph_type::inputs{}) <= 1,
                  "typegrad: a loss trained on data reads one input (all feature columns); this one has several");
    static_assert(length(typename graph_type::targets{}) <= 1,
                  "typegrad: a loss trained on data reads one target; this one has several");

    //! Forward only: `Expr`'s value for each row, written to out[i * size + j] (size = its elements).
    static void predict(const T* params, const rows_ref<T>& rows, T* out) {
        workspace<lane, T, nodes, Params> ws;
        ws.params = params;
        for (std::size_t start = 0; start < rows.count; start += lanes) {
            load_block(ws, rows, start);
            forward(nodes{}, ws);
            alignas(64) T tmp[lanes];
            for (std::size_t j = 0; j < size_of<root>; ++j) {
                ws.template value<root>()[j].store_aligned(tmp);
                for (std::size_t l = 0; l < lanes && start + l < rows.count; ++l)
                    out[(start + l) * size_of<root> + j] = tmp[l];
            }
        }
    }
    template <class WS>
    static constexpr void load_sample(WS& ws, const T* x, T y) {
        if constexpr (!std::is_void_v<input>) {
            auto& v = ws.template value<input>();
            for (std::size_t f = 0; f < size_of<input>; ++f)
                v[f] = x[f];
        }
        if constexpr (!std::is_void_v<target>)
            ws.template value<target>()[0] = y;
    }

    //! Loads the samples start, start + 1, ... of `rows` into the input and target lanes and returns
    //! how many lanes hold a sample; the rest repeat the last sample (finite values, weight 0).
    template <class WS>
    static std::size_t load_block(WS& ws, const rows_ref<T>& rows, std::size_t start) {
        const std::size_t valid = std::min(rows.count - start, lanes);
        if (!rows.index && valid == lanes) {
            // A full block of consecutive rows: the targets are one vector load, and so is each
            // feature when the dataset keeps a feature-major copy.
            const std::size_t row0 = rows.first + start;
            if constexpr (!std::is_void_v<input>) {
                auto& v = ws.template value<input>();
                if (rows.columns) {
                    for (std::size_t f = 0; f < size_of<input>; ++f)
                        v[f] = lane::load_unaligned(rows.columns + f * rows.rows + row0);
                } else {
                    transpose_rows(v, rows, [&](std::size_t l) { return row0 + l; });
                }
            }
            if constexpr (!std::is_void_v<target>)
                ws.template value<target>()[0] = lane::load_unaligned(rows.targets + row0);
        } else {
            // Through a local copy: the workspace's address never escapes to the out-of-line call,
            // so its lanes can stay in registers.
            lane inputs[size_of_or_1<input>], targets[1];
            load_rest(inputs, targets, rows, start, valid);
            if constexpr (!std::is_void_v<input>) {
                auto& v = ws.template value<input>();
                for (std::size_t f = 0; f < size_of<input>; ++f)
                    v[f] = inputs[f];
            }
            if constexpr (!std::is_void_v<target>)
                ws.template value<target>()[0] = targets[0];
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

private:
    // A block of rows picked by index, or the last, partly filled block of a batch. Kept out of
    // line: the full blocks' loads above stay small enough to be inlined into the sweep's loop.
    [[gnu::noinline]] static void load_rest(lane* inputs, lane* targets, const rows_ref<T>& rows, std::size_t start,
                                            std::size_t valid) {
        if (!rows.index && rows.columns) {
            // The last block of consecutive rows: masked loads, and the last sample repeated.
            const std::size_t row0 = rows.first + start;
            const auto keep = mask(valid);
            if constexpr (!std::is_void_v<input>) {
                for (std::size_t f = 0; f < size_of<input>; ++f) {
                    const T* column = rows.columns + f * rows.rows + row0;
                    inputs[f] = xsimd::select(keep, detail::load_first<lane>(column, valid), lane(column[valid - 1]));
                }
            }
            if constexpr (!std::is_void_v<target>)
                targets[0] = xsimd::select(keep, detail::load_first<lane>(rows.targets + row0, valid),
                                           lane(rows.targets[row0 + valid - 1]));
        } else {
            const auto row_of = [&](std::size_t l) { return rows.row(start + std::min(l, valid - 1)); };
            if constexpr (!std::is_void_v<input>)
                transpose_rows(inputs, rows, row_of);
            if constexpr (!std::is_void_v<target>) {
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
    static void transpose_rows(Lanes& v, const rows_ref<T>& rows, RowOf row_of) {
        constexpr std::size_t width = size_of<input>;
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

//! The loss `Loss` compiled for element type T: a scalar per sample, averaged over a batch.
template <Expression Expr, class T>
struct program : evaluator<Expr, T> {
    using base = evaluator<Expr, T>;
    using Loss = typename base::root;
    using base::lanes;
    using base::load_block;
    using base::load_sample;
    using typename base::lane;
    using typename base::layout;
    using typename base::nodes;
    using typename base::reversed;

    // In a function, not at class scope: there Clang 14 stops at the first failed static_assert and
    // never prints the diagnostic type that carries the shape.
    static constexpr bool check() {
        using S = typename Loss::shape_type;
        error::check<S::size == 1>(error::fault<error::loss_is_not_a_scalar<error::shaped<error::loss_shape, S>>>);
        check_parameter_names(typename base::graph_type::params{});
        return true;  // a fault has been reported above, once
    }
    static_assert(check());

    //! Lane values of scratch that backward() needs: a per-lane accumulator for every parameter
    //! element, and as many again for the last, partly filled block of a batch; each followed by a
    //! vector's worth of zeros, so that the sums over lanes always read whole groups of vectors.
    static constexpr std::size_t accumulators = layout::total + lanes;
    static constexpr std::size_t scratch_size = 2 * accumulators;

    //! The parts of the flat parameter buffer whose gradient is summed in per-lane accumulators, as
    //! runs of consecutive elements; the rest (weights of large dense layers) reduce each block
    //! straight into the gradient.
    struct run {
        std::size_t first = 0, count = 0;
    };
    template <class... Ps>
    static constexpr auto lane_runs_of(type_list<Ps...>) {
        constexpr std::size_t n = sizeof...(Ps);
        constexpr std::array<bool, n + 1> per_lane{reverse_plan<lane, reversed>::template lane_accumulated<Ps>...,
                                                   false};
        constexpr std::array<std::size_t, n + 1> sizes{size_of<Ps>..., 0};
        std::array<run, n + 1> runs{};
        std::size_t count = 0, offset = 0;
        for (std::size_t k = 0; k < n; offset += sizes[k], ++k) {
            if (!per_lane[k] || sizes[k] == 0)
                continue;
            if (count > 0 && runs[count - 1].first + runs[count - 1].count == offset)
                runs[count - 1].count += sizes[k];
            else
                runs[count++] = run{offset, sizes[k]};
        }
        return std::pair{runs, count};
    }
    static constexpr auto lane_runs = lane_runs_of(typename base::graph_type::params{});

    template <class F>
    static void for_lane_runs(F&& f) {
        for (std::size_t r = 0; r < lane_runs.second; ++r)
            f(lane_runs.first[r].first, lane_runs.first[r].count);
    }

    //! Adds weight · d(loss)/d(params) for one sample into `grads`; returns the sample's loss.
    //! Usable in constant evaluation.
    static constexpr T sample_backward(const T* params, T* grads, const T* x, T y, T weight) {
        workspace_for<T, T, Loss> ws;
        ws.params = params;
        ws.param_adjoints = grads;
        load_sample(ws, x, y);
        forward(nodes{}, ws);
        if constexpr (needs_adjoint_v<Loss>) {
            ws.template adjoint<Loss>()[0] = weight;
            reverse<Loss>(reversed{}, ws);
        }
        return ws.template value<Loss>()[0];
    }

    //! The loss of one sample. Usable in constant evaluation.
    static constexpr T sample_value(const T* params, const T* x, T y) {
        workspace_for<T, T, Loss> ws;
        ws.params = params;
        load_sample(ws, x, y);
        forward(nodes{}, ws);
        return ws.template value<Loss>()[0];
    }

    //! grads += d(mean loss over rows)/d(params), with `scratch` (scratch_size lane values, all zero,
    //! and left all zero) for the per-lane accumulators. Returns the mean loss. Allocates nothing.
    static T backward(const T* params, T* grads, lane* scratch, const rows_ref<T>& rows) {
        if (rows.count == 0)
            return T(0);
        lane* const acc = scratch;                  // every full block adds here
        lane* const tail = scratch + accumulators;  // the last, partly filled block, added under its mask
        workspace_for<lane, T, Loss> ws;
        ws.params = params;
        ws.param_adjoints = acc;
        ws.param_grads = grads;
        ws.valid = lanes;
        const lane weight(T(1) / static_cast<T>(rows.count));
        lane loss_sum(T(0));
        for (std::size_t start = 0; start < rows.count; start += lanes) {
            const bool partial = load_block(ws, rows, start) < lanes;
            forward(nodes{}, ws);
            if (!partial) {
                loss_sum += ws.template value<Loss>()[0];
                if constexpr (needs_adjoint_v<Loss>) {
                    ws.template adjoint<Loss>()[0] = weight;
                    reverse<Loss>(reversed{}, ws);
                }
                continue;
            }
            const auto valid = base::mask(rows.count - start);
            loss_sum += xsimd::select(valid, ws.template value<Loss>()[0], lane(T(0)));
            if constexpr (needs_adjoint_v<Loss>) {
                ws.template adjoint<Loss>()[0] = xsimd::select(valid, weight, lane(T(0)));
                // A padded lane has weight 0, but 0 times an infinite local derivative (sqrt at 0)
                // is NaN: keep padded lanes out of the sums altogether.
                ws.param_adjoints = tail;
                ws.valid = rows.count - start;
                reverse<Loss>(reversed{}, ws);
                for_lane_runs([&](std::size_t first, std::size_t count) {
                    for (std::size_t k = first; k < first + count; ++k) {
                        acc[k] += xsimd::select(valid, tail[k], lane(T(0)));
                        tail[k] = lane(T(0));
                    }
                });
                ws.param_adjoints = acc;
                ws.valid = lanes;
            }
        }
        // The sums over lanes, a vector of parameters at a time; the accumulators are left zero.
        for_lane_runs([&](std::size_t first, std::size_t count) {
            T* const g = grads + first;
            lane* const a = acc + first;
            const std::size_t whole = count / lanes * lanes;
            for (std::size_t k = 0; k < whole; k += lanes) {
                (lane::load_unaligned(g + k) + detail::lane_sums(a + k)).store_unaligned(g + k);
                for (std::size_t j = 0; j < lanes; ++j)
                    a[k + j] = lane(T(0));
            }
            if (whole < count) {
                // A last, partial group: the sums of the accumulators after it (another parameter's,
                // or the zeros that end the array) are computed and not kept.
                const std::size_t rest = count - whole;
                detail::store_first(g + whole, rest,
                                    detail::load_first<lane>(g + whole, rest) + detail::lane_sums(a + whole));
                for (std::size_t j = whole; j < count; ++j)
                    a[j] = lane(T(0));
            }
        });
        return xsimd::hadd(loss_sum) / static_cast<T>(rows.count);
    }

    //! The mean loss over rows (forward only).
    static T loss(const T* params, const rows_ref<T>& rows) {
        if (rows.count == 0)
            return T(0);
        workspace_for<lane, T, Loss> ws;
        ws.params = params;
        lane loss_sum(T(0));
        for (std::size_t start = 0; start < rows.count; start += lanes) {
            const std::size_t valid = load_block(ws, rows, start);
            forward(nodes{}, ws);
            loss_sum += valid == lanes ? ws.template value<Loss>()[0]
                                       : xsimd::select(base::mask(valid), ws.template value<Loss>()[0], lane(T(0)));
        }
        return xsimd::hadd(loss_sum) / static_cast<T>(rows.count);
    }
};

}  // namespace typegrad::autodiff
