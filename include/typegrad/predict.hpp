#pragma once
// Forward evaluation of a model for every row of a batch: predictions for metrics and inference. The
// rows reach the sweep through data/feed.hpp, checked as the trainer's are.
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/parameters.hpp>

namespace typegrad {

namespace detail {
template <class P, class All>
struct holds;
template <class P, class... A>
struct holds<P, type_list<A...>> : std::bool_constant<(std::is_same_v<P, A> || ...)> {};
template <class Sub, class All>
struct params_subset;
template <class... S, class All>
struct params_subset<type_list<S...>, All> : std::bool_constant<(holds<S, All>::value && ...)> {};
}  // namespace detail

//! Writes the value of `expr` (e.g. the model inside a loss) for each row of `rows` into `out`,
//! `size_of<Expr>` values a row, row after row, reading the parameters from `params`. The data must
//! have exactly as many feature columns as the model's input has features (the trainer's rule);
//! `checks.finite` (on by default) rejects non-finite features, once per dataset.
//! torch: `with torch.no_grad(): out = model(X[rows])`.
template <Expression Expr, class L, class T>
void predict(Expr, const Parameters<L, T>& params, const data::batch_view<T>& rows, std::span<T> out,
             data::feed_checks checks = {}) {
    using expr_params = typename autodiff::graph<std::remove_cv_t<Expr>>::params;
    using all_params = typename autodiff::graph<std::remove_cv_t<L>>::params;
    static_assert(detail::params_subset<expr_params, all_params>::value,
                  "typegrad: predict: the expression uses a parameter that these Parameters do not hold");
    using eval = autodiff::evaluator<Expr, T, all_params>;
    if (out.size() < rows.size() * size_of<std::remove_cv_t<Expr>>)
        typegrad::detail::raise(
            std::invalid_argument("typegrad: predict: the output span is smaller than rows x outputs"));
    eval::predict(params.values().data(),
                  data::feed<typename eval::input, typename eval::target>(rows, "predict", checks), out.data());
}

//! The value of `expr` for each row of `rows`, as a vector of rows x size_of<Expr> values.
template <Expression Expr, class L, class T>
[[nodiscard]] std::vector<T> predict(Expr expr, const Parameters<L, T>& params, const data::batch_view<T>& rows,
                                     data::feed_checks checks = {}) {
    std::vector<T> out(rows.size() * size_of<std::remove_cv_t<Expr>>);
    predict(expr, params, rows, std::span<T>(out), checks);
    return out;
}

//! The value of `expr` for every row of `data`, in order.
template <Expression Expr, class L, class T>
[[nodiscard]] std::vector<T> predict(Expr expr, const Parameters<L, T>& params, const data::basic_dataset<T>& data,
                                     data::feed_checks checks = {}) {
    return predict(expr, params, data.all(), checks);
}

}  // namespace typegrad
