#pragma once
// `tg::gradcheck`: the gradient typegrad derives for a loss, compared with central finite
// differences of the loss for every parameter element, in double precision (torch:
// `torch.autograd.gradcheck`). Data reaches it through data/feed.hpp, checked as the trainer's is.
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>
#include <typegrad/parameters.hpp>

namespace TYPEGRAD_NS {

//! Tolerances of `tg::gradcheck`, torch's defaults: an element passes when
//! |analytic - numeric| <= atol + rtol * |numeric|, numeric = (L(w + eps) - L(w - eps)) / (2 eps).
struct gradcheck_options {
    double eps = 1e-6;
    double rtol = 1e-3;
    double atol = 1e-5;
};

//! What `tg::gradcheck` found: whether every element passed, and the element closest to failing (or
//! failing the most): its parameter, its flat index in that parameter, both derivatives and errors.
struct gradcheck_result {
    bool ok = true;
    std::string worst_param;
    std::size_t index = 0;
    double analytic = 0, numeric = 0, abs_err = 0, rel_err = 0;
    std::size_t checked = 0;   //!< parameter elements compared
    std::size_t failures = 0;  //!< of which out of tolerance
    std::string report;        //!< one readable paragraph saying all of the above

    explicit operator bool() const noexcept { return ok; }
};

namespace detail {

// A contiguous range of numbers (std::array, std::vector, std::span, a built-in array): what
// std::data and std::size take, without <ranges>, which every program including typegrad would parse.
template <class R>
concept NumberRange = requires(const R& r) {
    std::data(r);
    std::size(r);
}
&&std::is_arithmetic_v<std::remove_cvref_t<decltype(*std::data(std::declval<const R&>()))>>;

template <NumberRange R>
std::vector<double> to_doubles(const R& r) {
    const auto* first = std::data(r);
    return std::vector<double>(first, first + std::size(r));
}

inline std::string element_name(const param_info& p, std::size_t index) {
    if (p.columns > 1 && p.size > p.columns)
        return cat({p.name, "[", decimal(index / p.columns), ", ", decimal(index % p.columns), "]"});
    return cat({p.name, "[", decimal(index), "]"});
}

// A number as an ostream with precision 10 writes it ("%.10g").
inline std::string g10(double v) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.10g", v);
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

// gradcheck_result::report, out of line: one copy for every loss checked.
// `where`: the element closest to failing (element_name), empty when the loss has no parameters.
[[gnu::cold, gnu::noinline]] inline std::string gradcheck_report(const gradcheck_result& res, std::size_t params,
                                                                 const gradcheck_options& opt, std::string_view where) {
    if (where.empty())
        return "gradcheck: ok: the loss has no parameters";
    const std::string head =
        res.ok ? cat({"gradcheck: ok: ", decimal(res.checked), " gradient elements of ", decimal(params),
                      " parameters agree with central differences (eps ", g10(opt.eps), ", atol ", g10(opt.atol),
                      ", rtol ", g10(opt.rtol), "); closest to the tolerance: "})
               : cat({"typegrad: gradcheck: ", decimal(res.failures), " of ", decimal(res.checked),
                      " gradient elements differ from central differences (eps ", g10(opt.eps), "); worst: "});
    return cat({head, where, ": analytic ", g10(res.analytic), ", numeric ", g10(res.numeric), ", abs err ",
                g10(res.abs_err), ", rel err ", g10(res.rel_err), " (allowed: atol ", g10(opt.atol), " + rtol ",
                g10(opt.rtol), " * |numeric| = ", g10(opt.atol + opt.rtol * std::abs(res.numeric)), ")"});
}

// The comparison over `rows` samples, sample r being (x(r), y(r)): features and target in double.
template <class Loss, class L, class T, class X, class Y>
gradcheck_result gradcheck_rows(const Parameters<L, T>& params, std::size_t rows, X x, Y y,
                                const gradcheck_options& opt) {
    using program = autodiff::program<Loss, double>;
    Parameters<L, double> p;
    for (std::size_t k = 0; k < p.total; ++k)
        p.values()[k] = static_cast<double>(params.values()[k]);
    for (std::size_t k = 0; k < p.buffer_total; ++k)  // running statistics: an evaluation reads them
        p.buffers()[k] = static_cast<double>(params.buffers()[k]);
    const auto mean_loss = [&] {
        double total = 0;
        for (std::size_t r = 0; r < rows; ++r)
            total += program::sample_value(p.values().data(), x(r), y(r));
        return total / static_cast<double>(rows);
    };

    // The analytic gradient: the per-sample reverse sweep of tg::backward, in double.
    for (std::size_t r = 0; r < rows; ++r)
        program::sample_backward(p.values().data(), p.grads().data(), x(r), y(r), 1.0 / static_cast<double>(rows));

    gradcheck_result res;
    double worst = -1;
    const param_info* worst_info = nullptr;
    for (const param_info& info : p.info()) {
        for (std::size_t i = 0; i < info.size; ++i) {
            double& w = p.values()[info.offset + i];
            const double saved = w;
            w = saved + opt.eps;
            const double up = mean_loss();
            w = saved - opt.eps;
            const double down = mean_loss();
            w = saved;
            const double numeric = (up - down) / (2 * opt.eps), analytic = p.grads()[info.offset + i];
            const double err = std::abs(analytic - numeric), tol = opt.atol + opt.rtol * std::abs(numeric);
            const bool pass = err <= tol;  // false for NaN
            const double badness = std::isnan(err) ? std::numeric_limits<double>::infinity() : err / tol;
            ++res.checked;
            res.failures += pass ? 0 : 1;
            if (badness > worst || worst_info == nullptr) {
                worst = badness;
                worst_info = &info;
                res.index = i;
                res.analytic = analytic;
                res.numeric = numeric;
                res.abs_err = err;
                res.rel_err = err == 0 ? 0.0 : err / std::abs(numeric);
            }
        }
    }
    res.ok = res.failures == 0;

    if (worst_info != nullptr)
        res.worst_param = std::string(worst_info->name);
    res.report = gradcheck_report(res, p.count, opt,
                                  worst_info != nullptr ? element_name(*worst_info, res.index) : std::string());
    return res;
}

}  // namespace detail

//! Compares d(mean loss over the rows)/d(params) from typegrad's reverse sweep with central finite
//! differences, element by element, all in double whatever `params` and the data hold. The rows are
//! checked against the loss as the trainer checks a batch (data/feed.hpp): exactly the input's width
//! of feature columns, a target where the loss reads one, class indices, finite values. torch:
//! `torch.autograd.gradcheck`.
//!
//!     auto r = tg::gradcheck(loss, params, train.all(), {.eps = 1e-6, .rtol = 1e-3, .atol = 1e-5});
//!     if (!r.ok) std::puts(r.report.c_str());
template <Expression Loss, SameExpression<Loss> L, class T, class U>
gradcheck_result gradcheck(Loss, const Parameters<L, T>& params, const data::batch_view<U>& rows,
                           const gradcheck_options& options = {}) {
    using loss_type = std::remove_cv_t<Loss>;
    using program = autodiff::program<loss_type, double>;
    const auto source = data::feed<typename program::input, typename program::target, typename program::index_columns>(
        rows, "gradcheck");
    if (source.count == 0)
        typegrad::detail::raise(
            std::invalid_argument("typegrad: gradcheck: expected at least one row of data, found none"));
    std::vector<double> x(source.count * source.cols), y(source.count, 0.0);
    for (std::size_t i = 0; i < source.count; ++i) {
        const U* row = rows.features(i);
        for (std::size_t c = 0; c < source.cols; ++c)
            x[i * source.cols + c] = static_cast<double>(row[c]);
        if (source.targets)
            y[i] = static_cast<double>(rows.target(i));
    }
    return detail::gradcheck_rows<loss_type>(
        params, source.count, [&](std::size_t r) { return x.data() + r * source.cols; },
        [&](std::size_t r) { return y[r]; }, options);
}

//! `tg::gradcheck` over every row of `data`.
template <Expression Loss, SameExpression<Loss> L, class T, class U>
gradcheck_result gradcheck(Loss loss, const Parameters<L, T>& params, const data::basic_dataset<U>& data,
                           const gradcheck_options& options = {}) {
    return gradcheck(loss, params, data.all(), options);
}

//! `tg::gradcheck` over rows given as numbers: `features` row-major (the input's width a row),
//! `targets` one value per row (ignored, and may be empty, for a loss without a target); any contiguous range of
//! numbers (std::array, std::vector, std::span). Throws std::invalid_argument when the data does not fit the loss.
//!
//!     auto r = tg::gradcheck(loss, params, features, targets, {.eps = 1e-6, .rtol = 1e-3, .atol = 1e-5});
template <Expression Loss, SameExpression<Loss> L, class T, detail::NumberRange F, detail::NumberRange Y>
gradcheck_result gradcheck(Loss loss, const Parameters<L, T>& params, const F& features, const Y& targets,
                           const gradcheck_options& options = {}) {
    using program = autodiff::program<std::remove_cv_t<Loss>, double>;
    constexpr std::size_t width = [] {
        if constexpr (std::is_void_v<typename program::input>)
            return std::size_t{0};
        else
            return size_of<typename program::input>;
    }();
    constexpr bool has_target = !std::is_void_v<typename program::target>;
    std::vector<double> x = detail::to_doubles(features), y = detail::to_doubles(targets);
    const std::size_t rows = has_target ? y.size() : (width > 0 ? x.size() / width : 1);
    if (rows == 0 || x.size() != rows * width || (!y.empty() && y.size() != rows))
        typegrad::detail::raise(std::invalid_argument(
            "typegrad: gradcheck: the data does not fit the loss: " + std::to_string(x.size()) +
            " feature values and " + std::to_string(y.size()) + " targets for an input of width " +
            std::to_string(width) + (has_target ? " and one target per row" : " and no target")));
    if constexpr (width == 0 && !has_target) {
        return detail::gradcheck_rows<std::remove_cv_t<Loss>>(
            params, 1, [](std::size_t) { return static_cast<const double*>(nullptr); }, [](std::size_t) { return 0.0; },
            options);
    } else {
        std::vector<std::string> names(width);
        for (std::size_t c = 0; c < width; ++c)
            names[c] = std::to_string(c);
        const data::basic_dataset<double> d =
            has_target ? data::basic_dataset<double>(std::move(names), "target", std::move(x), std::move(y))
                       : data::basic_dataset<double>(std::move(names), std::move(x));
        return gradcheck(loss, params, d.all(), options);
    }
}

//! `tg::gradcheck` of a loss that reads no data (e.g. `tg::softplus(w)`).
template <Expression Loss, SameExpression<Loss> L, class T>
gradcheck_result gradcheck(Loss, const Parameters<L, T>& params, const gradcheck_options& options = {}) {
    return detail::gradcheck_rows<std::remove_cv_t<Loss>>(
        params, 1, [](std::size_t) { return static_cast<const double*>(nullptr); }, [](std::size_t) { return 0.0; },
        options);
}

}  // namespace TYPEGRAD_NS
