// zero_grad(), backward() and step() of a convolutional network allocate nothing: every operator
// new of the process is counted (its own executable, as counting_new.hpp replaces the global one).
#include <catch2/catch.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "counting_new.hpp"

namespace tg = typegrad;

namespace {
using cnn =
    tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 4, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,
                   tg::Conv2d<4, 6, 3, 1, 1, 1, false>, tg::ReLU, tg::AvgPool2d<2>, tg::Flatten, tg::Linear<24, 10>>;
constexpr auto loss = tg::cross_entropy(cnn{}(tg::input<"x", 64>), tg::class_target<"y", 10>);
}  // namespace

TEST_CASE("conv: zero_grad(), backward() and step() of a CNN allocate nothing", "[conv][allocation]") {
    std::mt19937_64 rng(5);
    std::vector<float> features(100 * 64), targets(100);
    for (auto& v : features)
        v = static_cast<float>(std::uniform_real_distribution<double>(-2, 2)(rng));
    for (auto& v : targets)
        v = static_cast<float>(std::uniform_int_distribution<int>(0, 9)(rng));
    std::vector<std::string> names;
    for (int c = 0; c < 64; ++c)
        names.push_back(std::to_string(c));  // (not "f" + ...: GCC 12 warns falsely in string's operator+)
    const tg::data::basic_dataset<float> data(std::move(names), "y", std::move(features), std::move(targets));
    tg::Parameters params{loss};
    tg::init::torch_default(params, 1);
    tg::Trainer<decltype(loss), tg::Adam> trainer{params, {}};
    auto epoch = tg::data::batches(data, 32, tg::data::shuffle{.seed = 3});
    trainer.step();  // Adam's state is made on the first step
    CHECK(typegrad_test::allocations_over(trainer, epoch) == 0);
    // The counter does count: making a trainer allocates its optimiser state.
    const long before_make = typegrad_test::allocations();
    tg::Trainer<decltype(loss), tg::Adam> another{params, {}};
    CHECK(typegrad_test::allocations() > before_make);
}
