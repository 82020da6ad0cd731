#pragma once
// Gradient clipping between backward() and step(), as torch.nn.utils.clip_grad_norm_ and
// clip_grad_value_ (torch 1.13).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <typegrad/core/error.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/errors.hpp>
#include <typegrad/parameters.hpp>

namespace TYPEGRAD_NS {

//! Scales every gradient by min(1, max_norm / (total_norm + 1e-6)), where total_norm is the
//! `norm_type`-norm of all gradients together (2 by default; infinity for the largest |g|), and
//! returns total_norm. torch: `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)`.
//! As torch 1.13 does, the gradients are multiplied even when the factor is 1, and the norm is
//! computed in the parameters' precision. With `error_if_nonfinite`, a NaN or infinite total norm
//! throws std::runtime_error instead. A max_norm that is negative (which would flip the gradients'
//! sign), NaN or infinite throws std::invalid_argument before any gradient changes.
template <class Loss, class T>
T clip_grad_norm(Parameters<Loss, T>& params, double max_norm, double norm_type = 2.0,
                 bool error_if_nonfinite = false) {
    if (!(max_norm >= 0) || !optim::detail::finite(max_norm))
        optim::detail::invalid_value("clip_grad_norm", "Invalid max_norm value: ", max_norm);
    if (!(norm_type > 0))
        typegrad::detail::raise(std::invalid_argument("typegrad: clip_grad_norm: norm_type must be positive"));
    const auto grads = params.grads();
    T total(0);
    if (std::isinf(norm_type)) {
        for (const T g : grads)
            total = std::max(total, std::abs(g));
    } else {
        // torch takes the norm of each parameter's gradient, then the norm of those norms.
        T sum(0);
        for (const auto& p : params.info()) {
            T part(0);
            for (std::size_t i = 0; i < p.size; ++i)
                part += static_cast<T>(std::pow(std::abs(grads[p.offset + i]), norm_type));
            const T norm = static_cast<T>(std::pow(part, 1.0 / norm_type));
            sum += static_cast<T>(std::pow(norm, norm_type));
        }
        total = static_cast<T>(std::pow(sum, 1.0 / norm_type));
    }
    if (error_if_nonfinite && !std::isfinite(total))
        typegrad::detail::raise(
            std::runtime_error("typegrad: clip_grad_norm: the total norm of the gradients is " +
                               std::string(std::isnan(total) ? "NaN" : "infinite") +
                               ", so they cannot be clipped (set error_if_nonfinite = false to clip anyway)"));
    const T coef = std::min(static_cast<T>(max_norm) / (total + static_cast<T>(1e-6)), T(1));
    for (T& g : grads)
        g *= coef;
    return total;
}

//! Clamps every gradient into [-clip_value, clip_value].
//! torch: `torch.nn.utils.clip_grad_value_(model.parameters(), clip_value)`. A clip_value that is
//! negative (an empty interval), NaN or infinite throws std::invalid_argument, gradients untouched.
template <class Loss, class T>
void clip_grad_value(Parameters<Loss, T>& params, double clip_value) {
    if (!(clip_value >= 0) || !optim::detail::finite(clip_value))
        optim::detail::invalid_value("clip_grad_value", "Invalid clip_value value: ", clip_value);
    const T c = static_cast<T>(clip_value);
    for (T& g : params.grads())
        g = std::clamp(g, -c, c);
}

}  // namespace TYPEGRAD_NS
