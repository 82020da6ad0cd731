// optimizer::step() never touches the heap: this executable replaces the global operator new with
// a counting one and runs every policy's step (all options on) many times.
#include <catch2/catch.hpp>
#include <typegrad/optim.hpp>

#include "counting_new.hpp"

namespace tg = typegrad;

namespace {
constexpr std::array<tg::param_info, 3> layout{{{"w", 0, 37}, {"b", 37, 5}, {"s", 42, 1}}};

template <class Policy>
void check_no_alloc(typename Policy::options o) {
    tg::optimizer<Policy, float, 43, 3> opt{layout, o};
    auto wd_off = o;
    opt.add_param_group({"b"}, wd_off);
    std::array<float, 43> v{}, g{};
    for (std::size_t i = 0; i < g.size(); ++i)
        g[i] = static_cast<float>(i % 7) - 3.0f, v[i] = 0.1f * static_cast<float>(i);
    const long before = typegrad_test::allocations();
    for (int i = 0; i < 50; ++i)
        opt.step(v.data(), g.data());
    const long after = typegrad_test::allocations();
    INFO(Policy::name);
    CHECK(after == before);
}
}  // namespace

TEST_CASE("optimizer::step does not allocate", "[optim][alloc]") {
    check_no_alloc<tg::SGD>({.lr = 0.01, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true});
    check_no_alloc<tg::Adam>({.lr = 0.01, .weight_decay = 0.1, .amsgrad = true, .maximize = true});
    check_no_alloc<tg::AdamW>({.lr = 0.01, .amsgrad = true});
    check_no_alloc<tg::RMSprop>({.lr = 0.01, .weight_decay = 0.1, .momentum = 0.9, .centered = true});
    check_no_alloc<tg::Adagrad>({.lr = 0.01, .lr_decay = 0.1, .weight_decay = 0.1});
    check_no_alloc<tg::Adadelta>({.weight_decay = 0.1});
    check_no_alloc<tg::Adamax>({.weight_decay = 0.1});
    check_no_alloc<tg::NAdam>({.weight_decay = 0.1});
    check_no_alloc<tg::RAdam>({.weight_decay = 0.1});
    check_no_alloc<tg::ASGD>({.t0 = 3, .weight_decay = 0.1});
    check_no_alloc<tg::Rprop>({.maximize = true});
    // The counter does see allocations (guards against a replacement the linker ignored).
    const long before = typegrad_test::allocations();
    int* volatile p = new int(3);  // volatile: clang may elide a new/delete pair it can see whole
    const long after = typegrad_test::allocations();
    CHECK(after == before + 1);
    delete p;
}
