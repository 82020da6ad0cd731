// With threads, backward() and step() allocate nothing once the trainer has seen its batches: the
// threads' scratch is made by set_threads(), the chunks' buffers the first time a batch needs them,
// and OpenMP's pool by its first parallel region. Every operator new of the process is counted.
#include <catch2/catch.hpp>

#include "counting_new.hpp"
#include "datasets.hpp"

#include <random>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

TEMPLATE_TEST_CASE("zero_grad(), backward() and step() on threads allocate nothing", "[parallel][allocation]", tg::SGD,
                   tg::Adam) {
    constexpr auto loss =
        tg::mse(tg::linear<"2", 8, 1>(tg::tanh(tg::linear<"0", 4, 8>(tg::input<"x", 4>))), tg::target<"y">);
    std::mt19937_64 rng(2);
    std::normal_distribution<float> normal;
    std::vector<float> features(4 * 300), targets(300);
    for (auto& v : features)
        v = normal(rng);
    for (auto& v : targets)
        v = normal(rng);
    const auto data = typegrad_test::make_dataset<float>(4, std::move(features), std::move(targets));
    tg::Parameters params{loss};
    tg::init::torch_default(params, 1);
    tg::Trainer<decltype(loss), TestType> trainer{params, {}};
    trainer.set_threads(2);
    trainer.set_min_chunk_rows(16);
    REQUIRE(trainer.chunks_of(64).chunks == 4);
    auto epoch = tg::data::batches(data, 64, tg::data::shuffle{.seed = 3});
    auto run = [&] {
        for (auto batch : epoch) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
        return trainer.loss(data);
    };
    run();  // the first epoch makes the chunks' buffers, the optimiser's state and the thread pool
    const long before = typegrad_test::allocations();
    for (int i = 0; i < 3; ++i)
        run();
    CHECK(typegrad_test::allocations() - before == 0);
    // The counter does count: more threads allocate their scratch.
    const long before_set = typegrad_test::allocations();
    trainer.set_threads(3);
    CHECK(typegrad_test::allocations() > before_set);
}
