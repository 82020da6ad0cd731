#pragma once
// Evaluation metrics computed from a model's predictions for every row, as flat arrays (what
// `tg::predict(model, params, rows)` writes), and the dataset's targets.
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <typegrad/core/error.hpp>

namespace typegrad {
namespace detail {

template <class T>
double accuracy_of(std::span<const T> predictions, std::span<const T> targets) {
    const std::size_t rows = targets.size();
    if (rows == 0 || predictions.size() % rows != 0)
        typegrad::detail::raise(std::invalid_argument(
            "typegrad: accuracy: " + std::to_string(predictions.size()) + " predictions for " + std::to_string(rows) +
            " targets; expected one value or one score per class for each target"));
    const std::size_t width = predictions.size() / rows;
    std::size_t correct = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* p = predictions.data() + r * width;
        std::size_t predicted = 0;
        if (width == 1) {
            predicted = p[0] > T(0) ? 1 : 0;
        } else {
            for (std::size_t k = 1; k < width; ++k)
                if (p[k] > p[predicted])
                    predicted = k;
        }
        correct += targets[r] == static_cast<T>(predicted) ? 1 : 0;
    }
    return static_cast<double>(correct) / static_cast<double>(rows);
}

template <class T>
double r2_of(std::span<const T> predictions, std::span<const T> targets) {
    const std::size_t rows = targets.size();
    if (rows == 0 || predictions.size() != rows)
        typegrad::detail::raise(std::invalid_argument("typegrad: r2: " + std::to_string(predictions.size()) +
                                                      " predictions for " + std::to_string(rows) +
                                                      " targets; expected one prediction per target"));
    double mean = 0;
    for (const T y : targets)
        mean += static_cast<double>(y);
    mean /= static_cast<double>(rows);
    double residual = 0, total = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const double y = static_cast<double>(targets[r]), e = y - static_cast<double>(predictions[r]), d = y - mean;
        residual += e * e;
        total += d * d;
    }
    if (total == 0)
        return residual == 0 ? 1.0 : 0.0;
    return 1.0 - residual / total;
}

}  // namespace detail

//! The fraction of rows classified correctly, in [0, 1]. With K > 1 values per row (class scores,
//! logits or probabilities, row-major [rows, K]) the predicted class is the first index of the
//! largest value (torch: `(scores.argmax(1) == y).float().mean()`); with one value per row it is a
//! logit, predicting class 1 when it is > 0, against targets 0 or 1
//! (torch: `((logit > 0).float() == y).float().mean()`). Targets are class indices stored as numbers.
//! Throws std::invalid_argument if the sizes do not fit.
inline double accuracy(std::span<const float> predictions, std::span<const float> targets) {
    return detail::accuracy_of(predictions, targets);
}
inline double accuracy(std::span<const double> predictions, std::span<const double> targets) {
    return detail::accuracy_of(predictions, targets);
}

//! The coefficient of determination 1 - Σ(y - p)² / Σ(y - ȳ)² of one prediction per target, in
//! double (sklearn: `r2_score(y, p)`; for constant targets, as sklearn: 1 if every prediction is
//! exact, else 0). Throws std::invalid_argument if the sizes differ.
inline double r2(std::span<const float> predictions, std::span<const float> targets) {
    return detail::r2_of(predictions, targets);
}
inline double r2(std::span<const double> predictions, std::span<const double> targets) {
    return detail::r2_of(predictions, targets);
}

}  // namespace typegrad
