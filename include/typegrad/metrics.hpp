#pragma once
// Evaluation metrics computed from a model's predictions for every row, as flat arrays (what
// `tg::predict(model, params, rows)` writes), and the dataset's targets: accuracy, the confusion
// matrix, precision, recall and F1 (per class and averaged as sklearn averages them), R², MAE,
// MSE and RMSE. Everything is accumulated in double. See docs/metrics.md.
#include <cmath>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! A confusion matrix of `classes()` classes: `count(t, p)` rows whose target is class t were
//! predicted as class p (sklearn: `confusion_matrix(y, p, labels=range(K))[t, p]`).
struct confusion {
    //! The number of classes K.
    std::size_t classes = 0;
    //! Row-major [K, K]: counts[t * K + p].
    std::vector<std::size_t> counts;

    //! Rows of target class `t` predicted as class `p`.
    std::size_t count(std::size_t t, std::size_t p) const { return counts.at(t * classes + p); }
    //! Rows of class `k` predicted as `k`.
    std::size_t true_positives(std::size_t k) const { return count(k, k); }
    //! Rows predicted as class `k`: the column sum.
    std::size_t predicted(std::size_t k) const {
        std::size_t s = 0;
        for (std::size_t t = 0; t < classes; ++t)
            s += count(t, k);
        return s;
    }
    //! Rows whose target is class `k` (its support): the row sum.
    std::size_t actual(std::size_t k) const {
        std::size_t s = 0;
        for (std::size_t p = 0; p < classes; ++p)
            s += count(k, p);
        return s;
    }
    //! Every row counted.
    std::size_t total() const {
        std::size_t s = 0;
        for (const std::size_t c : counts)
            s += c;
        return s;
    }
};

//! How precision, recall and F1 of several classes become one number (sklearn's `average=`).
enum class average {
    macro,     //!< the unweighted mean over the K classes
    micro,     //!< from the true positives, predictions and targets summed over the classes
    weighted,  //!< the mean over the classes weighted by each class's support (rows of that class)
};

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

template <class T>
double error_mean_of(std::span<const T> predictions, std::span<const T> targets, const char* name, bool squared) {
    const std::size_t rows = targets.size();
    if (rows == 0 || predictions.size() != rows)
        typegrad::detail::raise(std::invalid_argument(
            std::string("typegrad: ") + name + ": " + std::to_string(predictions.size()) + " predictions for " +
            std::to_string(rows) + " targets; expected one prediction per target"));
    double sum = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        const double e = static_cast<double>(targets[r]) - static_cast<double>(predictions[r]);
        sum += squared ? e * e : std::fabs(e);
    }
    return sum / static_cast<double>(rows);
}

// A class index held as a number: an integer in [0, classes), else an error naming the row.
template <class T>
std::size_t class_index(T v, std::size_t classes, std::size_t row, const char* what) {
    if (!(std::isfinite(v) && v >= T(0) && std::trunc(v) == v &&
          static_cast<long double>(v) < static_cast<long double>(classes)))
        typegrad::detail::raise(std::invalid_argument("typegrad: confusion_matrix: row " + std::to_string(row) +
                                                      " has " + what + " " + std::to_string(static_cast<double>(v)) +
                                                      ", expected an integer class index in [0, " +
                                                      std::to_string(classes) + ")"));
    return static_cast<std::size_t>(v);
}

template <class T>
confusion confusion_of(std::span<const T> predictions, std::span<const T> targets, std::size_t classes) {
    const std::size_t rows = targets.size();
    if (classes < 2)
        typegrad::detail::raise(std::invalid_argument(
            "typegrad: confusion_matrix: expected at least 2 classes, found num_classes = " + std::to_string(classes)));
    if (rows == 0 || (predictions.size() != rows && predictions.size() != rows * classes))
        typegrad::detail::raise(std::invalid_argument(
            "typegrad: confusion_matrix: " + std::to_string(predictions.size()) + " predictions for " +
            std::to_string(rows) + " targets; expected one value (a logit or class index) or " +
            std::to_string(classes) + " scores for each target"));
    const std::size_t width = predictions.size() / rows;
    confusion m{classes, std::vector<std::size_t>(classes * classes, 0)};
    for (std::size_t r = 0; r < rows; ++r) {
        const std::size_t t = class_index(targets[r], classes, r, "target");
        const T* p = predictions.data() + r * width;
        std::size_t predicted = 0;
        if (width > 1) {
            for (std::size_t k = 1; k < width; ++k)
                if (p[k] > p[predicted])
                    predicted = k;
        } else if (classes == 2) {
            predicted = p[0] > T(0) ? 1 : 0;
        } else {
            predicted = class_index(p[0], classes, r, "predicted class");
        }
        ++m.counts[t * classes + predicted];
    }
    return m;
}

