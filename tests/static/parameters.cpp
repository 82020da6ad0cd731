// Parameter names, order, offsets and sizes: torch's names and layouts, numbered from the input
// layer outwards as torch.nn.Sequential does.
#include <span>
#include <string_view>
#include <utility>

#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 10>;
constexpr auto y = tg::target<"y">;

// A linear model: fc.weight [1, 10] then fc.bias [1].
constexpr auto linear_loss = tg::mse(tg::linear<"fc", 10, 1>(x), y);
using linear_params = tg::Parameters<decltype(linear_loss)>;
static_assert(linear_params::count == 2 && linear_params::total == 11);
static_assert(linear_params::info()[0].name == "fc.weight");
static_assert(linear_params::info()[0].offset == 0 && linear_params::info()[0].size == 10 &&
              linear_params::info()[0].columns == 10);
static_assert(linear_params::info()[1].name == "fc.bias");
static_assert(linear_params::info()[1].offset == 10 && linear_params::info()[1].size == 1 &&
              linear_params::info()[1].columns == 1);

// nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1)): the activation takes index 1.
constexpr auto mlp = tg::sequential<tg::Linear<10, 32>, tg::Tanh, tg::Linear<32, 1>>{}(x);
constexpr auto mlp_loss = tg::mse(mlp, y);
using mlp_params = tg::Parameters<decltype(mlp_loss)>;
static_assert(mlp_params::count == 4);
static_assert(mlp_params::total == 32 * 10 + 32 + 1 * 32 + 1);
// torch: [name for name, _ in model.named_parameters()], in that order, with these offsets.
static_assert(mlp_params::info()[0].name == "0.weight" && mlp_params::info()[0].offset == 0 &&
              mlp_params::info()[0].size == 320);
static_assert(mlp_params::info()[1].name == "0.bias" && mlp_params::info()[1].offset == 320 &&
              mlp_params::info()[1].size == 32);
static_assert(mlp_params::info()[2].name == "2.weight" && mlp_params::info()[2].offset == 352 &&
              mlp_params::info()[2].size == 32);
static_assert(mlp_params::info()[3].name == "2.bias" && mlp_params::info()[3].offset == 384 &&
              mlp_params::info()[3].size == 1);
static_assert(mlp_params::info()[2].columns == 32);

// Addressing by name gives a span of the parameter's static size.
static_assert(decltype(std::declval<mlp_params&>().value<"0.weight">())::extent == 320);
static_assert(decltype(std::declval<mlp_params&>().grad<"2.bias">())::extent == 1);
static_assert(decltype(std::declval<const mlp_params&>().values())::extent == 385);

// Nested stacks are named as torch names them: "0.0.weight" is the first layer of the first child.
using block = tg::sequential<tg::Linear<10, 8>, tg::ReLU>;
static_assert(block::in_features == 10 && block::out_features == 8);
constexpr auto nested_loss = tg::mse(tg::sequential<block, tg::Linear<8, 1>>{}(x), y);
using nested_params = tg::Parameters<decltype(nested_loss)>;
static_assert(nested_params::info()[0].name == "0.0.weight" && nested_params::info()[1].name == "0.0.bias");
static_assert(nested_params::info()[2].name == "1.weight" && nested_params::info()[3].name == "1.bias");

// A parameter used twice is one parameter (shared weights), stored once.
constexpr auto w = tg::param<"w", 10>;
constexpr auto shared = tg::mse(tg::dot(w, x) + tg::dot(w, tg::tanh(x)), y);
static_assert(tg::Parameters<decltype(shared)>::count == 1 && tg::Parameters<decltype(shared)>::total == 10);

// Otherwise parameters are numbered in order of first use, walking operands left to right.
constexpr auto order = tg::mse(tg::param<"b"> * tg::dot(x, tg::param<"a", 10>), y);
static_assert(tg::Parameters<decltype(order)>::info()[0].name == "b");
static_assert(tg::Parameters<decltype(order)>::info()[1].name == "a");

}  // namespace
