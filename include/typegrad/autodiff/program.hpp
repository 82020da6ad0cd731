#pragma once
// The compiled loss: orchestrates a batch, a block of samples at a time: the loader fills the lanes
// (samples.hpp), the forward and reverse sweeps run (sweep.hpp), and the per-lane accumulators are
// summed into the gradient of the mean loss (accumulators.hpp). One lane per sample; the last block
// of a batch is padded by repeating its last sample with weight zero, so padded lanes stay finite
// and add nothing.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

#include <typegrad/autodiff/accumulators.hpp>
#include <typegrad/autodiff/batch.hpp>
#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/samples.hpp>
#include <typegrad/autodiff/sweep.hpp>
#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>

namespace TYPEGRAD_NS::autodiff {

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

//! Evaluation of any expression `Expr` for element type T: its graph, and the loading of samples
//! into its input and target lanes. No requirement on the expression's shape (see program).
//! `Params` is the parameter list whose flat buffers the evaluation reads: the expression's own by
//! default, or that of a larger expression it is part of (a model inside its loss).
template <Expression Expr, class T, class Params = typename graph<std::remove_cv_t<Expr>>::params>
struct evaluator : sample_loader<typename first_or_void<typename graph<std::remove_cv_t<Expr>>::inputs>::type,
                                 typename first_or_void<typename graph<std::remove_cv_t<Expr>>::targets>::type, T> {
    using root = std::remove_cv_t<Expr>;
    using graph_type = graph<root>;
    using nodes = typename graph_type::nodes;
    using reversed = typename graph_type::reversed;
    using layout = param_layout<Params>;
    using input = typename first_or_void<typename graph_type::inputs>::type;
    using target = typename first_or_void<typename graph_type::targets>::type;
    //! The columns of the input that the expression reads as indices (data/feed.hpp checks them).
    using index_columns = typename index_columns_of<nodes>::type;
    //! The loader of this expression's input and target lanes (load_block, mask).
    using loader = sample_loader<input, target, T>;
    using loader::lanes;
    using loader::load_block;
    using loader::mask;
    using typename loader::lane;

    static_assert(length(typename graph_type::inputs{}) <= 1,
                  "typegrad: a loss trained on data reads one input (all feature columns); this one has several");
    static_assert(length(typename graph_type::targets{}) <= 1,
                  "typegrad: a loss trained on data reads one target; this one has several");

    //! Forward only: `Expr`'s value for each row, written to out[i * size + j] (size = its elements).
    static void predict(const T* params, const sample_source<T>& rows, T* out) {
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
    //! One sample into a one-sample workspace (scalar lane value).
    template <class WS>
    static constexpr void load_sample(WS& ws, const T* x, T y) {
        autodiff::load_sample<input, target>(ws, x, y);
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

    //! Whether backward() broadcasts the parameters to lane values once per call (broadcast_once).
    static constexpr bool broadcasts_params = broadcast_once<lane, layout::total>;
    //! Lane values of scratch that backward() needs: a per-lane accumulator for every parameter
    //! element, and as many again for the last, partly filled block of a batch; each followed by a
    //! vector's worth of zeros, so that the sums over lanes always read whole groups of vectors.
    //! With broadcasts_params, then the parameters broadcast (written by every call, cleared at its end).
    static constexpr std::size_t accumulators = layout::total + lanes;
    static constexpr std::size_t scratch_size = 2 * accumulators + (broadcasts_params ? layout::total : 0);

    //! The per-lane accumulators of the parameters, and their sums over lanes.
    using accumulator_runs = lane_accumulators<lane, T, reversed, typename base::graph_type::params>;

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
    static T backward(const T* params, T* grads, lane* scratch, const sample_source<T>& rows) {
        if (rows.count == 0)
            return T(0);
        return backward_sum(params, grads, scratch, rows, T(1) / static_cast<T>(rows.count)) /
               static_cast<T>(rows.count);
    }

    //! grads += weight · d(sum of the losses over rows)/d(params), with `scratch` as backward()'s;
    //! returns the sum of the rows' losses. A piece of a larger batch whose mean is taken: weight is
    //! one over the whole batch's rows (autodiff/data_parallel.hpp).
    static T backward_sum(const T* params, T* grads, lane* scratch, const sample_source<T>& rows, T weight_value) {
        if (rows.count == 0)
            return T(0);
        if constexpr (batch_level)
            if (rows.mode)
                return batch_sweep(params, grads, scratch, rows, weight_value, nullptr, 0, nullptr);
        lane* const acc = scratch;                  // every full block adds here
        lane* const tail = scratch + accumulators;  // the last, partly filled block, added under its mask
        workspace_for<lane, T, Loss, broadcasts_params> ws;
        ws.params = params;
        if constexpr (broadcasts_params) {
            lane* const wide = scratch + 2 * accumulators;
            for (std::size_t i = 0; i < layout::total; ++i)
                wide[i] = lane(params[i]);
            ws.param_lanes = wide;
        }
        ws.param_adjoints = acc;
        ws.param_grads = grads;
        ws.valid = lanes;
        const lane weight(weight_value);
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
                accumulator_runs::merge_tail(acc, tail, valid);
                ws.param_adjoints = acc;
                ws.valid = lanes;
            }
        }
        if constexpr (needs_adjoint_v<Loss>)
            flush_blocks(nodes{}, ws);
        accumulator_runs::add_sums(grads, acc);
        if constexpr (broadcasts_params) {
            lane* const wide = scratch + 2 * accumulators;
            for (std::size_t i = 0; i < layout::total; ++i)
                wide[i] = lane(T(0));
        }
        return xsimd::hadd(loss_sum);
    }

    //! Whether the loss has batch-level nodes (batch normalisation): then a training batch (rows
    //! with a mode) is swept whole, one workspace per block (autodiff/batch.hpp).
    static constexpr bool batch_level = has_batch_level<nodes>;
    //! The workspace of one block of a training batch.
    using block_workspace = workspace_for<lane, T, Loss, broadcasts_params>;
    //! The blocks of lanes a batch of `rows` rows takes.
    static constexpr std::size_t blocks_of(std::size_t rows) noexcept { return (rows + lanes - 1) / lanes; }

    //! A training batch through a loss with batch-level nodes: the forward sweep over every block
    //! (the batch-level nodes from the whole batch, their running statistics in `buffers`, the
    //! buffers after the parameters' values, updated unless null), and, with `grads`, the reverse sweep adding
    //! weight · d(sum of the losses)/d(params) into grads. `ws` holds `capacity` workspaces; fewer
    //! than the batch's blocks (none) and this allocates them. `scratch` as backward()'s. Returns
    //! the sum of the rows' losses.
    static T batch_sweep(const T* params, T* grads, lane* scratch, const sample_source<T>& rows, T weight_value,
                         block_workspace* ws, std::size_t capacity, T* buffers) {
        const std::size_t blocks = blocks_of(rows.count);
        std::vector<block_workspace> own;
        if (capacity < blocks) {
            own.resize(blocks);
            ws = own.data();
        }
        lane* const acc = scratch;
        lane* const tail = scratch + accumulators;
        lane* const wide = scratch + 2 * accumulators;
        if constexpr (broadcasts_params)
            for (std::size_t i = 0; i < layout::total; ++i)
                wide[i] = lane(params[i]);
        for (std::size_t k = 0; k < blocks; ++k) {
            block_workspace& block = ws[k];
            block.params = params;
            if constexpr (broadcasts_params)
                block.param_lanes = wide;
            block.param_grads = grads;
            block.valid = load_block(block, rows, k * lanes);
            block.param_adjoints = block.valid < lanes ? tail : acc;
        }
        batch_statistics<T, nodes> stats;
        batch_forward(nodes{}, ws, blocks, stats, buffers);
        const lane weight(weight_value);
        lane loss_sum(T(0));
        for (std::size_t k = 0; k < blocks; ++k) {
            const auto valid = base::mask(ws[k].valid);
            loss_sum += xsimd::select(valid, ws[k].template value<Loss>()[0], lane(T(0)));
            if constexpr (needs_adjoint_v<Loss>)
                ws[k].template adjoint<Loss>()[0] = xsimd::select(valid, weight, lane(T(0)));
        }
        if constexpr (needs_adjoint_v<Loss>) {
            if (grads) {
                batch_reverse<Loss>(reversed{}, ws, blocks, stats);
                for (std::size_t k = 0; k < blocks; ++k)
                    flush_blocks(nodes{}, ws[k]);
                if (ws[blocks - 1].valid < lanes)
                    accumulator_runs::merge_tail(acc, tail, base::mask(ws[blocks - 1].valid));
                accumulator_runs::add_sums(grads, acc);
            }
        }
        if constexpr (broadcasts_params)
            for (std::size_t i = 0; i < layout::total; ++i)
                wide[i] = lane(T(0));
        return xsimd::hadd(loss_sum);
    }

    //! The mean loss over rows (forward only).
    static T loss(const T* params, const sample_source<T>& rows) {
        if (rows.count == 0)
            return T(0);
        return loss_sum(params, rows) / static_cast<T>(rows.count);
    }

    //! The sum of the rows' losses (forward only).
    static T loss_sum(const T* params, const sample_source<T>& rows) {
        if (rows.count == 0)
            return T(0);
        workspace_for<lane, T, Loss> ws;
        ws.params = params;
        lane sum(T(0));
        for (std::size_t start = 0; start < rows.count; start += lanes) {
            const std::size_t valid = load_block(ws, rows, start);
            forward(nodes{}, ws);
            sum += valid == lanes ? ws.template value<Loss>()[0]
                                  : xsimd::select(base::mask(valid), ws.template value<Loss>()[0], lane(T(0)));
        }
        return xsimd::hadd(sum);
    }
};

}  // namespace TYPEGRAD_NS::autodiff
