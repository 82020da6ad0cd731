#pragma once
// A quadratic f(x) = ½ xᵀAx − bᵀx over n values, A symmetric positive definite (tridiagonal:
// diagonal 2 + k, off-diagonal −1), its minimiser and a closure in the form LBFGS wants (the
// gradient written into `grad`, the loss returned). Allocates nothing once built.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace typegrad_test {

template <class T>
struct quadratic {
    std::size_t n;
    std::vector<T> x, grad, b;
    long calls = 0;

    explicit quadratic(std::size_t size) : n(size), x(size), grad(size), b(size) {
        for (std::size_t k = 0; k < n; ++k) {
            x[k] = T(1) + T(0.5) * static_cast<T>(k % 3);
            b[k] = T(1) - T(0.25) * static_cast<T>(k);
        }
    }
    T a_times(const std::vector<T>& v, std::size_t k) const {
        T s = (T(2) + static_cast<T>(k)) * v[k];
        if (k > 0)
            s -= v[k - 1];
        if (k + 1 < n)
            s -= v[k + 1];
        return s;
    }
    T operator()() {
        ++calls;
        T f = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const T ax = a_times(x, k);
            grad[k] = ax - b[k];
            f += T(0.5) * x[k] * ax - b[k] * x[k];
        }
        return f;
    }
    //! The largest |A·x − b|: how far x is from the minimiser.
    T residual() const {
        T r = 0;
        for (std::size_t k = 0; k < n; ++k)
            r = std::max(r, std::abs(a_times(x, k) - b[k]));
        return r;
    }
};

}  // namespace typegrad_test
