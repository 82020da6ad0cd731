// Training with each new layer replayed against torch 1.13 (trajectories.json, recorded by
// record_torch.py): Sequential(Linear(4, 8), <layer>, Linear(8, 3)) on iris, cross-entropy over the
// whole set, Adam(lr=0.05), 25 steps of zero_grad / backward / step in float. Each step's loss, the
// first step's gradient and the final parameters match within the case's tolerances, which the
// recording derived from the distance between torch's float32 and float64 runs.
#include <cstddef>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/layers.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/optim.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/train/trainer.hpp>

#include "reference.hpp"
#include "replay_adam.hpp"

namespace {

namespace tg = typegrad;
using namespace tg::literals;
using typegrad_test::numbers;

constexpr auto x = tg::input<"x", 4>;
constexpr auto y = tg::class_target<"y", 3>;
constexpr auto half = 0.5_c;
constexpr auto fifth = 0.2_c;

const nlohmann::json& find_case(const std::string& name) {
    static const nlohmann::json r = typegrad_test::read_reference("trajectories.json");
    for (const auto& c : r.at("cases"))
        if (c.at("name") == name)
            return c;
    throw std::runtime_error(std::string("trajectories.json has no case ").append(name));
}

template <class Layer>
void replay(const std::string& name) {
    const auto& c = find_case(name);
    constexpr auto loss = tg::cross_entropy(tg::sequential<tg::Linear<4, 8>, Layer, tg::Linear<8, 3>>{}(x), y);
    tg::Parameters<decltype(loss)> params;
    typegrad_test::replay_adam_on_iris(name, c, params);
}

}  // namespace

TEST_CASE("an MLP with GELU trains as torch's", "[torch]") {
    replay<tg::GELU<>>("gelu");
    replay<tg::GELU<"tanh">>("gelu_tanh");
}
TEST_CASE("an MLP with SiLU trains as torch's", "[torch]") { replay<tg::SiLU>("silu"); }
TEST_CASE("an MLP with ELU trains as torch's", "[torch]") {
    replay<tg::ELU<>>("elu");
    replay<tg::ELU<half>>("elu_0.5");
}
TEST_CASE("an MLP with LeakyReLU trains as torch's", "[torch]") {
    replay<tg::LeakyReLU<>>("leaky_relu");
    replay<tg::LeakyReLU<fifth>>("leaky_relu_0.2");
}
TEST_CASE("an MLP with a Softmax layer trains as torch's", "[torch]") { replay<tg::Softmax>("softmax"); }