enum class prf { precision, recall, f1 };

inline void check_zero_division(double z) {
    if (z != 0.0 && z != 1.0)
        typegrad::detail::raise(std::invalid_argument(
            "typegrad: precision/recall/f1: expected zero_division 0 or 1, found " + std::to_string(z)));
}

// tp / d, or zero_division when d is 0 (sklearn's _prf_divide).
inline double ratio(double tp, double d, double zero_division) { return d == 0 ? zero_division : tp / d; }

// F1 from precision and recall, 0 where both are 0 (sklearn 1.2).
inline double f1_of(double p, double r) { return p + r == 0 ? 0.0 : 2 * p * r / (p + r); }

inline double score(double tp, double predicted, double actual, double zero_division, prf what) {
    const double p = ratio(tp, predicted, zero_division), r = ratio(tp, actual, zero_division);
    return what == prf::precision ? p : what == prf::recall ? r : f1_of(p, r);
}

inline std::vector<double> per_class(const confusion& m, double zero_division, prf what) {
    check_zero_division(zero_division);
    std::vector<double> out(m.classes);
    for (std::size_t k = 0; k < m.classes; ++k)
        out[k] = score(static_cast<double>(m.true_positives(k)), static_cast<double>(m.predicted(k)),
                       static_cast<double>(m.actual(k)), zero_division, what);
    return out;
}

