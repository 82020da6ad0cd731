#pragma once
// Forward evaluation of a model for every row of a batch: predictions for metrics and inference. The
// rows reach the sweep through data/feed.hpp, checked as the trainer's are. Also: class predictions
// and probabilities in one call (classify), and one row at a time without a dataset (predict_one).
#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/parameters.hpp>

namespace TYPEGRAD_NS {

namespace detail {
template <class P, class All>
struct holds;
template <class P, class... A>
struct holds<P, type_list<A...>> : std::bool_constant<(std::is_same_v<P, A> || ...)> {};
template <class Sub, class All>
struct params_subset;
template <class... S, class All>
struct params_subset<type_list<S...>, All> : std::bool_constant<(holds<S, All>::value && ...)> {};
// Whether every parameter of the expression is one of the loss L's (what its Parameters hold).
template <class Expr, class L>
inline constexpr bool uses_params_of = params_subset<typename autodiff::graph<std::remove_cv_t<Expr>>::params,
                                                     typename autodiff::graph<std::remove_cv_t<L>>::params>::value;
// Whether the expression's batch normalisations are the loss L's first ones (their running
// statistics are found by position).
template <class Expr, class L>
inline constexpr bool buffers_of = autodiff::buffers_prefix<typename autodiff::graph<std::remove_cv_t<Expr>>::nodes,
                                                            typename autodiff::graph<std::remove_cv_t<L>>::nodes>;
// The evaluator of the expression over the layout of L's Parameters.
template <class Expr, class L, class T>
using evaluator_over = autodiff::evaluator<Expr, T, typename autodiff::graph<std::remove_cv_t<L>>::params>;
}  // namespace detail

//! Writes the value of `expr` (e.g. the model inside a loss) for each row of `rows` into `out`,
//! `size_of<Expr>` values a row, row after row, reading the parameters from `params`. The data must
//! have exactly as many feature columns as the model's input has features (the trainer's rule);
//! `checks.finite` (on by default) rejects non-finite features, once per dataset.
//! torch: `with torch.no_grad(): out = model(X[rows])`.
template <Expression Expr, class L, class T>
void predict(Expr, const Parameters<L, T>& params, const data::batch_view<T>& rows, std::span<T> out,
             data::feed_checks checks = {}) {
    static_assert(detail::uses_params_of<Expr, L>,
                  "typegrad: predict: the expression uses a parameter that these Parameters do not hold");
    static_assert(detail::buffers_of<Expr, L>,
                  "typegrad: predict: the expression's batch normalisations must be the first ones of the loss");
    using eval = detail::evaluator_over<Expr, L, T>;
    if (out.size() < rows.size() * size_of<std::remove_cv_t<Expr>>)
        typegrad::detail::raise(
            std::invalid_argument("typegrad: predict: the output span is smaller than rows x outputs"));
    eval::predict(
        params.values().data(),
        data::feed<typename eval::input, typename eval::target, typename eval::index_columns>(rows, "predict", checks),
        out.data());
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

//! The value of `expr` for one row of features, for latency-bound callers (a request, a control
//! loop): no dataset, no allocation, one sample through the one-sample code path, whose elementwise
//! layers run over a layer's units in SIMD registers (the sweep of `predict`, a sample per lane,
//! pays off from a few rows on). `features` holds the model input's features in column order (any
//! contiguous range: std::array, std::vector, T[N], std::span), already standardised as the
//! training rows were. Throws std::invalid_argument when it
//! holds another number of values, an index column (an embedding's) a value that is not an index
//! into its table or, with `checks.finite` (on by default), a non-finite one.
//! torch: `with torch.no_grad(): out = model(x.unsqueeze(0))[0]`.
template <Expression Expr, class L, class T>
[[nodiscard]] std::array<T, size_of<std::remove_cv_t<Expr>>> predict_one(
    Expr, const Parameters<L, T>& params, std::type_identity_t<std::span<const T>> features,
    data::feed_checks checks = {}) {
    static_assert(detail::uses_params_of<Expr, L>,
                  "typegrad: predict_one: the expression uses a parameter that these Parameters do not hold");
    static_assert(detail::buffers_of<Expr, L>,
                  "typegrad: predict_one: the expression's batch normalisations must be the first ones of the loss");
    using eval = detail::evaluator_over<Expr, L, T>;
    using input = typename eval::input;
    static_assert(std::is_void_v<typename eval::target>,
                  "typegrad: predict_one: the expression reads a target; pass the model, not its loss");
    constexpr std::size_t width = [] {
        if constexpr (std::is_void_v<input>)
            return std::size_t{0};
        else
            return size_of<input>;
    }();
    if (features.size() != width)
        typegrad::detail::raise(std::invalid_argument("typegrad: predict_one: the model's input has " +
                                                      std::to_string(width) + " features but the row has " +
                                                      std::to_string(features.size()) + " values"));
    if (checks.finite)
        for (std::size_t c = 0; c < width; ++c)
            if (!std::isfinite(features[c]))
                typegrad::detail::raise(std::invalid_argument("typegrad: predict_one: feature " + std::to_string(c) +
                                                              " is " +
                                                              std::to_string(static_cast<double>(features[c])) +
                                                              ", expected a finite value (the check can be turned off: "
                                                              "feed_checks::finite)"));
    data::check_row_indices<typename eval::index_columns>(features.data(), "predict_one");
    using root = std::remove_cv_t<Expr>;
    autodiff::workspace<T, T, typename eval::nodes, typename autodiff::graph<std::remove_cv_t<L>>::params> ws;
    ws.params = params.values().data();
    eval::load_sample(ws, features.data(), T(0));
    autodiff::forward(typename eval::nodes{}, ws);
    std::array<T, size_of<root>> out;
    const auto& value = ws.template value<root>();
    for (std::size_t j = 0; j < size_of<root>; ++j)
        out[j] = value[j];
    return out;
}

//! What classify returns: the predicted class of each row and the probability of every class.
template <class T>
struct class_predictions {
    //! The number of classes K (2 for a model with one output, a logit).
    std::size_t classes = 0;
    //! The predicted class of each row, a class index stored as a number (as targets are).
    std::vector<T> labels;
    //! Row-major [rows, K]: the probability of each class (each row sums to 1 up to rounding).
    std::vector<T> probabilities;

    //! The number of rows.
    std::size_t rows() const noexcept { return labels.size(); }
    //! The probability that row `r` is of class `k`.
    T probability(std::size_t r, std::size_t k) const { return probabilities.at(r * classes + k); }
};

namespace detail {
// Labels and probabilities from the scores (row-major [rows, K]) of a classifier, in double:
// softmax for K > 1, the sigmoid of a logit (classes 0 and 1) for K = 1.
template <class T>
class_predictions<T> classes_of(std::span<const T> scores, std::size_t width) {
    class_predictions<T> out;
    const std::size_t rows = width == 0 ? 0 : scores.size() / width;
    out.classes = width == 1 ? 2 : width;
    out.labels.resize(rows);
    out.probabilities.resize(rows * out.classes);
    for (std::size_t r = 0; r < rows; ++r) {
        const T* z = scores.data() + r * width;
        T* p = out.probabilities.data() + r * out.classes;
        if (width == 1) {
            // sigmoid(z) for class 1 and sigmoid(-z) for class 0, each without overflow.
            const auto sigmoid = [](double v) {
                return v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
            };
            const double v = static_cast<double>(z[0]);
            p[0] = static_cast<T>(sigmoid(-v));
            p[1] = static_cast<T>(sigmoid(v));
            out.labels[r] = z[0] > T(0) ? T(1) : T(0);
            continue;
        }
        std::size_t best = 0;
        for (std::size_t k = 1; k < width; ++k)
            if (z[k] > z[best])
                best = k;
        const double top = static_cast<double>(z[best]);
        double sum = 0;
        for (std::size_t k = 0; k < width; ++k)
            sum += std::exp(static_cast<double>(z[k]) - top);
        for (std::size_t k = 0; k < width; ++k)
            p[k] = static_cast<T>(std::exp(static_cast<double>(z[k]) - top) / sum);
        out.labels[r] = static_cast<T>(best);
    }
    return out;
}
}  // namespace detail

//! The predicted class and the class probabilities of each row of `rows`, from a classifier's
//! scores `expr` (the model inside its loss), in one sweep. With K > 1 outputs (logits for
//! `tg::cross_entropy`, log-probabilities for `tg::nll`) the probabilities are their softmax and
//! the class the first index of the largest score (torch: `p = scores.softmax(1)`,
//! `scores.argmax(1)`); with one output (a logit for `tg::bce_with_logits`) there are two classes,
//! probabilities `1 - sigmoid(z)` and `sigmoid(z)`, and the class is 1 when z > 0 (as
//! sklearn's `predict_proba` lays out a binary classifier). The labels and the probabilities
//! both feed tg::accuracy and tg::confusion_matrix. Throws as predict.
template <Expression Expr, class L, class T>
[[nodiscard]] class_predictions<T> classify(Expr expr, const Parameters<L, T>& params, const data::batch_view<T>& rows,
                                            data::feed_checks checks = {}) {
    const std::vector<T> scores = predict(expr, params, rows, checks);
    return detail::classes_of(std::span<const T>(scores), size_of<std::remove_cv_t<Expr>>);
}

//! classify for every row of `data`, in order.
template <Expression Expr, class L, class T>
[[nodiscard]] class_predictions<T> classify(Expr expr, const Parameters<L, T>& params,
                                            const data::basic_dataset<T>& data, data::feed_checks checks = {}) {
    return classify(expr, params, data.all(), checks);
}

}  // namespace TYPEGRAD_NS
