// Learning-rate schedulers against torch 1.13 (reference/schedulers.json, record_reference.py):
// two parameter groups (lr 0.1 and 0.02), the lr of each group (and the cycled momentum /
// betas[0]) before each of 60 optimiser steps, to 1e-12 relative (the arithmetic is the same
// double code as torch's; only libm rounding could differ).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <replay/optimizers.hpp>

#include <cmath>
#include <fstream>
#include <string>

namespace tg = typegrad;
using json = nlohmann::json;

namespace {

const json& reference() {
    static const json j = [] {
        std::ifstream in(std::string(TYPEGRAD_OPTIM_REFERENCE_DIR) + "/schedulers.json");
        return json::parse(in);
    }();
    return j;
}

constexpr std::array<tg::param_info, 2> layout{{{"a", 0, 2}, {"b", 2, 2}}};

template <class Policy>
auto make_opt(const json& optj) {
    auto o = tg::replay::options_from_json<Policy>(optj);
    tg::optimizer<Policy, double, 4, 2> opt{layout, o};
    auto o2 = o;
    o2.lr = 0.02;
    opt.add_param_group({"b"}, o2);
    return opt;
}

bool close(double x, double ref) { return std::abs(x - ref) <= 1e-15 + 1e-12 * std::abs(ref); }

template <class Opt, class StepFn>
void check_history(Opt& opt, const json& lrs, const json* moms, StepFn&& after_step, const std::string& what) {
    std::array<double, 4> v{}, g{1, 1, 1, 1};
    for (std::size_t s = 0; s < lrs.size(); ++s) {
        for (std::size_t k = 0; k < 2; ++k) {
            INFO(what << " step " << s << " group " << k);
            CHECK(close(opt.param_groups()[k].options.lr, lrs[s][k].get<double>()));
            if (moms)
                CHECK(close(tg::replay::cycled_momentum(opt, k), (*moms)[s][k].get<double>()));
        }
        opt.step(v.data(), g.data());
        after_step(s);
    }
}

}  // namespace

TEST_CASE("schedulers built from torch's arguments reproduce torch's lr sequences", "[optim][schedulers]") {
    for (const auto& c : reference().at("cases")) {
        const auto& optj = c.at("optimizer");
        const auto& sj = c.at("scheduler");
        const std::string what = sj.dump() + " on " + optj.at("name").get<std::string>();
        const bool cycles =
            sj.value("cycle_momentum", false) || sj.at("name") == "OneCycleLR" || sj.at("name") == "CyclicLR";
        auto run = [&](auto opt) {
            auto sched = tg::replay::make_scheduler(opt, sj);
            const auto& metrics = c.at("metrics");
            check_history(
                opt, c.at("lr_history"), cycles ? &c.at("momentum_history") : nullptr,
                [&](std::size_t s) { sched.step(metrics.empty() ? 0.0 : metrics[s].get<double>()); }, what);
        };
        if (optj.at("name") == "SGD")
            run(make_opt<tg::SGD>(optj));
        else
            run(make_opt<tg::Adam>(optj));
    }
}

TEST_CASE("LambdaLR, MultiplicativeLR, SequentialLR and ChainedScheduler match torch", "[optim][schedulers]") {
    const auto& comp = reference().at("composite");
    const json sgd = {{"lr", 0.1}};
    {
        auto opt = make_opt<tg::SGD>(sgd);
        tg::LambdaLR sched{opt, [](long e) { return std::pow(0.95, static_cast<double>(e)); }};
        check_history(
            opt, comp.at("LambdaLR"), nullptr, [&](std::size_t) { sched.step(); }, "LambdaLR");
    }
    {
        auto opt = make_opt<tg::SGD>(sgd);
        tg::MultiplicativeLR sched{opt, [](long e) { return e % 2 ? 0.9 : 0.99; }};
        check_history(
            opt, comp.at("MultiplicativeLR"), nullptr, [&](std::size_t) { sched.step(); }, "MultiplicativeLR");
    }
    {
        auto opt = make_opt<tg::SGD>(sgd);
        tg::SequentialLR sched{
            opt,
            std::tuple{tg::LinearLR{opt, {.start_factor = 0.1, .total_iters = 5}},
                       tg::ExponentialLR{opt, {.gamma = 0.9}}, tg::CosineAnnealingLR{opt, {.T_max = 10}}},
            {10, 30}};
        check_history(
            opt, comp.at("SequentialLR"), nullptr, [&](std::size_t) { sched.step(); }, "SequentialLR");
    }
    {
        auto opt = make_opt<tg::SGD>(sgd);
        tg::ChainedScheduler sched{tg::ConstantLR{opt, {.factor = 0.5, .total_iters = 4}},
                                   tg::ExponentialLR{opt, {.gamma = 0.95}},
                                   tg::StepLR{opt, {.step_size = 10, .gamma = 0.5}}};
        check_history(
            opt, comp.at("ChainedScheduler"), nullptr, [&](std::size_t) { sched.step(); }, "ChainedScheduler");
        CHECK(sched.get_last_lr().size() == 2);
    }
}

