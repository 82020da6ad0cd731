// backward() and step() allocate nothing: every operator new of the process is counted.
#include <catch2/catch.hpp>

#include "counting_new.hpp"
#include "models.hpp"

namespace tg = typegrad;
using namespace test_models;

TEMPLATE_TEST_CASE("zero_grad(), backward() and step() allocate nothing", "[trainer][allocation]", tg::SGD, tg::Adam) {
    const auto data = test_models::random_data<float>(100, 1);
    tg::Parameters params{mlp_mse};
    tg::init::torch_default(params, 1);
    tg::Trainer<decltype(mlp_mse), TestType> trainer{params, {}};
    auto epoch = tg::data::batches(data, 32, tg::data::shuffle{.seed = 3});
    trainer.step();  // optimiser state made on the first step, if a policy makes any, is not counted
    CHECK(typegrad_test::allocations_over(trainer, epoch) == 0);
    // The counter does count: making a trainer allocates its optimiser state.
    const long before_make = typegrad_test::allocations();
    tg::Trainer<decltype(mlp_mse), TestType> another{params, {}};
    CHECK(typegrad_test::allocations() > before_make);
}
