// A model with two embedded columns trained as torch 1.13 trains it (embedding.json, recorded by
// record_torch.py): every step's loss, the first step's gradients and the final parameters, in
// float and in double, within the recording's tolerances; and the same replay with a wrong feature
// (the embedded indices shifted by one, or the numeric columns swapped) missing them by more than
// ten times, so that the comparison can tell.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/typegrad.hpp>

#include "layers/reference.hpp"

namespace typegrad_test {
namespace {

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 4>;
constexpr auto y = tg::target<"y">;

//! torch's Model: cat(emb1(x[:, 1]), emb2(x[:, 3]), x[:, [A, B]]) into fc1, tanh, fc2.
template <std::size_t A, std::size_t B>
constexpr auto loss_of() {
    constexpr auto h = tg::concat(
        tg::concat(tg::embedding<"emb1", 5, 3>(tg::column<1>(x)), tg::embedding<"emb2", 3, 2>(tg::column<3>(x))),
        tg::columns<A, B>(x));
    return tg::mse(tg::linear<"fc2", 8, 1>(tg::tanh(tg::linear<"fc1", 7, 8>(h))), y);
}

const nlohmann::json& recording() {
    static const nlohmann::json c = read_reference("embedding.json");
    return c;
}

//! The recording's data, with `shift` added (mod 5) to the first embedded column's indices.
template <class T>
tg::data::basic_dataset<T> data(std::size_t shift = 0) {
    const auto f = numbers(recording().at("features"));
    auto t = numbers(recording().at("targets"));
    std::vector<T> features(f.begin(), f.end());
    for (std::size_t r = 0; r < features.size() / 4; ++r)
        features[r * 4 + 1] = static_cast<T>(static_cast<std::size_t>(features[r * 4 + 1] + shift) % 5);
    return tg::data::basic_dataset<T>({"a", "i", "b", "j"}, "y", std::move(features),
                                      std::vector<T>(t.begin(), t.end()));
}

//! Trains `Loss` on `d` with Adam from the recording's initial parameters and returns the largest
//! miss of the run `run` (0: float32, 1: float64): max |got - want| / (atol + rtol |want|) over every
//! step's loss, the first gradients and the final parameters; at most 1 is a match.
template <class Loss, class T>
double worst_miss(const tg::data::basic_dataset<T>& d, std::size_t run) {
    const auto& c = recording();
    const auto& r = c.at("runs").at(run);
    const double rtol = r.at("rtol").get<double>(), atol = r.at("atol").get<double>();
    double worst = 0;
    std::string where;
    const auto miss = [&](double got, double want, const std::string& what) {
        const double m = std::isfinite(got) ? std::fabs(got - want) / (atol + rtol * std::fabs(want)) : 1e30;
        if (m > worst) {
            worst = m;
            where = what + ": typegrad " + std::to_string(got) + ", torch " + std::to_string(want);
        }
    };
    tg::Parameters<Loss, T> params;
    REQUIRE(params.count == c.at("init").size());
    typegrad_test::set_parameters(params, c.at("init"));
    const auto compare = [&](const char* what, const nlohmann::json& want, auto buffer_of) {
        for (const auto& info : params.info()) {
            const auto w = numbers(want.at(std::string(info.name)));
            const auto got = buffer_of(info.name);
            REQUIRE(w.size() == got.size());
            for (std::size_t i = 0; i < w.size(); ++i)
                miss(got[i], w[i], std::string(what) + " " + std::string(info.name) + "[" + std::to_string(i) + "]");
        }
    };
    tg::Trainer<Loss, tg::Adam, T> trainer{params, {.lr = c.at("lr").get<double>()}};
    const auto losses = numbers(r.at("loss_history"));
    REQUIRE(losses.size() == c.at("steps").get<std::size_t>());
    for (std::size_t step = 0; step < losses.size(); ++step) {
        trainer.zero_grad();
        miss(trainer.backward(d.all()), losses[step], "loss of step " + std::to_string(step));
        if (step == 0)
            compare("first gradient", r.at("grad_first_step"), [&](std::string_view n) { return params.grad(n); });
        trainer.step();
    }
    compare("final", r.at("final_params"), [&](std::string_view n) { return params.value(n); });
    UNSCOPED_INFO("largest miss: " << where);
    return worst;
}

using right = std::remove_cv_t<decltype(loss_of<0, 2>())>;
using swapped = std::remove_cv_t<decltype(loss_of<2, 0>())>;

}  // namespace

TEST_CASE("embedding: a model with two embedded columns trains as torch's (float)", "[torch]") {
    const double worst = worst_miss<right>(data<float>(), 0);
    INFO("largest miss, in tolerances: " << worst);
    CHECK(worst <= 1.0);
}

TEST_CASE("embedding: a model with two embedded columns trains as torch's (double)", "[torch]") {
    const double worst = worst_miss<right>(data<double>(), 1);
    INFO("largest miss, in tolerances: " << worst);
    CHECK(worst <= 1.0);
}

TEST_CASE("embedding: the replay with a wrong feature misses torch's run by more than ten times", "[torch]") {
    const double shifted = worst_miss<right>(data<float>(1), 0);
    const double wrong_columns = worst_miss<swapped>(data<float>(), 0);
    INFO("largest misses, in tolerances: shifted indices " << shifted << ", swapped columns " << wrong_columns);
    CHECK(shifted > 10.0);
    CHECK(wrong_columns > 10.0);
}

}  // namespace typegrad_test
