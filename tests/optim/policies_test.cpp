// Each policy on a one-parameter problem, checked against torch's formula worked by hand (in
// double, so every number below is the formula's value, not a recording); validation messages;
// compile-time validation; parameter groups.
#include <catch2/catch.hpp>
#include <typegrad/optim.hpp>

#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tg = typegrad;
using Catch::Matchers::Equals;

namespace {
constexpr std::array<tg::param_info, 2> layout{{{"fc.weight", 0, 3}, {"fc.bias", 3, 1}}};
using values = std::array<double, 4>;

template <class Policy>
auto make(typename Policy::options o) {
    return tg::optimizer<Policy, double, 4, 2>{layout, o};
}
}  // namespace

TEST_CASE("SGD: one step, momentum state after two steps, nesterov, maximize, weight decay", "[optim][sgd]") {
    values v{1, -2, 0.5, 3}, g{0.5, 1, -1, 2};
    auto opt = make<tg::SGD>({.lr = 0.1});
    opt.step(v.data(), g.data());
    // θ - lr·g: 1 - 0.1·0.5 = 0.95, -2 - 0.1 = -2.1, 0.5 + 0.1 = 0.6, 3 - 0.2 = 2.8
    CHECK(v == values{0.95, -2.1, 0.6, 2.8});
    CHECK_FALSE(opt.state().has("momentum_buffer", 0));

    v = {1, -2, 0.5, 3};
    auto mom = make<tg::SGD>({.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
    mom.step(v.data(), g.data());  // b = g (no dampening on the first step): θ = 1 - 0.05 = 0.95
    CHECK(v[0] == Approx(0.95));
    mom.step(v.data(), g.data());  // b = 0.9·0.5 + (1-0.5)·0.5 = 0.7; θ = 0.95 - 0.07 = 0.88
    CHECK(mom.state().buffer("momentum_buffer")[0] == Approx(0.7));
    CHECK(v[0] == Approx(0.88));
    CHECK(mom.state().has("momentum_buffer", 0));

    v = {1, -2, 0.5, 3};
    auto nes = make<tg::SGD>({.lr = 0.1, .momentum = 0.9, .nesterov = true});
    nes.step(v.data(), g.data());  // b = 0.5; d = g + 0.9·b = 0.95; θ = 1 - 0.095 = 0.905
    CHECK(v[0] == Approx(0.905));

    v = {1, -2, 0.5, 3};
    auto maxwd = make<tg::SGD>({.lr = 0.1, .weight_decay = 0.2, .maximize = true});
    maxwd.step(v.data(), g.data());  // d = -0.5 + 0.2·1 = -0.3; θ = 1 + 0.03 = 1.03
    CHECK(v[0] == Approx(1.03));
}

TEST_CASE("Adam and AdamW: one step by hand, state after two steps", "[optim][adam]") {
    values v{1, -2, 0.5, 3}, g{0.5, 1, -1, 2};
    auto opt = make<tg::Adam>({.lr = 0.1});
    opt.step(v.data(), g.data());
    // m = 0.1·0.5 = 0.05; v = 0.001·0.25 = 0.00025; step_size = 0.1/(1-0.9) = 1;
    // denom = √0.00025/√0.001 + 1e-8 = 0.5 + 1e-8; θ = 1 - 0.05/(0.5+1e-8) ≈ 0.9 (Adam's first step is ±lr)
    CHECK(v[0] == Approx(1 - 0.05 / (0.5 + 1e-8)).epsilon(1e-14));
    opt.step(v.data(), g.data());
    // m = 0.9·0.05 + 0.1·0.5 = 0.095; v = 0.999·0.00025 + 0.001·0.25 = 0.00049975; step = 2
    CHECK(opt.state().buffer("exp_avg")[0] == Approx(0.095).epsilon(1e-14));
    CHECK(opt.state().buffer("exp_avg_sq")[0] == Approx(0.00049975).epsilon(1e-14));
    CHECK(opt.state().scalar("step", 0) == 2);
    CHECK_FALSE(opt.state().has("max_exp_avg_sq", 0));
    CHECK_THROWS_WITH(opt.state().buffer("momentum"), Equals("typegrad: Adam: no optimizer state named 'momentum'"));

    values w{1, -2, 0.5, 3};
    auto adamw = make<tg::AdamW>({.lr = 0.1, .weight_decay = 0.5, .amsgrad = true});
    adamw.step(w.data(), g.data());
    // θ·(1 - 0.1·0.5) = 0.95, then - 0.05/(0.5+1e-8)
    CHECK(w[0] == Approx(0.95 - 0.05 / (0.5 + 1e-8)).epsilon(1e-14));
    CHECK(adamw.state().has("max_exp_avg_sq", 0));

    values m{1, -2, 0.5, 3};
    auto maxi = make<tg::Adam>({.lr = 0.1, .weight_decay = 0.5, .maximize = true});
    maxi.step(m.data(), g.data());
    // g' = -0.5 + 0.5·1 = 0 → m = 0, θ unchanged
    CHECK(m[0] == 1.0);
}

TEST_CASE("the other policies: one step by hand", "[optim]") {
    const values g{0.5, 1, -1, 2};
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::RMSprop>({.lr = 0.01});
        o.step(v.data(), g.data());  // s = 0.01·0.25; θ = 1 - 0.01·0.5/(√0.0025 + 1e-8) = 1 - 0.1
        CHECK(v[0] == Approx(1 - 0.005 / (0.05 + 1e-8)).epsilon(1e-14));
        CHECK(o.state().scalar("step", 0) == 1);
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::Adagrad>({.lr = 0.1, .initial_accumulator_value = 0.75});
        CHECK(o.state().buffer("sum")[0] == 0.75);  // torch makes Adagrad's state at construction
        o.step(v.data(), g.data());                 // s = 0.75 + 0.25 = 1; θ = 1 - 0.1·0.5/(1 + 1e-10)
        CHECK(v[0] == Approx(1 - 0.05 / (1 + 1e-10)).epsilon(1e-14));
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::Adadelta>({.lr = 1.0, .rho = 0.9, .eps = 1e-6});
        o.step(v.data(), g.data());  // s = 0.1·0.25 = 0.025; δ = √1e-6/√(0.025+1e-6)·0.5
        CHECK(v[0] == Approx(1 - std::sqrt(1e-6) / std::sqrt(0.025 + 1e-6) * 0.5).epsilon(1e-14));
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::Adamax>({.lr = 0.1});
        o.step(v.data(), g.data());  // m = 0.05; u = max(0, 0.5 + 1e-8); θ = 1 - (0.1/0.1)·0.05/u
        CHECK(v[0] == Approx(1 - 0.05 / (0.5 + 1e-8)).epsilon(1e-14));
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::NAdam>({.lr = 0.1});
        o.step(v.data(), g.data());
        const double mu = 0.9 * (1 - 0.5 * std::pow(0.96, 0.004)), mu1 = 0.9 * (1 - 0.5 * std::pow(0.96, 0.008));
        const float prod = static_cast<float>(mu);
        const double denom = std::sqrt(0.00025 / 0.001) + 1e-8;  // √(v/(1-β₂)) + ε
        const double expect = 1 - 0.1 * (1 - mu) / (1 - prod) * 0.5 / denom -
                              0.1 * mu1 /
                                  (1 - static_cast<double>(prod * static_cast<float>(mu) * static_cast<float>(mu1))) *
                                  0.05 / denom;
        // (torch 1.13 multiplies the already-updated mu_product by mu once more for mu_product_next)
        CHECK(v[0] == Approx(expect).epsilon(1e-12));
        CHECK(o.state().scalar("mu_product", 0) == static_cast<double>(prod));
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::RAdam>({.lr = 0.1});
        o.step(v.data(), g.data());  // ρ₁ = 1 ≤ 5: θ = 1 - (0.05/0.1)·0.1 = 0.95
        CHECK(v[0] == Approx(0.95).epsilon(1e-14));
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::ASGD>({.lr = 0.1, .lambd = 0.01});
        o.step(v.data(), g.data());  // θ = 1·(1 - 0.01·0.1) - 0.1·0.5 = 0.949; ax = θ (μ = 1)
        CHECK(v[0] == Approx(0.949).epsilon(1e-7));
        CHECK(o.state().buffer("ax")[0] == v[0]);
        // η = 0.1/(1 + 0.01·0.1·1)^0.75 as float32
        CHECK(o.state().scalar("eta", 0) == static_cast<double>(static_cast<float>(0.1 / std::pow(1.001, 0.75))));
    }
    {
        values v{1, -2, 0.5, 3};
        auto o = make<tg::Rprop>({.lr = 0.1});
        o.step(v.data(), g.data());  // prev = 0 → factor 1; Δ = 0.1; θ = 1 - sign(0.5)·0.1 = 0.9
        CHECK(v[0] == Approx(0.9));
        values g2{-0.5, 1, -1, 2};
        o.step(v.data(), g2.data());  // sign flip → Δ = 0.05, grad zeroed, θ unchanged
        CHECK(v[0] == Approx(0.9));
        CHECK(o.state().buffer("step_size")[0] == Approx(0.05));
        CHECK(o.state().buffer("step_size")[1] == Approx(0.12));
    }
}

TEST_CASE("validation throws with torch's words", "[optim][validate]") {
    CHECK_THROWS_WITH(make<tg::SGD>({.lr = -0.1}), Equals("typegrad: SGD: Invalid learning rate: -0.1"));
    CHECK_THROWS_WITH(make<tg::SGD>({.momentum = -1}), Equals("typegrad: SGD: Invalid momentum value: -1.0"));
    CHECK_THROWS_WITH(make<tg::SGD>({.nesterov = true}),
                      Equals("typegrad: SGD: Nesterov momentum requires a momentum and zero dampening"));
    CHECK_THROWS_WITH(make<tg::SGD>({.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                      Equals("typegrad: SGD: Nesterov momentum requires a momentum and zero dampening"));
    CHECK_THROWS_WITH(make<tg::Adam>({.betas = {1.0, 0.999}}),
                      Equals("typegrad: Adam: Invalid beta parameter at index 0: 1.0"));
    CHECK_THROWS_WITH(make<tg::AdamW>({.betas = {0.9, -0.5}}),
                      Equals("typegrad: AdamW: Invalid beta parameter at index 1: -0.5"));
    CHECK_THROWS_WITH(make<tg::Adam>({.eps = -1e-8}), Equals("typegrad: Adam: Invalid epsilon value: -1e-08"));
    CHECK_THROWS_WITH(make<tg::RMSprop>({.alpha = -0.99}), Equals("typegrad: RMSprop: Invalid alpha value: -0.99"));
    CHECK_THROWS_WITH(make<tg::Adagrad>({.lr_decay = -1e-5}),
                      Equals("typegrad: Adagrad: Invalid lr_decay value: -1e-05"));
    CHECK_THROWS_WITH(make<tg::Adadelta>({.rho = 1.5}), Equals("typegrad: Adadelta: Invalid rho value: 1.5"));
    CHECK_THROWS_WITH(make<tg::NAdam>({.momentum_decay = -4e-3}),
                      Equals("typegrad: NAdam: Invalid momentum_decay value: -0.004"));
    CHECK_THROWS_WITH(make<tg::Rprop>({.etas = {1.5, 1.2}}), Equals("typegrad: Rprop: Invalid eta values: 1.5, 1.2"));
    CHECK_THROWS_WITH(make<tg::ASGD>({.weight_decay = -1e20}),
                      Equals("typegrad: ASGD: Invalid weight_decay value: -1e+20"));
    CHECK_NOTHROW(make<tg::Adam>({.eps = 0}));  // torch accepts eps == 0
}

namespace {
// validate() is constexpr: good constant options pass at compile time, and a bad constant cannot be
// a constant expression (it reaches the non-constexpr throw), which this requires-expression sees.
// (Options travel in a type, as Clang 14 has no floating-point template arguments.)
template <class Policy, class Make>
constexpr bool constant_ok() {
    return requires { typename std::integral_constant<int, (Policy::validate(Make::make()), 0)>; };
}
struct sgd_good {
    static constexpr tg::SGD::options make() { return {.lr = 0.1, .momentum = 0.9, .nesterov = true}; }
};
struct sgd_negative_lr {
    static constexpr tg::SGD::options make() { return {.lr = -0.1}; }
};
struct sgd_nesterov_alone {
    static constexpr tg::SGD::options make() { return {.nesterov = true}; }
};
struct adam_good {
    static constexpr tg::Adam::options make() { return {.lr = 0.01}; }
};
struct adam_beta_one {
    static constexpr tg::Adam::options make() { return {.betas = {1.0, 0.999}}; }
};
}  // namespace

TEST_CASE("validate runs at compile time on constant options", "[optim][validate]") {
    STATIC_REQUIRE((constant_ok<tg::SGD, sgd_good>()));
    STATIC_REQUIRE_FALSE((constant_ok<tg::SGD, sgd_negative_lr>()));
    STATIC_REQUIRE_FALSE((constant_ok<tg::SGD, sgd_nesterov_alone>()));
    STATIC_REQUIRE((constant_ok<tg::Adam, adam_good>()));
    STATIC_REQUIRE_FALSE((constant_ok<tg::Adam, adam_beta_one>()));
}

TEST_CASE("parameter groups: by name, by predicate, unknown names", "[optim][groups]") {
    values v{1, -2, 0.5, 3}, g{0.5, 1, -1, 2};
    auto opt = make<tg::SGD>({.lr = 0.1, .weight_decay = 0.5});
    auto no_decay = opt.defaults();
    no_decay.weight_decay = 0;
    const auto k = opt.add_param_group([](std::string_view n) { return n.ends_with(".bias"); }, no_decay);
    CHECK(k == 1);
    REQUIRE(opt.param_groups().size() == 2);
    CHECK(opt.param_groups()[0].params == std::vector<std::size_t>{0});
    CHECK(opt.param_groups()[1].params == std::vector<std::size_t>{1});
    opt.step(v.data(), g.data());
    CHECK(v[0] == Approx(1 - 0.1 * (0.5 + 0.5 * 1)));  // weight: decayed
    CHECK(v[3] == Approx(3 - 0.1 * 2));                // bias: not decayed

    auto by_name = make<tg::Adam>({.lr = 0.1});
    by_name.add_param_group({"fc.weight"}, {.lr = 0.5});
    CHECK(by_name.param_groups()[1].options.lr == 0.5);
    CHECK(by_name.param_groups()[0].params == std::vector<std::size_t>{1});
    CHECK_THROWS_WITH(by_name.add_param_group({"fc.wieght"}, {.lr = 0.5}),
                      Equals("typegrad: Adam: add_param_group: no parameter named 'fc.wieght'"));
    CHECK_THROWS_WITH(by_name.add_param_group({"fc.bias"}, {.lr = -1}),
                      Equals("typegrad: Adam: Invalid learning rate: -1.0"));
}

TEST_CASE("python-style number formatting in messages", "[optim][validate]") {
    using tg::optim::detail::py_repr;
    CHECK(py_repr(0.1) == "0.1");
    CHECK(py_repr(-1.0) == "-1.0");
    CHECK(py_repr(1e-8) == "1e-08");
    CHECK(py_repr(1e16) == "1e+16");
    CHECK(py_repr(1e15) == "1000000000000000.0");
    CHECK(py_repr(0.0001) == "0.0001");
    CHECK(py_repr(123.456) == "123.456");
    CHECK(py_repr(2.5e-7) == "2.5e-07");
}

TEST_CASE("Adam's running beta powers stay within a few ulp of std::pow", "[optim][adam]") {
    for (const double beta : {0.9, 0.999}) {
        INFO("beta " << beta);
        tg::optim::detail::power_cache powers;
        for (int step = 1; step <= 20000; ++step) {
            const double running = powers.next(beta, step), exact = std::pow(beta, step);
            if (exact < 1e-30) {
                // Kept at 0 there: the bias correction 1 - beta^step is the same double.
                REQUIRE(running == 0);
                REQUIRE(1 - running == 1 - exact);
            } else {
                // A rounding per multiplication: about step/2 ulp at worst.
                REQUIRE(std::abs(running - exact) <= exact * 1.2e-16 * step);
            }
        }
        // A jump (a loaded checkpoint) and a repeated step (a float count past 2^24) give pow's value.
        CHECK(powers.next(beta, 7) == std::pow(beta, 7));
        CHECK(powers.next(beta, 7) == std::pow(beta, 7));
        CHECK(powers.next(0.5, 8) == std::pow(0.5, 8));  // a scheduler changed beta
    }
}

TEST_CASE("state entries are enumerable by name with their dtype, and settable", "[optim][state]") {
    auto opt = make<tg::Adam>({.lr = 0.1, .amsgrad = true});
    std::vector<std::string> seen;
    opt.state().for_each_entry([&](const tg::optim::detail::state_entry_info& e) {
        seen.push_back(std::string(e.name) + (e.is_buffer ? " tensor " : " scalar ") + std::string(e.dtype));
    });
    CHECK(seen == std::vector<std::string>{"exp_avg tensor F64", "exp_avg_sq tensor F64", "max_exp_avg_sq tensor F64",
                                           "step scalar F32"});
    CHECK_FALSE(opt.state().has("step", 1));
    opt.state().set_present("step", 1, true);
    opt.state().set_scalar("step", 1, 41);
    opt.state().buffer("exp_avg")[3] = 0.5;  // the writable overload
    CHECK(opt.state().has("step", 1));
    CHECK(opt.state().scalar("step", 1) == 41);
    CHECK(std::as_const(opt).state().buffer("exp_avg")[3] == 0.5);
    CHECK_THROWS_WITH(opt.state().set_present("mu", 0, true), Equals("typegrad: Adam: no optimizer state named 'mu'"));

    auto rms = make<tg::RMSprop>({.lr = 0.01, .momentum = 0.9});
    values v{1, -2, 0.5, 3}, g{0.5, 1, -1, 2};
    rms.step(v.data(), g.data());  // torch keeps momentum_buffer (momentum > 0) but no grad_avg (not centered)
    CHECK(rms.state().has("square_avg", 0));
    CHECK(rms.state().has("momentum_buffer", 0));
    CHECK_FALSE(rms.state().has("grad_avg", 0));
    seen.clear();
    rms.state().for_each_entry(
        [&](const tg::optim::detail::state_entry_info& e) { seen.push_back(std::string(e.dtype)); });
    CHECK(seen == std::vector<std::string>{"F64", "F64", "F64", "I64"});  // step: a Python int
}
