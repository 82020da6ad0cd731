// Prediction on new rows: a CSV file without a target column, the saved standardiser, class labels
// and probabilities in one call (classify), and one row without a dataset (predict_one).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

#include "datasets.hpp"
#include "io/io_helpers.hpp"

namespace tg = typegrad;
using Catch::Matchers::Contains;

namespace {
constexpr auto x = tg::input<"x", 3>;
// Four classes from three features; and a one-logit binary classifier.
constexpr auto logits = tg::sequential<tg::Linear<3, 8>, tg::Tanh, tg::Linear<8, 4>>{}(x);
constexpr auto ce = tg::cross_entropy(logits, tg::class_target<"y", 4>);
constexpr auto logit = tg::linear<"fc", 3, 1>(x);
constexpr auto bce = tg::bce_with_logits(logit, tg::target<"y">);

std::vector<float> random_rows(std::size_t rows, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0, 2);
    std::vector<float> v(rows * 3);
    for (float& f : v)
        f = normal(rng);
    return v;
}
}  // namespace

TEST_CASE("classify: softmax probabilities and the argmax of the scores") {
    tg::Parameters params{ce};
    tg::init::torch_default(params, 1);
    const tg::data::dataset rows({"a", "b", "c"}, random_rows(37, 5));  // more rows than a block of lanes
    const auto scores = tg::predict(logits, params, rows);
    const auto c = tg::classify(logits, params, rows);
    REQUIRE(c.classes == 4);
    REQUIRE(c.rows() == 37);
    REQUIRE(c.probabilities.size() == 37 * 4);
    for (std::size_t r = 0; r < c.rows(); ++r) {
        double sum = 0, norm = 0;
        std::size_t best = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            sum += c.probability(r, k);
            norm += std::exp(static_cast<double>(scores[r * 4 + k]));
            if (scores[r * 4 + k] > scores[r * 4 + best])
                best = k;
        }
        CHECK(sum == Approx(1).epsilon(1e-6));
        CHECK(c.labels[r] == static_cast<float>(best));
        for (std::size_t k = 0; k < 4; ++k)
            CHECK(c.probability(r, k) == Approx(std::exp(static_cast<double>(scores[r * 4 + k])) / norm));
    }
    // Labels, probabilities and scores give the same confusion matrix.
    std::vector<float> y(37);
    for (std::size_t r = 0; r < y.size(); ++r)
        y[r] = static_cast<float>(r % 4);
    const auto by_scores = tg::confusion_matrix(std::span<const float>(scores), std::span<const float>(y), 4);
    CHECK(tg::confusion_matrix(std::span<const float>(c.probabilities), std::span<const float>(y), 4).counts ==
          by_scores.counts);
    CHECK(tg::confusion_matrix(std::span<const float>(c.labels), std::span<const float>(y), 4).counts ==
          by_scores.counts);
}

TEST_CASE("classify: a single logit is two classes, sigmoid and 1 - sigmoid") {
    tg::Parameters params{bce};
    tg::init::torch_default(params, 2);
    params.value<"fc.weight">()[0] = 40;  // some logits far from 0: no overflow either way
    const tg::data::dataset rows({"a", "b", "c"}, random_rows(20, 6));
    const auto z = tg::predict(logit, params, rows);
    const auto c = tg::classify(logit, params, rows);
    REQUIRE(c.classes == 2);
    for (std::size_t r = 0; r < c.rows(); ++r) {
        const double p1 = 1 / (1 + std::exp(-static_cast<double>(z[r])));
        CHECK(c.probability(r, 1) == Approx(p1).margin(1e-30));
        CHECK(c.probability(r, 0) == Approx(1 - p1).margin(1e-7));
        CHECK(std::isfinite(c.probability(r, 0)));
        CHECK(c.labels[r] == (z[r] > 0 ? 1.f : 0.f));
    }
}

