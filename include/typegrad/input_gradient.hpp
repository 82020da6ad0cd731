#pragma once
// The gradient of a per-sample scalar (a loss, one output of a model) with respect to the sample's
// features, for every row of a batch: saliency maps, adversarial examples (FGSM's sign of the
// loss's input gradient), penalties on a model's slope. The sweep is autodiff/input_gradient.hpp;
// this is the front door, with the rows fed and checked as tg::predict feeds them.
#include <cstddef>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/input_gradient.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/predict.hpp>  // detail::uses_params_of

namespace TYPEGRAD_NS {

namespace detail {
template <class Expr, class L, class T>
using input_gradient_over = autodiff::input_gradient_of<Expr, T, typename autodiff::graph<std::remove_cv_t<L>>::params>;
}  // namespace detail

//! Writes d(expr)/d(x) for each row of `rows` into `out`, row after row: `out[i * F + f]` is the
//! derivative of row i's value of `expr` with respect to its feature f (F the input's width). `expr`
//! is a scalar per sample that reads the input (a model with one output, a loss, `tg::sum` or
//! `tg::dot` of a model's outputs), built from parameters that `params` holds; a loss reads the
//! rows' targets. Each row's gradient is its own (not divided by the number of rows). The rows are
//! fed and checked as tg::predict's. Allocates nothing: call it again with the same `out` to reuse
//! it. Throws std::invalid_argument when `out` holds fewer than rows x F values.
//! torch: `X.requires_grad_(); torch.autograd.grad(per_sample(X).sum(), X)[0]`, e.g.
//! `torch.autograd.grad(F.cross_entropy(model(X), y, reduction="sum"), X)[0]`.
template <Expression Expr, class L, class T>
void input_gradient(Expr, const Parameters<L, T>& params, const data::batch_view<T>& rows, std::span<T> out,
                    data::feed_checks checks = {}) {
    using root = std::remove_cv_t<Expr>;
    static_assert(root::shape_type::size == 1,
                  "typegrad: input_gradient: the expression must be a scalar per sample (sum a model's outputs "
                  "with tg::sum, or pick one with tg::dot)");
    static_assert(detail::uses_params_of<Expr, L>,
                  "typegrad: input_gradient: the expression uses a parameter that these Parameters do not hold");
    using sweep = detail::input_gradient_over<Expr, L, T>;
    if (out.size() < rows.size() * sweep::width)
        typegrad::detail::raise(
            std::invalid_argument("typegrad: input_gradient: the output span is smaller than rows x features"));
    sweep::run(params.values().data(),
               data::feed<typename sweep::input, typename sweep::eval::target, typename sweep::eval::index_columns>(
                   rows, "input_gradient", checks),
               out.data());
}

//! d(expr)/d(x) for each row of `rows`, as a vector of rows x F values, row after row.
template <Expression Expr, class L, class T>
[[nodiscard]] std::vector<T> input_gradient(Expr expr, const Parameters<L, T>& params, const data::batch_view<T>& rows,
                                            data::feed_checks checks = {}) {
    std::vector<T> out(rows.size() * detail::input_gradient_over<Expr, L, T>::width);
    input_gradient(expr, params, rows, std::span<T>(out), checks);
    return out;
}

//! d(expr)/d(x) for every row of `data`, in order.
template <Expression Expr, class L, class T>
[[nodiscard]] std::vector<T> input_gradient(Expr expr, const Parameters<L, T>& params,
                                            const data::basic_dataset<T>& data, data::feed_checks checks = {}) {
    return input_gradient(expr, params, data.all(), checks);
}

}  // namespace TYPEGRAD_NS
