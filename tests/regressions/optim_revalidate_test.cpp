// Options written after construction (through param_groups(), by a scheduler) were never
// validated again: lr = NaN gave NaN parameters, a negative lr gradient ascent, and lr = +inf
// passed even the constructor. Now step() validates changed options first and, when they are
// invalid, throws with torch's words before any value or state changes.
#include <catch2/catch.hpp>
#include <typegrad/optim.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace tg = typegrad;
using Catch::Matchers::Equals;

namespace {
constexpr std::array<tg::param_info, 2> layout{{{"w", 0, 5}, {"b", 5, 2}}};
using values = std::array<float, 7>;
constexpr values grads{0.5f, -1, 0.25f, 2, -0.75f, 1, -2};

// Every byte the optimiser owns: each state buffer, each scalar and its presence, per parameter.
template <class Opt>
std::vector<unsigned char> state_bytes(const Opt& opt) {
    std::vector<unsigned char> out;
    const auto& st = opt.state();
    st.for_each_entry([&](const tg::optim::detail::state_entry_info& e) {
        for (std::size_t p = 0; p < opt.layout().size(); ++p) {
            out.push_back(st.has(e.name, p) ? 1 : 0);
            if (!e.is_buffer) {
                const double v = st.scalar(e.name, p);
                const auto* b = reinterpret_cast<const unsigned char*>(&v);
                out.insert(out.end(), b, b + sizeof v);
            }
        }
        if (e.is_buffer) {
            const auto buf = st.buffer(e.name);
            const auto* b = reinterpret_cast<const unsigned char*>(buf.data());
            out.insert(out.end(), b, b + buf.size_bytes());
        }
    });
    return out;
}

template <class Policy>
void bad_lr_is_caught_at_step(double lr, const std::string& expected) {
    tg::optimizer<Policy, float, 7, 2> opt{layout, {}};
    opt.add_param_group({"b"}, opt.defaults());
    values v{1, -2, 0.5f, 3, 4, -1, 2};
    opt.step(v.data(), grads.data());  // some state to keep intact
    opt.param_groups()[1].options.lr = lr;
    const values before = v;
    const auto state_before = state_bytes(opt);
    CHECK_THROWS_AS(opt.step(v.data(), grads.data()), std::invalid_argument);
    CHECK_THROWS_WITH(opt.step(v.data(), grads.data()), Equals(expected));
    // Group 0 comes first and is valid: still nothing moved, as the check precedes every update.
    CHECK(std::memcmp(before.data(), v.data(), sizeof v) == 0);
    CHECK(state_bytes(opt) == state_before);
    // A valid value again: the next step goes through.
    opt.param_groups()[1].options.lr = 0.01;
    CHECK_NOTHROW(opt.step(v.data(), grads.data()));
    CHECK(v != before);
}
}  // namespace

TEST_CASE("regression: an lr set through param_groups() is validated at the next step", "[regression][optim]") {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    bad_lr_is_caught_at_step<tg::SGD>(nan, "typegrad: SGD: Invalid learning rate: nan");
    bad_lr_is_caught_at_step<tg::SGD>(-0.1, "typegrad: SGD: Invalid learning rate: -0.1");
    bad_lr_is_caught_at_step<tg::SGD>(inf, "typegrad: SGD: Invalid learning rate: inf");
    bad_lr_is_caught_at_step<tg::Adam>(nan, "typegrad: Adam: Invalid learning rate: nan");
    bad_lr_is_caught_at_step<tg::Adam>(-1.0, "typegrad: Adam: Invalid learning rate: -1.0");
    bad_lr_is_caught_at_step<tg::AdamW>(inf, "typegrad: AdamW: Invalid learning rate: inf");
    bad_lr_is_caught_at_step<tg::RMSprop>(nan, "typegrad: RMSprop: Invalid learning rate: nan");
    bad_lr_is_caught_at_step<tg::ASGD>(-0.5, "typegrad: ASGD: Invalid learning rate: -0.5");
    bad_lr_is_caught_at_step<tg::Rprop>(inf, "typegrad: Rprop: Invalid learning rate: inf");
}

TEST_CASE("regression: other options written after construction are validated too", "[regression][optim]") {
    tg::optimizer<tg::Adam, float, 7, 2> opt{layout, {}};
    values v{1, -2, 0.5f, 3, 4, -1, 2};
    opt.param_groups()[0].options.betas[1] = 1.0;
    CHECK_THROWS_WITH(opt.step(v.data(), grads.data()),
                      Equals("typegrad: Adam: Invalid beta parameter at index 1: 1.0"));
    opt.param_groups()[0].options.betas[1] = 0.999;
    opt.param_groups()[0].options.weight_decay = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(opt.step(v.data(), grads.data()), Equals("typegrad: Adam: Invalid weight_decay value: inf"));
    CHECK(v == values{1, -2, 0.5f, 3, 4, -1, 2});
    CHECK_FALSE(opt.state().has("step", 0));

    tg::optimizer<tg::SGD, float, 7, 2> sgd{layout, {.lr = 0.1, .momentum = 0.9, .nesterov = true}};
    sgd.param_groups()[0].options.dampening = 0.5;
    CHECK_THROWS_WITH(sgd.step(v.data(), grads.data()),
                      Equals("typegrad: SGD: Nesterov momentum requires a momentum and zero dampening"));
}

TEST_CASE("regression: a non-finite lr is rejected at construction", "[regression][optim]") {
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH((tg::optimizer<tg::SGD, float, 7, 2>{layout, {.lr = inf}}),
                      Equals("typegrad: SGD: Invalid learning rate: inf"));
    CHECK_THROWS_WITH((tg::optimizer<tg::Adagrad, float, 7, 2>{layout, {.eps = inf}}),
                      Equals("typegrad: Adagrad: Invalid epsilon value: inf"));
}

TEST_CASE("regression: a scheduler's invalid lr is caught at the next step", "[regression][optim]") {
    tg::optimizer<tg::SGD, float, 7, 2> opt{layout, {.lr = 0.1}};
    tg::LambdaLR sched{opt, [](long e) { return e < 2 ? 1.0 : -1.0; }};
    values v{1, -2, 0.5f, 3, 4, -1, 2};
    opt.step(v.data(), grads.data());
    sched.step();
    opt.step(v.data(), grads.data());
    sched.step();  // lr = -0.1 from here
    const values before = v;
    CHECK_THROWS_WITH(opt.step(v.data(), grads.data()), Equals("typegrad: SGD: Invalid learning rate: -0.1"));
    CHECK(v == before);
}