TEST_CASE("new rows from a CSV file without a target, through the saved standardiser") {
    tg::Parameters params{ce};
    tg::init::torch_default(params, 4);
    // Training rows on their own scale; the model sees them standardised.
    std::vector<float> features = random_rows(10, 7);
    for (std::size_t i = 0; i < features.size(); ++i)
        features[i] = features[i] * 10 + 100;
    const auto train = typegrad_test::make_dataset<float>(3, features, std::vector<float>(10, 1));
    const auto scale = tg::data::standardizer<float>::fit(train);
    const typegrad_test::temp_dir dir("predict_new");
    tg::save(dir / "model.safetensors", params, scale);

    // Another program: the same model, the saved weights and standardiser, raw rows.
    tg::Parameters loaded{ce};
    tg::data::standardizer<float> saved;
    tg::load(dir / "model.safetensors", loaded, saved);
    const auto rows = tg::data::parse_csv("a,b,c\n100,95,110\n120,101,99.5\n", {.target = std::nullopt});
    REQUIRE(rows.rows() == 2);
    REQUIRE(!rows.has_target());
    const auto c = tg::classify(logits, loaded, saved.apply(rows));
    // The same as standardising by hand and predicting with the original parameters.
    for (std::size_t r = 0; r < 2; ++r) {
        std::array<float, 3> z{};
        for (std::size_t f = 0; f < 3; ++f)
            z[f] = static_cast<float>((rows.row(r)[f] - scale.mean[f]) / scale.std[f]);
        const auto s = tg::predict_one(logits, params, z);
        std::size_t best = 0;
        for (std::size_t k = 1; k < 4; ++k)
            if (s[k] > s[best])
                best = k;
        CHECK(c.labels[r] == static_cast<float>(best));
    }
    // A model that reads a target cannot be fed rows without one.
    CHECK_THROWS_WITH(tg::predict(ce, params, rows), Contains("has no target column"));
}

TEST_CASE("predict_one gives the batch predict's values, one row at a time") {
    tg::Parameters params{ce};
    tg::init::torch_default(params, 9);
    const auto v = random_rows(23, 8);
    const tg::data::dataset rows({"a", "b", "c"}, v);
    const auto batch = tg::predict(logits, params, rows);
    for (std::size_t r = 0; r < 23; ++r) {
        const std::array<float, 4> one = tg::predict_one(logits, params, std::span<const float>(v.data() + r * 3, 3));
        for (std::size_t k = 0; k < 4; ++k)
            CHECK(one[k] == Approx(batch[r * 4 + k]).epsilon(1e-5).margin(1e-6));
    }
    // In double too, from a std::array, a std::vector and a built-in array.
    constexpr auto loss_d = tg::mse(logit, tg::target<"y">);
    tg::Parameters<std::remove_cvref_t<decltype(loss_d)>, double> pd{loss_d};
    tg::init::torch_default(pd, 1);
    const std::array<double, 3> a{1, 2, 3};
    const std::vector<double> b{1, 2, 3};
    const double c[3] = {1, 2, 3};
    const double w0 = pd.value<"fc.weight">()[0], w1 = pd.value<"fc.weight">()[1], w2 = pd.value<"fc.weight">()[2];
    const double expected = w0 * 1 + w1 * 2 + w2 * 3 + pd.value<"fc.bias">()[0];
    CHECK(tg::predict_one(logit, pd, a)[0] == Approx(expected).epsilon(1e-14));
    CHECK(tg::predict_one(logit, pd, b)[0] == tg::predict_one(logit, pd, a)[0]);
    CHECK(tg::predict_one(logit, pd, c)[0] == tg::predict_one(logit, pd, a)[0]);
}

TEST_CASE("predict_one refuses a row of another width and non-finite features") {
    tg::Parameters params{ce};
    const std::vector<float> short_row{1, 2};
    CHECK_THROWS_WITH(tg::predict_one(logits, params, short_row),
                      Contains("typegrad: predict_one: the model's input has 3 features but the row has 2 values"));
    const std::vector<float> nan_row{1, std::numeric_limits<float>::quiet_NaN(), 3};
    CHECK_THROWS_WITH(tg::predict_one(logits, params, nan_row),
                      Contains("typegrad: predict_one: feature 1 is nan, expected a finite value"));
    const auto unchecked = tg::predict_one(logits, params, nan_row, {.finite = false});
    CHECK(std::isnan(unchecked[0]));
}
