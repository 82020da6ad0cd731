#pragma once
// Value and gradient of an expression on samples given as arrays, without SIMD or a trainer: the
// per-sample code path, usable in constant expressions (`static_assert` on a derivative) and in
// double precision for finite-difference checks.
#include <array>
#include <cstddef>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/parameters.hpp>

namespace TYPEGRAD_NS {

//! grads += d(loss)/d(params) of an expression that reads no data (e.g. `w * w`); returns its value.
template <Expression Loss, SameExpression<Loss> L, class T>
constexpr T backward(Loss, Parameters<L, T>& params) {
    return autodiff::program<Loss, T>::sample_backward(params.values().data(), params.grads().data(), nullptr, T(0),
                                                       T(1));
}

//! grads += d(mean loss over the rows)/d(params), for row-major `features` [Rows, F] and `targets`
//! [Rows]; returns the mean loss. torch: `loss_fn(model(X), y).backward()`.
template <Expression Loss, SameExpression<Loss> L, class T, std::size_t NX, std::size_t Rows>
constexpr T backward(Loss, Parameters<L, T>& params, const std::array<T, NX>& features,
                     const std::array<T, Rows>& targets) {
    static_assert(Rows > 0 && NX % Rows == 0,
                  "typegrad: backward: features must hold the same number of values for every row");
    constexpr std::size_t cols = NX / Rows;
    T total(0);
    for (std::size_t r = 0; r < Rows; ++r)
        total += autodiff::program<Loss, T>::sample_backward(params.values().data(), params.grads().data(),
                                                             features.data() + r * cols, targets[r], T(1) / T(Rows));
    return total / T(Rows);
}

//! The value of an expression that reads no data.
template <Expression Loss, SameExpression<Loss> L, class T>
constexpr T value(Loss, const Parameters<L, T>& params) {
    return autodiff::program<Loss, T>::sample_value(params.values().data(), nullptr, T(0));
}

//! The mean loss over rows of row-major `features` [Rows, F] and `targets` [Rows].
template <Expression Loss, SameExpression<Loss> L, class T, std::size_t NX, std::size_t Rows>
constexpr T value(Loss, const Parameters<L, T>& params, const std::array<T, NX>& features,
                  const std::array<T, Rows>& targets) {
    constexpr std::size_t cols = NX / Rows;
    T total(0);
    for (std::size_t r = 0; r < Rows; ++r)
        total +=
            autodiff::program<Loss, T>::sample_value(params.values().data(), features.data() + r * cols, targets[r]);
    return total / T(Rows);
}

}  // namespace TYPEGRAD_NS
