// torch 1.13's training of an MLP with two dropouts on iris (dropout.json, record_dropout.py),
// replayed in float and double with torch's own masks injected through the trainer's test hook
// (Trainer::set_dropout_masks): every step's loss, the first gradient and the final parameters
// within the recording's tolerances, then the evaluation loss of the final parameters.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "layers/replay_adam.hpp"

namespace tg = typegrad;
using namespace tg::literals;

namespace {

constexpr auto model = tg::sequential<tg::Linear<4, 12>, tg::Tanh, tg::Dropout<0.2_c>, tg::Linear<12, 12>, tg::Tanh,
                                      tg::Dropout<0.5_c>, tg::Linear<12, 3>>{};
constexpr auto loss = tg::cross_entropy(model(tg::input<"x", 4>), tg::class_target<"y", 3>);
using loss_type = std::remove_cv_t<decltype(loss)>;

// torch's masks of one step, as the hook reads them: masks[site][row * width + element] is '1'
// where torch kept the element.
struct recorded_masks {
    const nlohmann::json* steps = nullptr;
    std::size_t step = 0, width = 0;
    static bool keep(const void* self, std::size_t site, std::uint64_t row, std::size_t element) {
        const auto& m = *static_cast<const recorded_masks*>(self);
        const auto& text = (*m.steps)[m.step][site].get_ref<const std::string&>();
        return text.at(static_cast<std::size_t>(row) * m.width + element) == '1';
    }
};

template <class T>
void replay() {
    const auto reference = typegrad_test::read_reference("dropout.json");
    const auto& c = reference.at("trajectories").at(0);
    recorded_masks masks{&c.at("masks"), 0, c.at("width").get<std::size_t>()};
    REQUIRE(c.at("masks").size() == c.at("steps").get<std::size_t>());
    tg::Parameters<loss_type, T> params;
    typegrad_test::replay_adam_on_iris("dropout_mlp", c, params, [&](auto& trainer, std::size_t step) {
        masks.step = step;
        trainer.set_dropout_masks(&recorded_masks::keep, &masks);
    });
    // model.eval(): the loss of the final parameters, the dropouts the identity.
    const auto data = typegrad_test::iris<T>();
    using program = tg::autodiff::program<loss_type, T>;
    const auto rows = tg::data::feed<typename program::input, typename program::target>(data.all(), "replay");
    const T eval = program::loss(params.values().data(), rows);
    const double want = typegrad_test::number(c.at("eval_loss"));
    INFO("evaluation loss: typegrad " << eval << ", torch " << want);
    CHECK(typegrad_test::close(eval, want, c.at("rtol").get<double>(), c.at("atol").get<double>()));
}

}  // namespace

TEST_CASE("torch's dropout trajectory, its masks injected (float)", "[dropout][torch]") { replay<float>(); }
TEST_CASE("torch's dropout trajectory, its masks injected (double)", "[dropout][torch]") { replay<double>(); }

TEST_CASE("without torch's masks the trajectory misses it", "[dropout][torch]") {
    // The generator's own masks give another trajectory: the replay above depends on the hook.
    const auto reference = typegrad_test::read_reference("dropout.json");
    const auto& c = reference.at("trajectories").at(0);
    tg::Parameters<loss_type, float> params;
    typegrad_test::set_parameters(params, c.at("init"));
    tg::Trainer<loss_type, tg::Adam> trainer{params, {.lr = c.at("lr").get<double>()}};
    const auto data = typegrad_test::iris<float>();
    const float l = trainer.backward(data.all());
    const double want = typegrad_test::number(c.at("loss_history").at(0));
    CHECK(!typegrad_test::close(l, want, 10 * c.at("rtol").get<double>(), 10 * c.at("atol").get<double>()));
}
