// tg::residual and tg::concat_branches: the expressions they are, the parameter names they give
// (those of the torch modules docs/layers.md shows), and training replayed against torch 1.13
// (branches.json, recorded by record_branches.py): a residual MLP and a two-branch model on iris,
// cross-entropy over the whole set, Adam, 25 steps of zero_grad / backward / step in float, the
// initial weights moved from torch by name. Each step's loss, the first step's gradient and the
// final parameters match within the case's tolerances, which the recording derived from the
// distance between torch's float32 and float64 runs. Then the checkpoint torch wrote at the end
// of its run (tools/interop/typegrad_torch.py, state_dict names) loads into typegrad, training goes
// on as torch's did, and the checkpoint typegrad writes names its tensors as torch's state_dict.
#include <cstddef>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/checkpoint.hpp>
#include <typegrad/io/safetensors.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/concat.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/optim.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/to_string.hpp>
#include <typegrad/train/trainer.hpp>

#include "reference.hpp"
#include "replay_adam.hpp"

namespace {

namespace tg = typegrad;
using typegrad_test::numbers;

constexpr auto x = tg::input<"x", 4>;
constexpr auto y = tg::class_target<"y", 3>;

using residual_mlp = tg::sequential<tg::Linear<4, 16>, tg::ReLU,
                                    tg::residual<tg::Linear<16, 16>, tg::ReLU, tg::Linear<16, 16>>, tg::Linear<16, 3>>;
using two_branches = tg::sequential<
    tg::Linear<4, 8>, tg::Tanh,
    tg::concat_branches<tg::sequential<tg::Linear<8, 6>, tg::ReLU>, tg::sequential<tg::Linear<8, 4>, tg::Tanh>>,
    tg::Linear<10, 3>>;

template <class A, class B>
constexpr bool same = std::is_same_v<std::remove_cv_t<A>, std::remove_cv_t<B>>;

// The layers are their expressions, under the names of the torch modules' submodules.
constexpr auto h = tg::relu(tg::linear<"0", 4, 16>(x));
static_assert(
    same<decltype(residual_mlp{}(x)), decltype(tg::linear<"3", 16, 3>(h + tg::linear<"2.body.2", 16, 16>(tg::relu(
                                                                              tg::linear<"2.body.0", 16, 16>(h)))))>);
constexpr auto t = tg::tanh(tg::linear<"0", 4, 8>(x));
static_assert(same<decltype(two_branches{}(x)),
                   decltype(tg::linear<"3", 10, 3>(tg::concat(tg::relu(tg::linear<"2.branches.0.0", 8, 6>(t)),
                                                              tg::tanh(tg::linear<"2.branches.1.0", 8, 4>(t)))))>);
// Applied alone, and as one layer (not a stack) per branch.
static_assert(same<decltype(tg::residual<tg::Linear<4, 4>>{}(x)), decltype(x + tg::linear<"body.0", 4, 4>(x))>);
static_assert(same<decltype(tg::concat_branches<tg::Linear<4, 2>, tg::ReLU>{}(x)),
                   decltype(tg::concat(tg::linear<"branches.0", 4, 2>(x), tg::relu(x)))>);
// Nested: a residual block inside a residual block.
static_assert(same<decltype(tg::sequential<tg::residual<tg::residual<tg::Linear<4, 4>>>>{}(x)),
                   decltype(x + (x + tg::linear<"0.body.0.body.0", 4, 4>(x)))>);

// The widths a stack sees.
static_assert(tg::residual<tg::Linear<16, 16>, tg::ReLU>::in_features == 16);
static_assert(tg::residual<tg::Linear<16, 16>, tg::ReLU>::out_features == 16);
static_assert(tg::residual<tg::ReLU>::in_features == tg::layers::any_width);
static_assert(tg::residual<tg::ReLU>::out_features == tg::layers::any_width);
static_assert(tg::concat_branches<tg::Linear<8, 6>, tg::Linear<8, 4>>::in_features == 8);
static_assert(tg::concat_branches<tg::Linear<8, 6>, tg::Linear<8, 4>>::out_features == 10);
static_assert(tg::concat_branches<tg::Linear<8, 6>, tg::ReLU>::out_features == 14);
static_assert(tg::concat_branches<tg::ReLU, tg::Tanh>::out_features == tg::layers::computed_width);
static_assert(tg::residual<tg::Conv2d<2, 2, 3, 1, 1>, tg::Tanh>::out_features == tg::layers::computed_width);
static_assert(tg::layers::Layer<tg::residual<tg::ReLU>> && tg::layers::Layer<tg::concat_branches<tg::ReLU, tg::Tanh>>);

const nlohmann::json& find_case(const std::string& name) {
    static const nlohmann::json r = typegrad_test::read_reference("branches.json");
    for (const auto& c : r.at("cases"))
        if (c.at("name") == name)
            return c;
    throw std::runtime_error(std::string("branches.json has no case ").append(name));
}

template <class Model>
void replay(const std::string& name) {
    const auto& c = find_case(name);
    constexpr auto loss = tg::cross_entropy(Model{}(x), y);
    tg::Parameters<decltype(loss)> params;

    // torch's named_parameters(), in its order: the naming rule.
    const auto names = c.at("names");
    REQUIRE(names.size() == params.info().size());
    for (std::size_t k = 0; k < names.size(); ++k)
        CHECK(std::string(params.info()[k].name) == names[k].get<std::string>());

    typegrad_test::replay_adam_on_iris(name, c, params);
}

template <class Model>
void continue_from_torch(const std::string& name) {
    const auto& c = find_case(name);
    const double rtol = c.at("rtol").get<double>(), atol = c.at("atol").get<double>();
    constexpr auto loss = tg::cross_entropy(Model{}(x), y);
    tg::Parameters<decltype(loss)> params;
    tg::Trainer<decltype(loss), tg::Adam> trainer{params};
    const auto file = std::filesystem::path(TYPEGRAD_LAYERS_REFERENCE_DIR) / c.at("checkpoint").get<std::string>();
    tg::load(file, params, trainer);
    // The values torch had (its float32 numbers, written with 9 digits), element for element.
    for (const auto& info : params.info()) {
        const auto want = numbers(c.at("final_params").at(std::string(info.name)));
        const auto got = params.value(info.name);
        REQUIRE(want.size() == got.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO(name << ": loaded " << info.name << "[" << i << "]");
            CHECK(got[i] == static_cast<float>(want[i]));
        }
    }
    const auto data = typegrad_test::iris<float>();
    const auto& more = c.at("continued");
    const auto losses = numbers(more.at("loss_history"));
    REQUIRE(losses.size() == c.at("continue_steps").get<std::size_t>());
    for (std::size_t step = 0; step < losses.size(); ++step) {
        trainer.zero_grad();
        const float l = trainer.backward(data.all());
        INFO(name << ": step " << step << " after the checkpoint: loss " << l << ", torch " << losses[step]);
        CHECK(typegrad_test::close(l, losses[step], rtol, atol));
        trainer.step();
    }
    for (const auto& info : params.info()) {
        const auto want = numbers(more.at("final_params").at(std::string(info.name)));
        const auto got = params.value(info.name);
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO(name << ": continued " << info.name << "[" << i << "]: typegrad " << got[i] << ", torch " << want[i]);
            CHECK(typegrad_test::close(got[i], want[i], rtol, atol));
        }
    }

