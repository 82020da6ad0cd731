// A model with a BatchNorm allocates in backward() only the first time a batch has more blocks of
// lanes than any before (its workspaces, one per block); the steps after allocate nothing. Every
// operator new of the process is counted.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "counting_new.hpp"
#include "datasets.hpp"

namespace tg = typegrad;

namespace {
using model = tg::sequential<tg::Linear<4, 16>, tg::BatchNorm1d<16>, tg::ReLU, tg::Linear<16, 1>>;
constexpr auto loss = tg::mse(model{}(tg::input<"x", 4>), tg::target<"y">);
}  // namespace

TEST_CASE("backward() through a BatchNorm allocates only for a batch larger than any before", "[batchnorm]") {
    std::vector<float> f, t;
    for (std::size_t r = 0; r < 100; ++r) {
        for (std::size_t c = 0; c < 4; ++c)
            f.push_back(static_cast<float>(std::sin(0.37 * static_cast<double>(r * 4 + c))));
        t.push_back(static_cast<float>(std::cos(0.11 * static_cast<double>(r))));
    }
    const auto data = typegrad_test::make_dataset<float>(4, std::move(f), std::move(t));
    tg::Parameters params{loss};
    tg::init::torch_default(params, 1);
    tg::Trainer<decltype(loss), tg::Adam> trainer{params, {}};
    auto epoch = tg::data::batches(data, 32, tg::data::shuffle{.seed = 3});
    const long first = typegrad_test::allocations();
    trainer.zero_grad();
    trainer.backward(tg::data::batch_view<float>(data, 0, 32));
    trainer.step();
    CHECK(typegrad_test::allocations() > first);  // the workspaces of 32 rows, and Adam's state
    CHECK(typegrad_test::allocations_over(trainer, epoch) == 0);
}
