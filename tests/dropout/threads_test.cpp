// Dropout's masks do not depend on the thread count: a trajectory of shuffled mini-batches, each cut
// into chunks of 8 rows, gives the same bits on 1, 2, 3 and 4 threads, in float and double.
#include <catch2/catch.hpp>

#include <type_traits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "same_bits.hpp"

namespace tg = typegrad;
using namespace tg::literals;

namespace {

constexpr auto model = tg::sequential<tg::Linear<5, 16>, tg::Tanh, tg::Dropout<0.3_c>, tg::Linear<16, 16>, tg::ReLU,
                                      tg::Dropout<0.5_c>, tg::Linear<16, 1>>{};
constexpr auto loss = tg::mse(model(tg::input<"x", 5>), tg::target<"y">);
using loss_type = std::remove_cv_t<decltype(loss)>;

template <class T>
std::vector<T> trajectory(unsigned threads) {
    return typegrad_test::adam_trajectory<loss_type, T>(
        threads, [](auto& trainer) { trainer.set_seed(99); }, false);
}

}  // namespace

TEST_CASE("dropout: the same trajectory on 1 to 4 threads (float)", "[dropout][threads]") {
    typegrad_test::same_bits_on_every_thread_count<float>(trajectory<float>);
}
TEST_CASE("dropout: the same trajectory on 1 to 4 threads (double)", "[dropout][threads]") {
    typegrad_test::same_bits_on_every_thread_count<double>(trajectory<double>);
}
