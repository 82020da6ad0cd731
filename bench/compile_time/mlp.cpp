// Compile-time workload: an MLP of DEPTH dense layers (HIDDEN wide, tanh between them) on 10
// features, written as a tg::sequential, trained one SGD step on random data.
//   g++-12 -std=c++20 -O2 -march=native -I include -DDEPTH=32 -c bench/compile_time/mlp.cpp
#include <cstddef>
#include <cstdio>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

#ifndef DEPTH
#define DEPTH 6
#endif
#ifndef HIDDEN
#define HIDDEN 32
#endif

namespace tg = typegrad;

namespace {

constexpr std::size_t depth = DEPTH, hidden = HIDDEN, features = 10, rows = 64;

// Module i of torch.nn.Sequential(Linear(10, H), Tanh(), Linear(H, H), Tanh(), ..., Linear(H, 1)).
template <std::size_t I>
using module_at = std::conditional_t<I % 2 == 1, tg::Tanh,
                                     tg::Linear<(I == 0 ? features : hidden), (I == 2 * depth - 2 ? 1 : hidden)>>;
template <std::size_t... I>
auto stack(std::index_sequence<I...>) -> tg::sequential<module_at<I>...>;
using model = decltype(stack(std::make_index_sequence<2 * depth - 1>{}));

constexpr auto x = tg::input<"x", features>;
constexpr auto y = tg::target<"y">;
constexpr auto loss = tg::mse(model{}(x), y);

}  // namespace

int main() {
    std::mt19937 rng(0);
    std::normal_distribution<float> normal;
    std::vector<std::string> names;
    std::vector<float> xs, ys;
    for (std::size_t f = 0; f < features; ++f)
        names.push_back("f" + std::to_string(f));
    for (std::size_t i = 0; i < rows * features; ++i)
        xs.push_back(normal(rng));
    for (std::size_t i = 0; i < rows; ++i)
        ys.push_back(normal(rng));
    const tg::data::dataset data(std::move(names), "y", std::move(xs), std::move(ys));

    tg::Parameters params{loss};
    tg::init::torch_default(params, /*seed=*/0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
    trainer.zero_grad();
    const float before = trainer.backward(data);
    trainer.step();
    std::printf("%zu layers, %zu parameters: loss %.6f -> %.6f\n", depth, params.total, before, trainer.loss(data));
}