inline double averaged(const confusion& m, average avg, double zero_division, prf what) {
    check_zero_division(zero_division);
    if (avg == average::micro) {
        double tp = 0;
        for (std::size_t k = 0; k < m.classes; ++k)
            tp += static_cast<double>(m.true_positives(k));
        const double all = static_cast<double>(m.total());
        // Summed over the classes, predictions and targets are both every row counted.
        return score(tp, all, all, zero_division, what);
    }
    const std::vector<double> v = per_class(m, zero_division, what);
    double sum = 0, weights = 0;
    for (std::size_t k = 0; k < m.classes; ++k) {
        const double w = avg == average::weighted ? static_cast<double>(m.actual(k)) : 1.0;
        sum += w * v[k];
        weights += w;
    }
    if (weights == 0)  // weighted, and no row at all (a matrix made by hand): sklearn's special case
        return zero_division;
    return sum / weights;
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

//! The mean absolute error Σ|y - p| / n of one prediction per target, in double
//! (sklearn: `mean_absolute_error(y, p)`; torch: `F.l1_loss(p, y)`). Throws std::invalid_argument
//! if the sizes differ or there are no targets.
inline double mae(std::span<const float> predictions, std::span<const float> targets) {
    return detail::error_mean_of(predictions, targets, "mae", false);
}
inline double mae(std::span<const double> predictions, std::span<const double> targets) {
    return detail::error_mean_of(predictions, targets, "mae", false);
}

//! The mean squared error Σ(y - p)² / n of one prediction per target, in double
//! (sklearn: `mean_squared_error(y, p)`; torch: `F.mse_loss(p, y)`). Throws as mae.
inline double mse(std::span<const float> predictions, std::span<const float> targets) {
    return detail::error_mean_of(predictions, targets, "mse", true);
}
inline double mse(std::span<const double> predictions, std::span<const double> targets) {
    return detail::error_mean_of(predictions, targets, "mse", true);
}

//! The root of mse (sklearn: `mean_squared_error(y, p, squared=False)`). Throws as mae.
inline double rmse(std::span<const float> predictions, std::span<const float> targets) {
    return std::sqrt(detail::error_mean_of(predictions, targets, "rmse", true));
}
inline double rmse(std::span<const double> predictions, std::span<const double> targets) {
    return std::sqrt(detail::error_mean_of(predictions, targets, "rmse", true));
}

//! The confusion matrix of `num_classes` classes. `predictions` are read as by tg::accuracy:
//! with `num_classes` values per row (scores, logits or probabilities, row-major) the predicted
//! class is the first index of the largest; with one value per row and two classes it is a logit,
//! class 1 when > 0 (so class indices 0 and 1 read the same); with one value per row and more
//! classes it is a class index. Targets, and class indices given as predictions, must be integers
//! in [0, num_classes). Throws std::invalid_argument otherwise, or when the sizes do not fit, or
//! num_classes < 2. One value a row with two classes must not be a probability (0.3 reads as 1).
inline confusion confusion_matrix(std::span<const float> predictions, std::span<const float> targets,
                                  std::size_t num_classes) {
    return detail::confusion_of(predictions, targets, num_classes);
}
inline confusion confusion_matrix(std::span<const double> predictions, std::span<const double> targets,
                                  std::size_t num_classes) {
    return detail::confusion_of(predictions, targets, num_classes);
}

//! Precision tp / (tp + fp) of each class of `m` (sklearn: `precision_score(y, p, labels=range(K),
//! average=None, zero_division=z)`): a class never predicted has precision `zero_division`, which
//! must be 0 (sklearn's default "warn", without the warning) or 1; anything else throws
//! std::invalid_argument.
inline std::vector<double> precision_per_class(const confusion& m, double zero_division = 0) {
    return detail::per_class(m, zero_division, detail::prf::precision);
}
//! Recall tp / (tp + fn) of each class (sklearn: `recall_score(..., average=None)`): a class with
//! no rows has recall `zero_division` (0 or 1).
inline std::vector<double> recall_per_class(const confusion& m, double zero_division = 0) {
    return detail::per_class(m, zero_division, detail::prf::recall);
}
//! F1 = 2 P R / (P + R) of each class from its precision and recall as above, 0 where both are 0
//! (sklearn 1.2: `f1_score(..., average=None)`; with zero_division 1 a class neither present nor
//! predicted has F1 1).
inline std::vector<double> f1_per_class(const confusion& m, double zero_division = 0) {
    return detail::per_class(m, zero_division, detail::prf::f1);
}
//! Precision averaged over the classes (sklearn: `precision_score(y, p, labels=range(K),
//! average="macro" | "micro" | "weighted", zero_division=z)`). Macro and weighted means include
//! the `zero_division` value of classes never predicted; micro precision is tp / predictions
//! summed over the classes (the accuracy, when every row is counted). Weighted with no row at all
//! follows sklearn (precision and F1 `zero_division` when nothing is predicted either).
inline double precision(const confusion& m, average avg = average::macro, double zero_division = 0) {
    return detail::averaged(m, avg, zero_division, detail::prf::precision);
}
//! Recall averaged over the classes, as precision (macro recall is sklearn's balanced accuracy
//! when every class is present).
inline double recall(const confusion& m, average avg = average::macro, double zero_division = 0) {
    return detail::averaged(m, avg, zero_division, detail::prf::recall);
}
//! F1 averaged over the classes: macro and weighted are means of the per-class F1 (sklearn's, not
//! the F1 of the mean precision and recall); micro is the F1 of micro precision and recall.
inline double f1(const confusion& m, average avg = average::macro, double zero_division = 0) {
    return detail::averaged(m, avg, zero_division, detail::prf::f1);
}

//! precision, recall and F1 straight from predictions and targets, as tg::accuracy takes them:
//! `precision(p, y, K, avg, z)` is `precision(confusion_matrix(p, y, K), avg, z)`. A program that
//! reports several of them should make the confusion matrix once.
inline double precision(std::span<const float> predictions, std::span<const float> targets, std::size_t num_classes,
                        average avg = average::macro, double zero_division = 0) {
    return precision(confusion_matrix(predictions, targets, num_classes), avg, zero_division);
}
inline double precision(std::span<const double> predictions, std::span<const double> targets, std::size_t num_classes,
                        average avg = average::macro, double zero_division = 0) {
    return precision(confusion_matrix(predictions, targets, num_classes), avg, zero_division);
}
inline double recall(std::span<const float> predictions, std::span<const float> targets, std::size_t num_classes,
                     average avg = average::macro, double zero_division = 0) {
    return recall(confusion_matrix(predictions, targets, num_classes), avg, zero_division);
}
inline double recall(std::span<const double> predictions, std::span<const double> targets, std::size_t num_classes,
                     average avg = average::macro, double zero_division = 0) {
    return recall(confusion_matrix(predictions, targets, num_classes), avg, zero_division);
}
inline double f1(std::span<const float> predictions, std::span<const float> targets, std::size_t num_classes,
                 average avg = average::macro, double zero_division = 0) {
    return f1(confusion_matrix(predictions, targets, num_classes), avg, zero_division);
}
inline double f1(std::span<const double> predictions, std::span<const double> targets, std::size_t num_classes,
                 average avg = average::macro, double zero_division = 0) {
    return f1(confusion_matrix(predictions, targets, num_classes), avg, zero_division);
}

}  // namespace TYPEGRAD_NS
