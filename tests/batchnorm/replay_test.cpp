// torch 1.13's training through BatchNorm1d (an MLP on iris) and BatchNorm2d (a convolution on
// digits), recorded by record_batchnorm.py (batchnorm.json), replayed in float and double: every
// step's loss, the final parameters, the running statistics after, and the evaluation loss with
// them. Then the same run with the batch coupling dropped (each step's gradient taken with the
// running statistics, sample by sample, as evaluation does) misses torch's losses by more than ten
// times the tolerance: the replay tells the two apart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "datasets.hpp"
#include "layers/reference.hpp"

namespace tg = typegrad;

namespace {

using mlp = tg::sequential<tg::Linear<4, 8>, tg::BatchNorm1d<8>, tg::ReLU, tg::Linear<8, 3>>;
constexpr auto mlp_loss = tg::cross_entropy(mlp{}(tg::input<"x", 4>), tg::class_target<"y", 3>);
using cnn = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 4, 3>, tg::BatchNorm2d<4>, tg::ReLU, tg::Flatten,
                           tg::Linear<144, 10>>;
constexpr auto cnn_loss = tg::cross_entropy(cnn{}(tg::input<"x", 64>), tg::class_target<"y", 10>);

template <class T>
tg::data::basic_dataset<T> golden(const std::string& name) {
    return typegrad_test::converted<T>(
        tg::data::read_csv<float>(std::filesystem::path(TYPEGRAD_GOLDEN_DATA_DIR) / name));
}

// The largest |got - want| / (atol + rtol |want|) over the pairs: at most 1 is within tolerance.
double worst(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol) {
    REQUIRE(got.size() == want.size());
    double w = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        w = std::max(w, std::fabs(got[i] - want[i]) / (atol + rtol * std::fabs(want[i])));
    return w;
}

// Trains case c's model in T from its initial values; with `coupled` false each step's gradient is
// the evaluation-mode one. Returns the losses of the steps.
template <class Loss, class T>
std::vector<double> run(const nlohmann::json& c, tg::Parameters<Loss, T>& params, bool coupled) {
    typegrad_test::set_parameters(params, c.at("init"));
    const auto data = golden<T>(c.at("data").get<std::string>());
    const std::size_t rows = c.at("rows").get<std::size_t>(), batch = c.at("batch").get<std::size_t>();
    tg::Trainer<Loss, tg::SGD, T> trainer{params, {.lr = c.at("lr").get<double>(), .momentum = 0.9}};
    using program = tg::autodiff::program<Loss, T>;
    std::vector<typename program::lane> scratch(program::scratch_size);
    std::vector<double> losses;
    for (std::size_t first = 0; first < rows; first += batch) {
        const tg::data::batch_view<T> b(data, first, std::min(batch, rows - first));
        trainer.zero_grad();
        if (coupled) {
            losses.push_back(trainer.backward(b));
        } else {
            const auto r = tg::data::feed<typename program::input, typename program::target>(b, "uncoupled");
            losses.push_back(program::backward(params.values().data(), params.grads().data(), scratch.data(), r));
        }
        trainer.step();
    }
    return losses;
}

template <class Loss, class T>
void replay(const char* name) {
    const auto reference = typegrad_test::read_reference("batchnorm.json");
    const nlohmann::json* found = nullptr;
    for (const auto& c : reference.at("cases"))
        if (c.at("name") == name)
            found = &c;
    REQUIRE(found);
    const auto& c = *found;
    const bool is_float = std::is_same_v<T, float>;
    const auto& want = c.at(is_float ? "float32" : "float64");
    // float: the recording's tolerances (from the float32 run's distance to the float64 one);
    // double: torch's float64 run, apart from the order of the sums.
    const double rtol = is_float ? c.at("rtol").get<double>() : 1e-9,
                 atol = is_float ? c.at("atol").get<double>() : 1e-12;
    INFO(name << (is_float ? " float" : " double"));

    tg::Parameters<Loss, T> params;
    const auto losses = run(c, params, true);
    const auto torch_losses = typegrad_test::numbers(want.at("losses"));
    CHECK(worst(losses, torch_losses, rtol, atol) <= 1);
    for (const auto& info : params.info()) {
        INFO("final " << info.name);
        const auto got = params.value(info.name);
        CHECK(worst(std::vector<double>(got.begin(), got.end()),
                    typegrad_test::numbers(want.at("final_params").at(std::string(info.name))), rtol, atol) <= 1);
    }
    for (const auto& b : tg::Parameters<Loss, T>::buffer_layout::slots) {
        const std::string layer(b.layer);
        INFO("buffers of " << layer);
        const auto mean = params.running_mean(layer), var = params.running_var(layer);
        CHECK(worst(std::vector<double>(mean.begin(), mean.end()),
                    typegrad_test::numbers(want.at("buffers").at(layer + ".running_mean")), rtol, atol) <= 1);
        CHECK(worst(std::vector<double>(var.begin(), var.end()),
                    typegrad_test::numbers(want.at("buffers").at(layer + ".running_var")), rtol, atol) <= 1);
        CHECK(params.num_batches_tracked(layer) == want.at("buffers").at(layer + ".num_batches_tracked").get<double>());
    }
    // model.eval(): the loss over the rows trained on, with the running statistics.
    const auto data = golden<T>(c.at("data").get<std::string>());
    tg::Trainer<Loss, tg::SGD, T> trainer{params, {.lr = 0.0}};
    const T eval = trainer.loss(tg::data::batch_view<T>(data, 0, c.at("rows").get<std::size_t>()));
    CHECK(worst({double(eval)}, {typegrad_test::number(want.at("eval_loss"))}, rtol, atol) <= 1);

    // The batch coupling dropped: the losses miss by more than ten times the tolerance.
    tg::Parameters<Loss, T> uncoupled;
    const auto off = run(c, uncoupled, false);
    CHECK(worst(off, torch_losses, rtol, atol) > 10);
}

}  // namespace

TEMPLATE_TEST_CASE("BatchNorm1d replays torch's training of an MLP on iris", "[batchnorm]", float, double) {
    replay<std::remove_cv_t<decltype(mlp_loss)>, TestType>("mlp");
}

TEMPLATE_TEST_CASE("BatchNorm2d replays torch's training of a convolution on digits", "[batchnorm]", float, double) {
    replay<std::remove_cv_t<decltype(cnn_loss)>, TestType>("cnn");
}
