// What the metrics refuse, and the cases whose answer follows from the definitions alone.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <typegrad/metrics.hpp>

namespace tg = typegrad;
using Catch::Matchers::Contains;

namespace {
template <class T>
std::span<const T> s(const std::vector<T>& v) {
    return std::span<const T>(v);
}
}  // namespace

TEST_CASE("confusion_matrix refuses sizes, classes and targets that do not fit") {
    const std::vector<float> y{0, 1, 2};
    CHECK_THROWS_WITH(tg::confusion_matrix(s(std::vector<float>{0, 1}), s(y), 3),
                      Contains("typegrad: confusion_matrix: 2 predictions for 3 targets"));
    CHECK_THROWS_WITH(tg::confusion_matrix(s(std::vector<float>{0, 1, 2}), s(y), 1),
                      Contains("expected at least 2 classes"));
    CHECK_THROWS_WITH(tg::confusion_matrix(s(std::vector<float>{0, 1, 2}), s(std::vector<float>{0, 1, 3}), 3),
                      Contains("row 2 has target 3.000000, expected an integer class index in [0, 3)"));
    CHECK_THROWS_WITH(tg::confusion_matrix(s(std::vector<float>{0, 1.5f, 2}), s(y), 3),
                      Contains("row 1 has predicted class 1.500000"));
    CHECK_THROWS_AS(tg::confusion_matrix(s(std::vector<float>{}), s(std::vector<float>{}), 2), std::invalid_argument);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(tg::confusion_matrix(s(std::vector<float>{0, 1, 2}), s(std::vector<float>{0, nan, 2}), 3),
                    std::invalid_argument);
}

TEST_CASE("one value a row: a logit for two classes, a class index for more") {
    // Logits: class 1 when > 0 (0 itself is class 0, as tg::accuracy reads it).
    const auto m = tg::confusion_matrix(s(std::vector<double>{-2, 0, 0.5, 3}), s(std::vector<double>{0, 1, 1, 0}), 2);
    CHECK(m.counts == std::vector<std::size_t>{1, 1, 1, 1});
    // Class indices 0 and 1 read the same as logits.
    const auto b = tg::confusion_matrix(s(std::vector<double>{0, 1, 1}), s(std::vector<double>{0, 1, 0}), 2);
    CHECK(b.count(0, 0) == 1);
    CHECK(b.count(0, 1) == 1);
    CHECK(b.count(1, 1) == 1);
    const auto k = tg::confusion_matrix(s(std::vector<double>{2, 2, 0}), s(std::vector<double>{2, 1, 0}), 3);
    CHECK(k.count(2, 2) == 1);
    CHECK(k.count(1, 2) == 1);
    CHECK(k.predicted(2) == 2);
    CHECK(k.actual(1) == 1);
    CHECK(k.total() == 3);
}

TEST_CASE("precision, recall and F1 of a perfect and of a hopeless classifier") {
    const std::vector<float> y{0, 1, 2, 2, 1};
    const auto perfect = tg::confusion_matrix(s(y), s(y), 3);
    for (const auto avg : {tg::average::macro, tg::average::micro, tg::average::weighted}) {
        CHECK(tg::precision(perfect, avg) == 1.0);
        CHECK(tg::recall(perfect, avg) == 1.0);
        CHECK(tg::f1(perfect, avg) == 1.0);
    }
    // Every row predicted as the next class: no true positive anywhere.
    const auto wrong = tg::confusion_matrix(s(std::vector<float>{1, 2, 0, 0, 2}), s(y), 3);
    CHECK(tg::precision(wrong, tg::average::micro) == 0.0);
    CHECK(tg::f1(wrong) == 0.0);
    // Micro precision and recall are the accuracy when every row is counted.
    const std::vector<float> p{0, 1, 2, 1, 1};
    const auto m = tg::confusion_matrix(s(p), s(y), 3);
    CHECK(tg::precision(m, tg::average::micro) == Approx(0.8));
    CHECK(tg::recall(m, tg::average::micro) == Approx(0.8));
    // Macro F1 is the mean of the per-class F1, not the F1 of the mean precision and recall.
    const auto f = tg::f1_per_class(m);
    CHECK(tg::f1(m) == Approx((f[0] + f[1] + f[2]) / 3));
    CHECK(tg::f1(m) != Approx(2 * tg::precision(m) * tg::recall(m) / (tg::precision(m) + tg::recall(m))));
}

TEST_CASE("zero_division is 0 or 1 and fills in the classes never predicted or absent") {
    // Class 2 neither a target nor predicted, class 1 a target never predicted.
    const auto m = tg::confusion_matrix(s(std::vector<double>{0, 0, 0}), s(std::vector<double>{0, 1, 0}), 3);
    CHECK(tg::precision_per_class(m, 0) == std::vector<double>{2.0 / 3, 0, 0});
    CHECK(tg::precision_per_class(m, 1) == std::vector<double>{2.0 / 3, 1, 1});
    CHECK(tg::recall_per_class(m, 1) == std::vector<double>{1, 0, 1});
    const auto f = tg::f1_per_class(m, 1);
    CHECK(f[0] == Approx(0.8));
    CHECK(f[1] == 0);
    CHECK(f[2] == 1);
    CHECK_THROWS_WITH(tg::precision(m, tg::average::macro, 0.5),
                      Contains("typegrad: precision/recall/f1: expected zero_division 0 or 1"));
    CHECK_THROWS_AS(tg::recall_per_class(m, std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

TEST_CASE("MAE, MSE, RMSE and R2 refuse sizes that differ") {
    const std::vector<double> p{1, 2, 3}, y{1, 2, 5};
    CHECK(tg::mae(s(p), s(y)) == Approx(2.0 / 3));
    CHECK(tg::mse(s(p), s(y)) == Approx(4.0 / 3));
    CHECK(tg::rmse(s(p), s(y)) == Approx(std::sqrt(4.0 / 3)));
    CHECK_THROWS_WITH(tg::mae(s(std::vector<double>{1}), s(y)), Contains("typegrad: mae: 1 predictions for 3 targets"));
    CHECK_THROWS_WITH(tg::rmse(s(std::vector<double>{}), s(std::vector<double>{})), Contains("typegrad: rmse:"));
    CHECK_THROWS_WITH(tg::mse(s(p), s(std::vector<double>{1})), Contains("typegrad: mse:"));
}
