// Dropout's masks do not depend on the thread count: a trajectory of shuffled mini-batches, each cut
// into chunks of 8 rows, gives the same bits on 1, 2, 3 and 4 threads, in float and double.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace tg = typegrad;
using namespace tg::literals;

namespace {

constexpr auto model = tg::sequential<tg::Linear<5, 16>, tg::Tanh, tg::Dropout<0.3_c>, tg::Linear<16, 16>, tg::ReLU,
                                      tg::Dropout<0.5_c>, tg::Linear<16, 1>>{};
constexpr auto loss = tg::mse(model(tg::input<"x", 5>), tg::target<"y">);
using loss_type = std::remove_cv_t<decltype(loss)>;

template <class T>
std::vector<T> trajectory(unsigned threads) {
    std::vector<T> f, t;
    for (std::size_t r = 0; r < 200; ++r) {
        double s = 0;
        for (std::size_t c = 0; c < 5; ++c) {
            const double v = std::sin(0.37 * static_cast<double>(r * 5 + c) + 0.1);
            f.push_back(static_cast<T>(v));
            s += v * (static_cast<double>(c) - 2);
        }
        t.push_back(static_cast<T>(std::tanh(s)));
    }
    const auto data = typegrad_test::make_dataset<T>(5, std::move(f), std::move(t));
    tg::Parameters<loss_type, T> params;
    tg::init::torch_default(params, 3);
    tg::Trainer<loss_type, tg::Adam, T> trainer{params, {.lr = 0.01}};
    trainer.set_seed(99);
    trainer.set_threads(threads);
    trainer.set_min_chunk_rows(8);
    std::vector<T> out;
    for (std::size_t epoch = 0; epoch < 3; ++epoch)
        for (const auto& batch : tg::data::batches(data, 50, tg::data::shuffle{epoch})) {
            trainer.zero_grad();
            out.push_back(trainer.backward(batch));
            trainer.step();
        }
    for (const T v : params.values())
        out.push_back(v);
    return out;
}

template <class T>
void same_bits_on_every_thread_count() {
    const auto one = trajectory<T>(1);
    for (unsigned threads = 2; threads <= 4; ++threads) {
        const auto many = trajectory<T>(threads);
        REQUIRE(many.size() == one.size());
        for (std::size_t k = 0; k < one.size(); ++k) {
            INFO(threads << " threads, value " << k);
            REQUIRE(std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(many[k]) ==
                    std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(one[k]));
        }
    }
}

}  // namespace

TEST_CASE("dropout: the same trajectory on 1 to 4 threads (float)", "[dropout][threads]") {
    same_bits_on_every_thread_count<float>();
}
TEST_CASE("dropout: the same trajectory on 1 to 4 threads (double)", "[dropout][threads]") {
    same_bits_on_every_thread_count<double>();
}
