#pragma once
// The model bench_deploy times, shared by the program that exports it (deploy_export.cpp) and the
// benchmark (deploy_predict.cpp): diabetes' shape, 10 features, 32 tanh units, one output, with
// torch.nn.Linear's initialisation from a fixed seed, so that both build the very same weights.
#include <cstdint>

#include <typegrad/typegrad.hpp>

namespace typegrad_bench::deploy {
namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
constexpr auto model = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x);
constexpr auto loss = tg::mse(model, tg::target<"y">);
inline constexpr std::uint64_t seed = 0;

}  // namespace typegrad_bench::deploy
