// target_scaler: fitted on the training rows only, applied to any dataset's targets, inverted on
// predictions; a constant target; errors; saved and loaded by a checkpoint with the model.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

#include "datasets.hpp"
#include "io/io_helpers.hpp"

namespace tg = typegrad;
using Catch::Matchers::Contains;
using typegrad_test::make_dataset;

TEST_CASE("target_scaler standardises the target only, with the training rows' statistics") {
    const auto train = make_dataset<float>(2, {1, 10, 2, 20, 3, 30, 4, 40}, {100, 200, 300, 400});
    const auto test = make_dataset<float>(2, {5, 50}, {500});
    const auto s = tg::data::target_scaler<float>::fit(train);
    CHECK(s.mean == 250.0);
    CHECK(s.std == Approx(std::sqrt(12500.0)).epsilon(1e-15));
    const auto a = s.apply(train), b = s.apply(test);
    CHECK(std::vector<float>(a.features().begin(), a.features().end()) ==
          std::vector<float>(train.features().begin(), train.features().end()));
    CHECK(a.target(0) == static_cast<float>(-150 / std::sqrt(12500.0)));
    CHECK(b.target(0) == static_cast<float>(250 / std::sqrt(12500.0)));  // the training rows' scale
    double mean = 0, squares = 0;
    for (const float y : a.targets())
        mean += y / 4.0;
    for (const float y : a.targets())
        squares += (y - mean) * (y - mean) / 4.0;
    CHECK(mean == Approx(0).margin(1e-7));
    CHECK(squares == Approx(1).epsilon(1e-6));
    // invert is the inverse of apply, to float rounding.
    std::vector<float> p(a.targets().begin(), a.targets().end());
    s.invert(std::span<float>(p));
    for (std::size_t r = 0; r < p.size(); ++r)
        CHECK(p[r] == Approx(train.target(r)).epsilon(1e-6));
}

TEST_CASE("a constant target scales to 0 and inverts to its value") {
    const auto d = make_dataset<double>(1, {1, 2, 3}, {0.1, 0.1, 0.1});
    const auto s = tg::data::target_scaler<double>::fit(d);
    CHECK(s.std == 0.0);
    CHECK(s.mean == 0.1);
    const auto a = s.apply(d);
    CHECK(a.target(1) == 0.0);
    CHECK(s.inverted(std::vector<double>{3.0, -1.0}) == std::vector<double>{0.1, 0.1});
}

TEST_CASE("target_scaler refuses data without targets or rows") {
    const tg::data::dataset unlabelled({"a"}, {1.f, 2.f});
    CHECK_THROWS_WITH(tg::data::target_scaler<float>::fit(unlabelled),
                      Contains("typegrad: target_scaler::fit: expected a dataset with targets and at least one row, "
                               "found one without targets"));
    CHECK_THROWS_WITH(tg::data::target_scaler<float>{}.apply(unlabelled),
                      Contains("typegrad: target_scaler::apply: expected a dataset with targets"));
    CHECK_THROWS_AS(tg::data::target_scaler<float>::fit(tg::data::dataset{}), std::invalid_argument);
}

TEST_CASE("a checkpoint saves and loads the target scaler beside the standardizer") {
    constexpr auto model = tg::linear<"fc", 2, 1>(tg::input<"x", 2>);
    constexpr auto loss = tg::mse(model, tg::target<"y">);
    const auto train = make_dataset<float>(2, {1, 10, 2, 20, 3, 30, 4, 45}, {100, 200, 300, 410});
    tg::Parameters params{loss};
    tg::init::torch_default(params, 3);
    const auto features = tg::data::standardizer<float>::fit(train);
    const auto target = tg::data::target_scaler<float>::fit(train);
    const typegrad_test::temp_dir dir("target_scaler");
    tg::save(dir / "model.safetensors", params, features, target);

    tg::Parameters loaded{loss};
    tg::data::standardizer<float> f2;
    tg::data::target_scaler<float> t2;
    tg::load(dir / "model.safetensors", loaded, t2, f2);
    CHECK(t2.mean == target.mean);
    CHECK(t2.std == target.std);
    CHECK(f2.mean == features.mean);

    // A file without one is refused, naming what is missing, and changes nothing.
    tg::save(dir / "plain.safetensors", params, features);
    tg::data::target_scaler<float> untouched{1.5, 2.5};
    CHECK_THROWS_WITH(tg::load(dir / "plain.safetensors", loaded, untouched),
                      Contains("target_scaler.mean / target_scaler.std: missing in the file"));
    CHECK(untouched.mean == 1.5);
    // A file with a target scaler loads into a program that does not ask for it.
    CHECK_NOTHROW(tg::load(dir / "model.safetensors", loaded));
}

TEST_CASE("training on a scaled target and inverting predicts in the target's units") {
    // y = 300 x0 - 100 x1 + 5000: far from unit scale; SGD on the scaled target converges.
    std::vector<float> x, y;
    for (int i = 0; i < 64; ++i) {
        const float a = static_cast<float>(i % 8) / 4 - 1, b = static_cast<float>(i / 8) / 4 - 1;
        x.insert(x.end(), {a, b});
        y.push_back(300 * a - 100 * b + 5000);
    }
    const auto raw = make_dataset<float>(2, x, y);
    const auto scale = tg::data::target_scaler<float>::fit(raw);
    const auto train = scale.apply(raw);
    constexpr auto model = tg::linear<"fc", 2, 1>(tg::input<"x", 2>);
    constexpr auto loss = tg::mse(model, tg::target<"y">);
    tg::Parameters params{loss};
    tg::init::torch_default(params, 0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    for (int step = 0; step < 500; ++step) {
        trainer.zero_grad();
        trainer.backward(train);
        trainer.step();
    }
    auto p = tg::predict(model, params, raw);
    scale.invert(std::span<float>(p));
    CHECK(tg::r2(std::span<const float>(p), raw.targets()) > 0.999);
    CHECK(tg::mae(std::span<const float>(p), raw.targets()) < 1.0);
}
