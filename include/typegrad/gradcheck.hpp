#pragma once
//! @file
//! `tg::gradcheck`: the gradient typegrad derives for a loss, compared with central finite
//! differences of the loss for every parameter element, in double precision (torch:
//! `torch.autograd.gradcheck`).
#include <cmath>
#include <cstddef>
#include <limits>
#include <ranges>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/parameters.hpp>

namespace typegrad {

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

template <class R>
concept NumberRange = std::ranges::contiguous_range<R> && std::is_arithmetic_v<std::ranges::range_value_t<R>>;

template <NumberRange R>
std::vector<double> to_doubles(const R& r) {
    return std::vector<double>(std::ranges::begin(r), std::ranges::end(r));
}

inline std::string element_name(const param_info& p, std::size_t index) {
    std::ostringstream s;
    s << p.name << '[';
    if (p.columns > 1 && p.size > p.columns)
        s << index / p.columns << ", " << index % p.columns;
    else
        s << index;
    s << ']';
    return s.str();
}

template <class Loss, class L, class T>
gradcheck_result gradcheck_rows(const Parameters<L, T>& params, const std::vector<double>& features,
                                const std::vector<double>& targets, const gradcheck_options& opt) {
    using program = autodiff::program<Loss, double>;
    constexpr std::size_t width = [] {
        if constexpr (std::is_void_v<typename program::input>)
            return std::size_t{0};
        else
            return size_of<typename program::input>;
    }();
    constexpr bool has_target = !std::is_void_v<typename program::target>;

    std::size_t rows = 1;
    if (has_target && !targets.empty()) {
        rows = targets.size();
    } else if constexpr (width > 0) {
        rows = features.size() / width;
    }
    const std::size_t cols = rows == 0 ? 0 : features.size() / rows;
    if (rows == 0 || cols * rows != features.size() || cols < width || (has_target && targets.size() != rows))
        throw std::invalid_argument(
            "typegrad: gradcheck: the data does not fit the loss: " + std::to_string(features.size()) +
            " feature values and " + std::to_string(targets.size()) + " targets for an input of width " +
            std::to_string(width) + (has_target ? " and one target per row" : " and no target"));

    Parameters<L, double> p;
    for (std::size_t k = 0; k < p.total; ++k)
        p.values()[k] = static_cast<double>(params.values()[k]);
    const auto x = [&](std::size_t r) { return width > 0 ? features.data() + r * cols : nullptr; };
    const auto y = [&](std::size_t r) { return has_target ? targets[r] : 0.0; };
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

    std::ostringstream s;
    s.precision(10);
    if (worst_info == nullptr) {
        s << "gradcheck: ok: the loss has no parameters";
    } else {
        res.worst_param = std::string(worst_info->name);
        const std::string where = element_name(*worst_info, res.index);
        if (res.ok)
            s << "gradcheck: ok: " << res.checked << " gradient elements of " << p.count
              << " parameters agree with central differences (eps " << opt.eps << ", atol " << opt.atol << ", rtol "
              << opt.rtol << "); closest to the tolerance: " << where << ": ";
        else
            s << "typegrad: gradcheck: " << res.failures << " of " << res.checked
              << " gradient elements differ from central differences (eps " << opt.eps << "); worst: " << where << ": ";
        s << "analytic " << res.analytic << ", numeric " << res.numeric << ", abs err " << res.abs_err << ", rel err "
          << res.rel_err << " (allowed: atol " << opt.atol << " + rtol " << opt.rtol
          << " * |numeric| = " << opt.atol + opt.rtol * std::abs(res.numeric) << ")";
    }
    res.report = s.str();
    return res;
}

}  // namespace detail

//! Compares d(mean loss over the rows)/d(params) from typegrad's reverse sweep with central finite
//! differences, element by element, all in double whatever `params` holds. `features` is row-major
//! (one row per target; a row may hold more columns than the loss's input reads), `targets` one value
//! per row; any contiguous range of numbers (std::array, std::vector, std::span). Throws
//! std::invalid_argument when the data does not fit the loss. torch: `torch.autograd.gradcheck`.
//!
//!     auto r = tg::gradcheck(loss, params, features, targets, {.eps = 1e-6, .rtol = 1e-3, .atol = 1e-5});
//!     if (!r.ok) std::puts(r.report.c_str());
template <Expression Loss, SameExpression<Loss> L, class T, detail::NumberRange F, detail::NumberRange Y>
gradcheck_result gradcheck(Loss, const Parameters<L, T>& params, const F& features, const Y& targets,
                           const gradcheck_options& options = {}) {
    return detail::gradcheck_rows<std::remove_cv_t<Loss>>(params, detail::to_doubles(features),
                                                          detail::to_doubles(targets), options);
}

//! `tg::gradcheck` of a loss that reads no data (e.g. `tg::softplus(w)`).
template <Expression Loss, SameExpression<Loss> L, class T>
gradcheck_result gradcheck(Loss, const Parameters<L, T>& params, const gradcheck_options& options = {}) {
    return detail::gradcheck_rows<std::remove_cv_t<Loss>>(params, {}, {}, options);
}

}  // namespace typegrad
