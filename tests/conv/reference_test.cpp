// Replays tests/conv/reference/conv.json (torch 1.13, see record_reference.py).
//
// "ops": each convolution and pool on one sample, in float64 and float32: the output and the
// gradients of sum(y * g) for the input, weight and bias. The input is made a parameter (viewed as
// an image), so that one backward gives every gradient, and the output is the gradient of the
// upstream vector g. float64 must agree to 1e-12 (relative, with the same margin), float32 to 1e-5:
// typegrad sums the taps in another order than torch's kernels, so only rounding may differ. Pool
// inputs are small integers, so windows hold ties and the max-pool gradient must land where torch's
// does (a misplaced unit would miss by 1).
//
// "cnn": a small CNN on the first rows of the digits, trained by Adam from torch's initial
// parameters, each step's loss and the final parameters against torch's (float64: losses 1e-9
// relative, parameters 1e-7; float32 1e-4, the rounding of 24 Adam steps).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/typegrad.hpp>

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tg = typegrad;
using json = nlohmann::json;

namespace {

const json& reference() {
    static const json j = [] {
        std::ifstream in(std::string(TYPEGRAD_CONV_DIR) + "/reference/conv.json");
        return json::parse(in);
    }();
    return j;
}

template <class T>
constexpr double tolerance = std::is_same_v<T, double> ? 1e-12 : 1e-5;

template <class Span>
void load(Span dst, const json& values) {
    REQUIRE(values.size() == dst.size());
    for (std::size_t i = 0; i < dst.size(); ++i)
        dst[i] = static_cast<typename Span::value_type>(values[i].get<double>());
}

template <class Span>
void compare(const char* what, Span got, const json& want, double tol) {
    REQUIRE(want.size() == got.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(what << " element " << i);
        CHECK(double(got[i]) == Approx(want[i].get<double>()).epsilon(tol).margin(tol));
    }
}

// One op case: the loss is dot(flatten(op(view(x))), g), x and g parameters.
template <class T, class Loss>
void replay_op(const std::string& name, Loss loss) {
    const json& c = reference().at("ops").at(name);
    const json& r = c.at(std::is_same_v<T, double> ? "float64" : "float32");
    tg::Parameters<Loss, T> params;
    // The recording's names: the parameter "c.weight" is "weight", its gradient "dweight".
    const auto key = [](std::string_view name) { return std::string(name.starts_with("c.") ? name.substr(2) : name); };
    const auto grad_key = [&](std::string_view name) {
        std::string k = name == "g" ? "y" : "d";
        if (name != "g")
            k += key(name);
        return k;
    };
    for (const auto& p : params.info())
        load(params.value(p.name), c.at(key(p.name)));
    tg::backward(loss, params);
    for (const auto& p : params.info())
        compare(grad_key(p.name).c_str(), params.grad(p.name), r.at(grad_key(p.name)), tolerance<T>);
}

template <class E>
constexpr auto against(E e) {
    return tg::dot(tg::flatten(e), tg::param<"g", tg::size_of<E>>);
}

constexpr auto image = tg::view<2, 6, 5>(tg::param<"x", 60>);
constexpr auto signal = tg::view<2, 9>(tg::param<"x", 18>);

template <class T>
void replay_ops() {
    replay_op<T>("conv2d", against(tg::conv2d<"c", 2, 3, 3, 1, 1>(image)));
    replay_op<T>("conv2d_strided_dilated",
                 against(tg::conv2d<"c", 2, 2, 3, 2, 2, 2, false>(tg::view<2, 7, 6>(tg::param<"x", 84>))));
    replay_op<T>("conv1d", against(tg::conv1d<"c", 2, 3, 3, 2, 1>(signal)));
    replay_op<T>("max_pool2d", against(tg::max_pool2d<2>(image)));
    replay_op<T>("max_pool2d_overlapping", against(tg::max_pool2d<3, 2, 1>(image)));
    replay_op<T>("avg_pool2d", against(tg::avg_pool2d<2>(image)));
    replay_op<T>("avg_pool2d_overlapping", against(tg::avg_pool2d<3, 2, 1>(image)));
    replay_op<T>("max_pool1d", against(tg::max_pool1d<3, 2, 1>(signal)));
    replay_op<T>("avg_pool1d", against(tg::avg_pool1d<2>(signal)));
    replay_op<T>("adaptive_avg_pool2d", against(tg::adaptive_avg_pool2d<1>(tg::view<3, 4, 5>(tg::param<"x", 60>))));
}

using cnn = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 4, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,
                           tg::Conv2d<4, 5, 3>, tg::ReLU, tg::Flatten, tg::Linear<20, 10>>;
constexpr auto cnn_loss = tg::cross_entropy(cnn{}(tg::input<"x", 64>), tg::class_target<"y", 10>);

template <class T>
void replay_cnn() {
    const json& c = reference().at("cnn");
    const json& r = c.at(std::is_same_v<T, double> ? "float64" : "float32");
    const auto data = tg::data::read_csv<T>(std::string(TYPEGRAD_GOLDEN_DATA_DIR) + "/digits_std.csv");
    REQUIRE(data.cols() == 64);
    tg::Parameters<std::remove_const_t<decltype(cnn_loss)>, T> params;
    for (const auto& p : params.info()) {
        const json& values = c.at("init").at(std::string(p.name));
        REQUIRE(values.size() == p.size);
        for (std::size_t i = 0; i < p.size; ++i)
            params.values()[p.offset + i] = static_cast<T>(values[i].get<double>());
    }
    tg::Trainer<std::remove_const_t<decltype(cnn_loss)>, tg::Adam, T> trainer{params, {.lr = c.at("lr").get<double>()}};
    const std::size_t rows = c.at("rows"), batch = c.at("batch"), steps = c.at("steps");
    const double tol = std::is_same_v<T, double> ? 1e-9 : 1e-4;
    // Adam divides each element's step by the root of its squared gradients, so an element whose
    // gradients are tiny (a relu unit off for most images) moves by steps whose rounding is relative
    // to those gradients, not to the value: in float64 two of 435 final values differ by 7e-9.
    const double param_tol = std::is_same_v<T, double> ? 1e-7 : 1e-4;
    for (std::size_t step = 0; step < steps; ++step) {
        const std::size_t first = (step * batch) % rows;
        trainer.zero_grad();
        const T loss = trainer.backward(tg::data::batch_view<T>(data, first, batch));
        INFO("step " << step);
        CHECK(double(loss) == Approx(r.at("losses")[step].get<double>()).epsilon(tol));
        trainer.step();
    }
    for (const auto& p : params.info()) {
        const json& values = r.at("final").at(std::string(p.name));
        std::vector<T> got(params.values().begin() + std::ptrdiff_t(p.offset),
                           params.values().begin() + std::ptrdiff_t(p.offset + p.size));
        compare(std::string(p.name).c_str(), std::span<const T>(got), values, param_tol);
    }
}

}  // namespace

TEST_CASE("conv: ops agree with torch 1.13 in float64", "[conv][torch]") { replay_ops<double>(); }
TEST_CASE("conv: ops agree with torch 1.13 in float32", "[conv][torch]") { replay_ops<float>(); }
TEST_CASE("conv: a small CNN's Adam trajectory on digits follows torch's (float64)", "[conv][torch]") {
    replay_cnn<double>();
}
TEST_CASE("conv: a small CNN's Adam trajectory on digits follows torch's (float32)", "[conv][torch]") {
    replay_cnn<float>();
}
