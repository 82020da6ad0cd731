// A model with a BatchNorm (and a Dropout) gives the same bits on 1 to 4 threads: its training
// batches run whole on one thread (the batch statistics' sums in one order), its evaluation loss is
// cut into chunks summed in order, and the running statistics follow the same trajectory.
#include <catch2/catch.hpp>

#include <type_traits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "same_bits.hpp"

namespace tg = typegrad;
using namespace tg::literals;

namespace {

using model = tg::sequential<tg::Linear<5, 16>, tg::BatchNorm1d<16>, tg::ReLU, tg::Dropout<0.3_c>, tg::Linear<16, 1>>;
constexpr auto loss = tg::mse(model{}(tg::input<"x", 5>), tg::target<"y">);
using loss_type = std::remove_cv_t<decltype(loss)>;

// The evaluation loss after each epoch reads the running statistics; the buffers end the trajectory.
template <class T>
std::vector<T> trajectory(unsigned threads) {
    return typegrad_test::adam_trajectory<loss_type, T>(
        threads, [](auto&) {}, true);
}

}  // namespace

TEMPLATE_TEST_CASE("BatchNorm: the same trajectory on 1 to 4 threads", "[batchnorm][threads]", float, double) {
    typegrad_test::same_bits_on_every_thread_count<TestType>(trajectory<TestType>);
}
