// Replays tests/lbfgs/reference/lbfgs.json (torch 1.13, see record_reference.py): full-batch
// logistic regression on breast cancer and a 10-16-1 tanh MLP on diabetes, trained by tg::LBFGS
// through a Trainer's closure, with and without the strong Wolfe line search, in float32 and
// float64. Compared with torch: the loss every step() returns, the loss after the last step and
// the final parameters (to a tolerance), the closure calls, iterations and pairs held (exactly).
// Also the quadratics of quadratic.hpp, whose recorded runs stop on each of torch's rules.
//
// Tolerances. typegrad and torch add the same numbers in other orders (the model's sums, the dot
// products), so they differ by rounding, which L-BFGS amplifies: each iteration solves with the
// curvature of differences of gradients. How much a case amplifies float32 rounding is measured by
// the recording (its float32_vs_float64 gap): the largest difference between torch's float64 run
// and five float32 runs (torch's, and four from initial values nudged by one ulp), losses 1e-5 to
// 4e-3 relative, final parameters 1e-4 to 0.09 absolute on values up to 16 (the logistic
// regressions, nearly separable data, are the most sensitive). A float32 replay is one more such
// run, so it must stay within twice that gap (it stays within 1.4 times the gap; printed). float64
// rounding is 2^29 times smaller: losses must agree to 1e-9 relative and parameters to 1e-8
// absolute (the worst case seen is 0.03 of that, most are under 1e-3; printed). The
// closure calls, iterations and pairs held must be equal. A variant with a deliberate mistake (the
// first step not scaled by min(1, 1/|g|_1)) must miss the float64 reference by more than 1000
// times its tolerances (it misses by ~1e7), so the replay can fail.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <typegrad/optim/lbfgs.hpp>
#include <typegrad/typegrad.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "quadratic.hpp"

namespace tg = typegrad;
using json = nlohmann::json;

namespace {

const json& reference() {
    static const json j = [] {
        std::ifstream in(std::string(TYPEGRAD_LBFGS_DIR) + "/reference/lbfgs.json");
        return json::parse(in);
    }();
    return j;
}

const json& find_case(const std::string& name) {
    for (const auto& c : reference().at("cases"))
        if (c.at("name") == name)
            return c;
    throw std::runtime_error("no case " + name);
}

tg::lbfgs_options options_of(const json& o) {
    tg::lbfgs_options out;
    out.lr = o.value("lr", 1.0);
    out.max_iter = o.value("max_iter", 20);
    if (o.contains("max_eval"))
        out.max_eval = o.at("max_eval").get<int>();
    out.tolerance_grad = o.value("tolerance_grad", 1e-7);
    out.tolerance_change = o.value("tolerance_change", 1e-9);
    out.history_size = o.value("history_size", 100);
    if (o.value("line_search_fn", std::string()) == "strong_wolfe")
        out.line_search_fn = tg::line_search::strong_wolfe;
    return out;
}

// The dataset of a model, targets divided as the recording divides them.
template <class T>
tg::data::basic_dataset<T> dataset_of(const std::string& model) {
    const json& m = reference().at("models").at(model);
    auto raw = tg::data::read_csv<T>(std::string(TYPEGRAD_GOLDEN_DATA_DIR) + "/" + m.at("data").get<std::string>());
    const T scale = static_cast<T>(m.at("target_scale").get<double>());
    std::vector<T> targets(raw.targets().begin(), raw.targets().end());
    for (auto& y : targets)
        y /= scale;
    return tg::data::basic_dataset<T>(raw.feature_names(), raw.target_name(),
                                      std::vector<T>(raw.features().begin(), raw.features().end()), std::move(targets));
}

struct outcome {
    std::vector<double> losses;
    std::vector<long> func_evals, n_iter;
    std::vector<std::size_t> history;
    double final_loss = 0;
    std::map<std::string, std::vector<double>> params;
};

template <class T, class Loss>
outcome run(const Loss&, const json& c, tg::optim::detail::lbfgs_variant variant = {}) {
    const auto data = dataset_of<T>(c.at("model").get<std::string>());
    tg::Parameters<Loss, T> params;
    for (const auto& info : params.info()) {
        const auto& init = c.at("init").at(std::string(info.name));
        REQUIRE(init.size() == info.size);
        auto v = params.value(info.name);
        for (std::size_t i = 0; i < info.size; ++i)
            v[i] = static_cast<T>(init.at(i).template get<double>());
    }
    tg::Trainer<Loss, tg::SGD, T> trainer{params};
    tg::LBFGS lbfgs{params, options_of(c.at("options")), variant};
    static_assert(std::is_same_v<decltype(lbfgs), tg::LBFGS<T>>);
    outcome out;
    const auto closure = [&] {
        trainer.zero_grad();
        return trainer.backward(data);
    };
    for (int s = 0; s < c.at("steps").get<int>(); ++s) {
        out.losses.push_back(lbfgs.step(closure));
        out.func_evals.push_back(lbfgs.func_evals());
        out.n_iter.push_back(lbfgs.n_iter());
        out.history.push_back(lbfgs.history());
    }
    out.final_loss = trainer.loss(data);
    for (const auto& info : params.info()) {
        auto v = params.value(info.name);
        out.params[std::string(info.name)] = std::vector<double>(v.begin(), v.end());
    }
    return out;
}

// The largest deviation from the reference, as a multiple of the tolerances: <= 1 passes.
struct deviation {
    double loss = 0, param = 0;
    double worst() const { return std::max(loss, param); }
};

deviation compare(const outcome& got, const json& ref, double loss_rtol, double param_atol) {
    deviation d;
    const auto losses = ref.at("losses").get<std::vector<double>>();
    REQUIRE(got.losses.size() == losses.size());
    auto loss_dev = [&](double x, double r) { return std::abs(x - r) / (loss_rtol * std::abs(r)); };
    for (std::size_t s = 0; s < losses.size(); ++s)
        d.loss = std::max(d.loss, loss_dev(got.losses[s], losses[s]));
    d.loss = std::max(d.loss, loss_dev(got.final_loss, ref.at("final_loss").get<double>()));
    for (const auto& [name, values] : ref.at("final_params").items()) {
        const auto& mine = got.params.at(name);
        REQUIRE(mine.size() == values.size());
        for (std::size_t i = 0; i < mine.size(); ++i)
            d.param = std::max(d.param, std::abs(mine[i] - values.at(i).get<double>()) / param_atol);
    }
    return d;
}

template <class Loss>
void replay(Loss loss, const std::string& name) {
    const json& c = find_case(name);
    {
        const json& ref = c.at("float64");
        const outcome got = run<double>(loss, c);
        CHECK(got.func_evals == ref.at("func_evals").get<std::vector<long>>());
        CHECK(got.n_iter == ref.at("n_iter").get<std::vector<long>>());
        CHECK(got.history == ref.at("history").get<std::vector<std::size_t>>());
        const deviation d = compare(got, ref, 1e-9, 1e-8);
        std::printf("%-30s float64: worst deviation %.3g of the tolerance\n", name.c_str(), d.worst());
        CHECK(d.worst() <= 1);

        tg::optim::detail::lbfgs_variant wrong;
        wrong.unscaled_first_step = true;
        const deviation w = compare(run<double>(loss, c, wrong), ref, 1e-9, 1e-8);
        std::printf("%-30s float64 with an unscaled first step: %.3g of the tolerance\n", name.c_str(), w.worst());
        CHECK(w.worst() > 1000);
    }
    {
        const json& ref = c.at("float32");
        const outcome got = run<float>(loss, c);
        CHECK(got.func_evals == ref.at("func_evals").get<std::vector<long>>());
        CHECK(got.n_iter == ref.at("n_iter").get<std::vector<long>>());
        CHECK(got.history == ref.at("history").get<std::vector<std::size_t>>());
        const json& gap = c.at("float32_vs_float64");
        const deviation d =
            compare(got, ref, 2 * gap.at("loss_rel").get<double>(), 2 * gap.at("param_abs").get<double>());
        std::printf("%-30s float32: worst deviation %.3g of 2x the float32-float64 gap\n", name.c_str(), d.worst());
        CHECK(d.worst() <= 1);
    }
}

constexpr auto logreg = tg::bce_with_logits(tg::sequential<tg::Linear<30, 1>>{}(tg::input<"x", 30>), tg::target<"y">);
constexpr auto mlp =
    tg::mse(tg::sequential<tg::Linear<10, 16>, tg::Tanh, tg::Linear<16, 1>>{}(tg::input<"x", 10>), tg::target<"y">);

}  // namespace