    // typegrad's checkpoint: a tensor per torch name, the names in torch's order (what
    // typegrad_torch.load(strict=True) requires).
    const auto out = std::filesystem::temp_directory_path() / ("typegrad_branches_" + name + ".safetensors");
    tg::save(out, params, trainer);
    const auto written = tg::io::tensor_file::load(out);
    const auto torch_names = c.at("names");
    for (const auto& n : torch_names)
        CHECK(written.find(n.get<std::string>()) != nullptr);
    CHECK(nlohmann::json::parse(written.metadata().at("parameters")) == torch_names);
    tg::Parameters<decltype(loss)> reloaded;
    tg::load(out, reloaded);
    for (std::size_t k = 0; k < params.total; ++k)
        CHECK(reloaded.values()[k] == params.values()[k]);
    std::filesystem::remove(out);
}

}  // namespace

TEST_CASE("a residual MLP goes on from torch's checkpoint, and back", "[torch][residual][checkpoint]") {
    continue_from_torch<residual_mlp>("residual_mlp");
}
TEST_CASE("a two-branch model goes on from torch's checkpoint, and back", "[torch][concat][checkpoint]") {
    continue_from_torch<two_branches>("concat_branches");
}

TEST_CASE("a residual MLP trains as torch's", "[torch][residual]") { replay<residual_mlp>("residual_mlp"); }
TEST_CASE("a two-branch model trains as torch's", "[torch][concat]") { replay<two_branches>("concat_branches"); }

TEST_CASE("concat prints as its builder", "[concat]") {
    constexpr auto e = tg::concat(tg::tanh(x), x);
    CHECK(tg::to_string(e) == "concat(tanh(x), x)");
}
