#pragma once
// What the thread-count tests share: a regression dataset made from sines, a trajectory trained on
// it with Adam, and the check that a trajectory has the same bits on 2 to 4 threads as on one.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace typegrad_test {

//! `rows` rows of `width` features sin(0.37 (r width + c) + 0.1), the target tanh of their sum
//! weighted by c - 2.
template <class T>
typegrad::data::basic_dataset<T> sine_data(std::size_t rows, std::size_t width) {
    std::vector<T> f, t;
    for (std::size_t r = 0; r < rows; ++r) {
        double s = 0;
        for (std::size_t c = 0; c < width; ++c) {
            const double v = std::sin(0.37 * static_cast<double>(r * width + c) + 0.1);
            f.push_back(static_cast<T>(v));
            s += v * (static_cast<double>(c) - 2);
        }
        t.push_back(static_cast<T>(std::tanh(s)));
    }
    return make_dataset<T>(width, std::move(f), std::move(t));
}

//! Loss (5 features) trained in T with Adam (lr 0.01, torch's initial values drawn with seed 3) on
//! `threads` threads, batches cut into chunks of 8 rows: `setup(trainer)` first, then three epochs of
//! shuffled batches of 50 rows of sine_data(200, 5). The batches' losses, with `eval_each_epoch`
//! the evaluation loss over the data after each epoch, then the values and the buffers.
template <class Loss, class T, class Setup>
std::vector<T> adam_trajectory(unsigned threads, Setup setup, bool eval_each_epoch) {
    namespace tg = typegrad;
    const auto data = sine_data<T>(200, 5);
    tg::Parameters<Loss, T> params;
    tg::init::torch_default(params, 3);
    tg::Trainer<Loss, tg::Adam, T> trainer{params, {.lr = 0.01}};
    setup(trainer);
    trainer.set_threads(threads);
    trainer.set_min_chunk_rows(8);
    std::vector<T> out;
    for (std::size_t epoch = 0; epoch < 3; ++epoch) {
        for (const auto& batch : tg::data::batches(data, 50, tg::data::shuffle{epoch})) {
            trainer.zero_grad();
            out.push_back(trainer.backward(batch));
            trainer.step();
        }
        if (eval_each_epoch)
            out.push_back(trainer.loss(data));
    }
    out.insert(out.end(), params.values().begin(), params.values().end());
    out.insert(out.end(), params.buffers().begin(), params.buffers().end());
    return out;
}

//! `trajectory(threads)` gives the same bits for 2, 3 and 4 threads as for one.
template <class T, class Trajectory>
void same_bits_on_every_thread_count(Trajectory trajectory) {
    using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    const std::vector<T> one = trajectory(1u);
    for (unsigned threads = 2; threads <= 4; ++threads) {
        const std::vector<T> many = trajectory(threads);
        REQUIRE(many.size() == one.size());
        for (std::size_t k = 0; k < one.size(); ++k) {
            INFO(threads << " threads, value " << k);
            REQUIRE(std::bit_cast<bits>(many[k]) == std::bit_cast<bits>(one[k]));
        }
    }
}

}  // namespace typegrad_test