TEST_CASE("LBFGS follows torch: logistic regression, fixed step") { replay(logreg, "logreg_none"); }
TEST_CASE("LBFGS follows torch: logistic regression, strong Wolfe") { replay(logreg, "logreg_strong_wolfe"); }
TEST_CASE("LBFGS follows torch: logistic regression, strong Wolfe, default options") {
    replay(logreg, "logreg_strong_wolfe_defaults");
}
TEST_CASE("LBFGS follows torch: MLP, fixed step") { replay(mlp, "mlp_none"); }
TEST_CASE("LBFGS follows torch: MLP, strong Wolfe") { replay(mlp, "mlp_strong_wolfe"); }
TEST_CASE("LBFGS follows torch: MLP, strong Wolfe, max_eval") { replay(mlp, "mlp_strong_wolfe_max_eval"); }

// The stopping rules against torch's, on the quadratics of quadratic.hpp in float64: the same
// iterations and closure calls per step() (tolerance_grad, tolerance_change on the step and on
// the loss, max_iter, max_eval), the same losses and final values (to 1e-9 relative and 1e-8).
TEST_CASE("LBFGS stops where torch stops, on quadratics") {
    for (const auto& c : reference().at("quadratics")) {
        const json& ref = c.at("float64");
        typegrad_test::quadratic<double> q(c.at("n").get<std::size_t>());
        tg::LBFGS<double> lbfgs(std::span<double>(q.x), std::span<const double>(q.grad), options_of(c.at("options")));
        std::vector<long> func_evals, n_iter;
        std::vector<std::size_t> history;
        INFO("options " << c.at("options").dump() << ", n = " << q.n);
        for (int s = 0; s < c.at("steps").get<int>(); ++s) {
            const double loss = lbfgs.step(std::ref(q));
            const double expected = ref.at("losses").at(static_cast<std::size_t>(s)).get<double>();
            CHECK(std::abs(loss - expected) <= 1e-9 * std::abs(expected));
            func_evals.push_back(lbfgs.func_evals());
            n_iter.push_back(lbfgs.n_iter());
            history.push_back(lbfgs.history());
        }
        CHECK(func_evals == ref.at("func_evals").get<std::vector<long>>());
        CHECK(n_iter == ref.at("n_iter").get<std::vector<long>>());
        CHECK(history == ref.at("history").get<std::vector<std::size_t>>());
        double worst = 0;
        for (std::size_t k = 0; k < q.n; ++k)
            worst = std::max(worst, std::abs(q.x[k] - ref.at("final_x").at(k).get<double>()));
        CHECK(worst <= 1e-8);
    }
}