TEST_CASE("designated initialisers and CTAD give torch-shaped scheduler calls", "[optim][schedulers]") {
    tg::optimizer<tg::SGD, float, 4, 2> opt{layout, {.lr = 0.1, .momentum = 0.9}};
    tg::StepLR sched{opt, {.step_size = 2, .gamma = 0.5}};
    static_assert(std::is_same_v<decltype(sched), tg::StepLR<tg::optimizer<tg::SGD, float, 4, 2>>>);
    std::array<float, 4> v{}, g{};
    for (int i = 0; i < 4; ++i) {
        opt.step(v.data(), g.data());
        sched.step();
    }
    CHECK(sched.get_last_lr()[0] == Approx(0.025).epsilon(1e-15));
}

TEST_CASE("invalid scheduler arguments throw with torch's words", "[optim][schedulers]") {
    tg::optimizer<tg::SGD, double, 4, 2> opt{layout, {.lr = 0.1}};
    tg::optimizer<tg::Adagrad, double, 4, 2> no_momentum{layout, {.lr = 0.1}};
    using Catch::Matchers::Equals;
    CHECK_THROWS_WITH((tg::LinearLR{opt, {.start_factor = 1.5}}),
                      Equals("typegrad: LinearLR: Starting multiplicative factor expected to be between 0 and 1."));
    CHECK_THROWS_WITH((tg::ConstantLR{opt, {.factor = -1}}),
                      Equals("typegrad: ConstantLR: Constant multiplicative factor expected to be between 0 and 1."));
    CHECK_THROWS_WITH((tg::ReduceLROnPlateau{opt, {.factor = 1.0}}),
                      Equals("typegrad: ReduceLROnPlateau: Factor should be < 1.0."));
    CHECK_THROWS_WITH((tg::ReduceLROnPlateau{opt, {.mode = "up"}}),
                      Equals("typegrad: ReduceLROnPlateau: mode up is unknown!"));
    CHECK_THROWS_WITH((tg::ReduceLROnPlateau{opt, {.threshold_mode = "x"}}),
                      Equals("typegrad: ReduceLROnPlateau: threshold mode x is unknown!"));
    CHECK_THROWS_WITH(
        (tg::OneCycleLR{opt, {.max_lr = 0.1}}),
        Equals("typegrad: OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch)"));
    CHECK_THROWS_WITH((tg::OneCycleLR{opt, {.max_lr = 0.1, .total_steps = 0}}),
                      Equals("typegrad: OneCycleLR: Expected positive integer total_steps, but got 0"));
    CHECK_THROWS_WITH((tg::OneCycleLR{opt, {.max_lr = 0.1, .total_steps = 10, .pct_start = 1.5}}),
                      Equals("typegrad: OneCycleLR: Expected float between 0 and 1 pct_start, but got 1.5"));
    CHECK_THROWS_WITH(
        (tg::OneCycleLR{opt, {.max_lr = 0.1, .total_steps = 10, .anneal_strategy = "exp"}}),
        Equals("typegrad: OneCycleLR: anneal_strategy must by one of 'cos' or 'linear', instead got exp"));
    CHECK_THROWS_WITH(
        (tg::OneCycleLR{no_momentum, {.max_lr = 0.1, .total_steps = 10}}),
        Equals("typegrad: OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled"));
    CHECK_THROWS_WITH((tg::CyclicLR{opt, {.base_lr = 0.1, .max_lr = 1, .mode = "sawtooth"}}),
                      Equals("typegrad: CyclicLR: mode is invalid and scale_fn is None"));
    CHECK_THROWS_WITH((tg::CosineAnnealingWarmRestarts{opt, {.T_0 = 0}}),
                      Equals("typegrad: CosineAnnealingWarmRestarts: Expected positive integer T_0, but got 0"));
    CHECK_THROWS_WITH((tg::CosineAnnealingWarmRestarts{opt, {.T_0 = 2, .T_mult = 0}}),
                      Equals("typegrad: CosineAnnealingWarmRestarts: Expected integer T_mult >= 1, but got 0"));
    tg::OneCycleLR short_cycle{opt, {.max_lr = 0.1, .total_steps = 2}};
    short_cycle.step();
    short_cycle.step();
    CHECK_THROWS_WITH(short_cycle.step(),
                      Equals("typegrad: OneCycleLR: Tried to step 4 times. The specified number of total steps is 2"));
}
