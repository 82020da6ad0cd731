// Headers written by tg::export_header (by deploy_generate, at build time): their predictions in
// constant expressions against PyTorch 1.13's, at run time against tg::predict over many random
// inputs, and export_header's run-time errors.
#include <typegrad/deploy/export_header.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "branches.hpp"
#include "diabetes_emb.hpp"
#include "digits_bn.hpp"
#include "digits_cnn.hpp"
#include "digits_cnn_part.hpp"
#include "iris_bn.hpp"
#include "iris_bn_double.hpp"
#include "iris_bn_part.hpp"
#include "linreg.hpp"
#include "mlp.hpp"
#include "models.hpp"
#include "rect.hpp"
#include "rect_double.hpp"
#include "rect_edges.hpp"
#include "rect_edges_double.hpp"
#include "signal_1d.hpp"
#include "zoo_a.hpp"
#include "zoo_b.hpp"
#include "zoo_b_double.hpp"
#include "zoo_c.hpp"
#include "zoo_d.hpp"

namespace tg = typegrad;
namespace dm = deploy_models;
using namespace tg::literals;

namespace {

// The diabetes data's first row, raw (sex 2, the second row of the table), computed by the compiler.
constexpr std::array<float, 10> diabetes_row0 = {59.0f, 2.0f,  32.1f, 101.0f,  157.0f,
                                                 93.2f, 38.0f, 4.0f,  4.8598f, 87.0f};
constexpr std::array<float, 1> deployed_diabetes_row0 = diabetes_emb::predict(diabetes_row0);
static_assert(diabetes_emb::standardizes && deployed_diabetes_row0[0] == deployed_diabetes_row0[0]);
static_assert(iris_bn::predict({0.5f, -1.25f, 2.0f, 0.75f})[2] == iris_bn::predict({0.5f, -1.25f, 2.0f, 0.75f})[2]);

// From `/usr/bin/python3 tests/deploy/reference.py` (torch 1.13.0, float32):
// mlp(0.5, -1.25, 2.0, 0.75)
constexpr float torch_mlp[3] = {-0.2791234850883484f, 0.5638632774353027f, -0.2603026032447815f};
// linreg(3.0, 14.0, 25.5, 5.0), raw features
constexpr float torch_linreg = -0.39413416385650635f;

constexpr bool close(float got, float want, float rel = 1e-5f) {
    const float d = got - want, scale = want < 0 ? -want : want;
    return (d < 0 ? -d : d) <= rel * (scale > 1 ? scale : 1);
}

// The deployed predictions, computed by the compiler.
constexpr std::array<float, 3> deployed_mlp = mlp::predict({0.5f, -1.25f, 2.0f, 0.75f});
static_assert(close(deployed_mlp[0], torch_mlp[0]) && close(deployed_mlp[1], torch_mlp[1]) &&
              close(deployed_mlp[2], torch_mlp[2]));
static_assert(close(linreg::predict({3.0f, 14.0f, 25.5f, 5.0f})[0], torch_linreg));
static_assert(mlp::inputs == 4 && mlp::outputs == 3 && !mlp::standardizes && linreg::standardizes);
static_assert(std::is_same_v<zoo_b_double::value_type, double> && zoo::scalar::outputs == 1);

// rect(0.5, -1.25, 2.0, 0.75) and rect(-3.0, 1.5, -0.25, 2.5): GELU, GELU tanh, SiLU, ELU 0.5 and
// LeakyReLU 0.2 between Linear layers, each seeing both signs; outputs below 1, so 1e-6 absolute.
constexpr float torch_rect[3] = {-0.004676163196563721f, 0.03622664138674736f, 0.24001522362232208f};
constexpr float torch_rect_b[3] = {-0.006347090005874634f, 0.034829214215278625f, 0.24279560148715973f};
constexpr std::array<float, 3> deployed_rect = rect::predict({0.5f, -1.25f, 2.0f, 0.75f});
constexpr std::array<float, 3> deployed_rect_b = rect::predict({-3.0f, 1.5f, -0.25f, 2.5f});
static_assert(close(deployed_rect[0], torch_rect[0], 1e-6f) && close(deployed_rect[1], torch_rect[1], 1e-6f) &&
              close(deployed_rect[2], torch_rect[2], 1e-6f));
static_assert(close(deployed_rect_b[0], torch_rect_b[0], 1e-6f) && close(deployed_rect_b[1], torch_rect_b[1], 1e-6f) &&
              close(deployed_rect_b[2], torch_rect_b[2], 1e-6f));

// The ops of rect_edges, in the order of its outputs: their own forward is what the header matches.
using rect_ops =
    tg::type_list<decltype(tg::gelu(dm::rect_edges_x))::op, decltype(tg::gelu<"tanh">(dm::rect_edges_x))::op,
                  decltype(tg::silu(dm::rect_edges_x))::op, decltype(tg::elu(dm::rect_edges_x))::op,
                  decltype(tg::elu(dm::rect_edges_x, 0.30000000000000004_c))::op,
                  decltype(tg::leaky_relu(dm::rect_edges_x))::op,
                  decltype(tg::leaky_relu(dm::rect_edges_x, 0.30000000000000004_c))::op>;

template <class T>
constexpr bool sign_bit(T v) {
    if constexpr (sizeof(T) == 4)
        return (std::bit_cast<std::uint32_t>(v) >> 31) != 0;
    else
        return (std::bit_cast<std::uint64_t>(v) >> 63) != 0;
}
//! Whether the deployed `got` is the op's `want`: both NaN, or equal with the same sign (±0 and ±inf
//! told apart), or both finite and within `tol` (absolute below 1, relative above).
template <class T>
constexpr bool same(T got, T want, T tol) {
    if (got != got || want != want)
        return got != got && want != want;
    if (got == want)
        return sign_bit(got) == sign_bit(want);
    const T inf = std::numeric_limits<T>::infinity();
    if (got == inf || got == -inf || want == inf || want == -inf)
        return false;
    const T d = got < want ? want - got : got - want, scale = want < 0 ? -want : want;
    return d <= tol * (scale > 1 ? scale : 1);
}
//! Whether every output of the deployed rect_edges `y` for the inputs `x` is its op's forward of x.
template <class T, std::size_t N, std::size_t M>
constexpr bool edges_as_the_ops(const std::array<T, N>& x, const std::array<T, M>& y, T tol) {
    static_assert(M == 7 * N);
    bool ok = true;
    std::size_t block = 0;
    [&]<class... Ops>(tg::type_list<Ops...>) {
        ((
             ok = ok &&
                  [&] {
                      for (std::size_t i = 0; i < N; ++i)
                          if (!same(y[block * N + i], static_cast<T>(Ops::f(x[i])), tol))
                              return false;
                      return true;
                  }(),
             ++block),
         ...);
    }(rect_ops{});
    return ok;
}

// At their edges, computed by the compiler: ±0 (gelu, gelu tanh, silu and leaky_relu keep -0, elu
// gives +0 as the op), -2⁻²⁷ (elu 0 in float: eˣ rounds to 1 first), ±1, ±120 (gelu's tails -0
// and x), +inf. No input here makes a NaN, which Clang does not evaluate in constant expressions.
constexpr std::array<float, dm::rect_width> rect_edge_x = {
    0.0f, -0.0f, -0x1p-27f, 1.0f, -1.0f, -120.0f, 120.0f, std::numeric_limits<float>::infinity()};
constexpr std::array<float, 7 * dm::rect_width> deployed_rect_edges = rect_edges::predict(rect_edge_x);
static_assert(edges_as_the_ops(rect_edge_x, deployed_rect_edges, 1e-6f));
static_assert(sign_bit(deployed_rect_edges[1]) && !sign_bit(deployed_rect_edges[3 * 8 + 1]) &&
              deployed_rect_edges[3 * 8 + 2] == 0.0f && sign_bit(deployed_rect_edges[5]) &&
              deployed_rect_edges[6] == 120.0f);
constexpr std::array<double, dm::rect_width> rect_edge_x64 = {
    0.0, -0.0, -0x1p-27, 1.0, -1.0, -120.0, 120.0, std::numeric_limits<double>::infinity()};
static_assert(edges_as_the_ops(rect_edge_x64, rect_edges_double::predict(rect_edge_x64), 1e-14));
// The constants, every digit: -1 · 0.30000000000000004 exactly.
static_assert(rect_edges_double::predict(rect_edge_x64)[6 * 8 + 4] == -dm::rect_constant);

template <std::size_t In, class T>
std::vector<T> random_rows(std::size_t rows, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> uniform(-3.0, 3.0);
    std::vector<T> v(rows * In);
    for (auto& e : v)
        e = static_cast<T>(uniform(rng));
    return v;
}

template <std::size_t In, class T>
tg::data::basic_dataset<T> as_dataset(std::vector<T> features) {
    std::vector<std::string> names;
    for (std::size_t c = 0; c < In; ++c)
        names.push_back("f" + std::to_string(c));
    return tg::data::basic_dataset<T>(std::move(names), std::move(features));
}

//! The largest |deployed predict - tg::predict| over the rows of `raw` (standardised by `scaler`
//! for tg::predict when given), printed with `what`.
template <std::size_t In, std::size_t Out, class T, class Predict, class Model, class P>
double max_difference(const char* what, Predict predict, Model model, const P& params, const std::vector<T>& raw,
                      const tg::data::standardizer<T>* scaler = nullptr) {
    auto data = as_dataset<In>(raw);
    const std::vector<T> want = tg::predict(model, params, scaler ? scaler->apply(data) : data);
    const std::size_t rows = raw.size() / In;
    double worst = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        std::array<T, In> x{};
        std::copy_n(raw.data() + r * In, In, x.begin());
        const std::array<T, Out> got = predict(x);
        for (std::size_t j = 0; j < Out; ++j)
            worst = std::max(worst, std::fabs(static_cast<double>(got[j]) - static_cast<double>(want[r * Out + j])));
    }
    std::printf("deploy: %-14s max |deployed - tg::predict| over %zu rows: %.3g\n", what, rows, worst);
    return worst;
}

}  // namespace

TEST_CASE("deployed models predict as tg::predict does, on many random inputs") {
    constexpr std::size_t rows = 2000;
    tg::Parameters mlp_params{dm::mlp_loss};
    dm::set_fixed_weights(mlp_params);
    CHECK(max_difference<4, 3>("mlp", mlp::predict, dm::mlp, mlp_params, random_rows<4, float>(rows, 1)) <= 1e-5);

    tg::Parameters linreg_params{dm::linreg_loss};
    dm::set_fixed_weights(linreg_params);
    const auto scaler = tg::data::standardizer<float>::fit(dm::linreg_data());
    std::vector<float> raw = random_rows<4, float>(rows, 2);
    for (std::size_t i = 0; i < raw.size(); ++i)
        raw[i] = raw[i] * 4.0f + 10.0f * static_cast<float>(i % 4);  // near the data's own scale
    CHECK(max_difference<4, 1>("linreg (std)", linreg::predict, dm::linreg, linreg_params, raw, &scaler) <= 1e-5);

    tg::Parameters zoo{dm::zoo_loss};
    tg::init::torch_default(zoo, 7);
    const std::vector<float> x = random_rows<5, float>(rows, 3);
    CHECK(max_difference<5, 6>("zoo_a", zoo_a::predict, dm::zoo_a, zoo, x) <= 1e-5);
    CHECK(max_difference<5, 4>("zoo_b", zoo_b::predict, dm::zoo_b, zoo, x) <= 1e-4);  // values up to ~40
    CHECK(max_difference<5, 1>("zoo_c", zoo::scalar::predict, dm::zoo_c, zoo, x) <= 1e-5);

    tg::Parameters norm{dm::zoo_d_loss};
    dm::set_fixed_weights(norm);
    CHECK(max_difference<5, 6>("zoo_d", zoo_d::predict, dm::zoo_d, norm, x) <= 1e-5);
    tg::Parameters branches_params{dm::branches_loss};
    tg::init::torch_default(branches_params, 5);
    CHECK(max_difference<4, 2>("branches", branches::predict, dm::branches, branches_params,
                               random_rows<4, float>(rows, 4)) <= 1e-5);

    tg::Parameters<decltype(dm::zoo_loss), double> zoo64;
    tg::init::torch_default(zoo64, 7);
    CHECK(max_difference<5, 4>("zoo_b double", zoo_b_double::predict, dm::zoo_b, zoo64,
                               random_rows<5, double>(rows, 3)) <= 1e-12);
}

TEST_CASE("deployed relu variants (GELU both forms, SiLU, ELU, LeakyReLU) predict as tg::predict does") {
    constexpr std::size_t rows = 2000;
    tg::Parameters rect_params{dm::rect_loss};
    dm::set_fixed_weights(rect_params);
    CHECK(max_difference<4, 3>("rect", rect::predict, dm::rect, rect_params, random_rows<4, float>(rows, 9)) <= 1e-5);
    tg::Parameters<decltype(dm::rect_loss), double> rect64;
    dm::set_fixed_weights(rect64);
    CHECK(max_difference<4, 3>("rect double", rect_double::predict, dm::rect, rect64,
                               random_rows<4, double>(rows, 9)) <= 1e-12);

    // The ops on the input itself over [-12, 12]: gelu's tails included (in float the op's is -0 below
    // x = -5.54, where 1 + erf rounds to 0; the header's, in double, is x Φ(x) there).
    std::vector<float> x = random_rows<dm::rect_width, float>(rows, 10);
    for (auto& e : x)
        e *= 4.0f;
    tg::Parameters edges{dm::rect_edges_loss};
    CHECK(max_difference<dm::rect_width, 7 * dm::rect_width>("rect_edges", rect_edges::predict, dm::rect_edges, edges,
                                                             x) <= 1e-5);
    tg::Parameters<decltype(dm::rect_edges_loss), double> edges64;
    CHECK(max_difference<dm::rect_width, 7 * dm::rect_width>("rect_edges double", rect_edges_double::predict,
                                                             dm::rect_edges, edges64,
                                                             std::vector<double>(x.begin(), x.end())) <= 1e-12);
}

TEST_CASE("deployed relu variants keep their op's NaN, infinities and signed zeros, and their constants' digits") {
    // Inputs tg::predict's data check would refuse (NaN, ±inf) and the tails: against the ops' own
    // forward at run time. -88.8 and -100: silu's e⁻ˣ overflows float in the op (-0), not in the
    // header's double (a subnormal); -1e30: gelu tanh's x³ overflows float in the op.
    constexpr float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const std::array<std::array<float, dm::rect_width>, 3> inputs{{
        {nan, -inf, inf, -0.0f, 0.0f, -0x1p-27f, 0x1p-140f, -0x1p-140f},
        {-88.8f, -100.0f, -1e30f, 1e30f, -6.0f, -5.5f, 3.4e38f, -3.4e38f},
        {-0.75f, 0.75f, -2.5f, 2.5f, -15.0f, 15.0f, -40.0f, 1e-20f},
    }};
    for (const auto& in : inputs) {
        CHECK(edges_as_the_ops(in, rect_edges::predict(in), 1e-6f));
        std::array<double, dm::rect_width> in64{};
        std::copy(in.begin(), in.end(), in64.begin());
        CHECK(edges_as_the_ops(in64, rect_edges_double::predict(in64), 1e-14));
    }
    // NaN through each; -inf to NaN (gelu, gelu tanh, silu), -α (elu), -inf (leaky_relu), as the ops.
    const auto y = rect_edges::predict(inputs[0]);
    for (std::size_t op = 0; op < 7; ++op) {
        CHECK(std::isnan(y[op * 8]));
        CHECK(std::isnan(y[op * 8 + 1]) == (op < 3));
    }
    CHECK(y[3 * 8 + 1] == -1.0f);
    CHECK(y[6 * 8 + 1] == -inf);

    // In double the constants' bits come through: 0.30000000000000004_c and torch's 0.01.
    const auto y64 = rect_edges_double::predict({-1.0, -std::numeric_limits<double>::infinity(), 0, 0, 0, 0, 0, 0});
    CHECK(y64[4 * 8 + 1] == -dm::rect_constant);
    CHECK(y64[6 * 8] == -dm::rect_constant);
    CHECK(y64[5 * 8] == -0.01);
    CHECK(-dm::rect_constant != -0.3);  // so the last digit is needed

    tg::Parameters<decltype(dm::rect_edges_loss), double> edges64;
    const std::string text = tg::header_source(dm::rect_edges, edges64);
    CHECK(text.find("//   v10 [8] = leaky_relu(x)") != std::string::npos);
    CHECK(text.find("value_type(0.30000000000000004)") != std::string::npos);
    CHECK(text.find("constexpr double erf(") != std::string::npos);
    CHECK(text.find("constexpr double log(") == std::string::npos);  // only the math the ops call
}

//! `params` with the values and running statistics the generator trained (dm::write_state).
template <class P>
void read_trained(const char* name, P& params) {
    dm::read_state(std::string(TYPEGRAD_DEPLOY_GENERATED) + "/" + name + ".state", params);
}

//! Whether the header's arrays hold exactly the trained values: `arrays` the header's, in the order
//! of the parameters, then running_mean and running_var of each batch normalisation.
template <class P, std::size_t N>
void check_written(const P& params, const std::array<const typename P::value_type*, N>& arrays) {
    std::size_t a = 0;
    for (const auto& info : P::info()) {
        INFO(info.name);
        const auto v = params.value(info.name);
        REQUIRE(a < N);
        CHECK(std::equal(v.begin(), v.end(), arrays[a++]));
    }
    for (const auto& b : P::buffer_layout::slots) {
        const std::string layer(b.layer);
        INFO(layer);
        REQUIRE(a + 1 < N);
        const auto mean = params.running_mean(layer), var = params.running_var(layer);
        CHECK(std::equal(mean.begin(), mean.end(), arrays[a++]));
        CHECK(std::equal(var.begin(), var.end(), arrays[a++]));
        // Trained: the statistics moved from their initial 0 and 1.
        CHECK(params.num_batches_tracked(layer) > 0);
        CHECK(std::any_of(var.begin(), var.end(), [](auto e) { return e != 1; }));
    }
    CHECK(a == N);
}

TEST_CASE("deployed batch normalisations predict as tg::predict does in evaluation, on iris and digits") {
    const auto iris = dm::read_data("iris_std.csv");
    const std::vector<float> iris_rows(iris.features().begin(), iris.features().end());

    tg::Parameters iris_bn_params{dm::iris_bn_loss};
    read_trained("iris_bn", iris_bn_params);
    check_written(iris_bn_params,
                  std::array{iris_bn::layer0_weight, iris_bn::layer0_bias, iris_bn::layer1_weight, iris_bn::layer1_bias,
                             iris_bn::layer3_weight, iris_bn::layer3_bias, iris_bn::layer4_weight, iris_bn::layer4_bias,
                             iris_bn::layer6_weight, iris_bn::layer6_bias, iris_bn::layer1_running_mean,
                             iris_bn::layer1_running_var, iris_bn::layer4_running_mean, iris_bn::layer4_running_var});
    CHECK(max_difference<4, 3>("iris_bn", iris_bn::predict, dm::iris_bn, iris_bn_params, iris_rows) <= 1e-5);
    CHECK(max_difference<4, 3>("iris_bn random", iris_bn::predict, dm::iris_bn, iris_bn_params,
                               random_rows<4, float>(2000, 5)) <= 1e-5);
    // The normalisation itself computes as typegrad's evaluation does, to the bit (the part is
    // iris_bn's own nodes: else its export would not compile, its running statistics not held).
    CHECK(max_difference<4, 8>("iris_bn_part", iris_bn_part::predict, dm::iris_bn_part, iris_bn_params, iris_rows) ==
          0);

    // The header names the running statistics and passes them to the normalisation; a non-finite
    // one is refused as a parameter is.
    const std::string text = tg::header_source(dm::iris_bn, iris_bn_params);
    CHECK(text.find("//   4.running_var [6] as layer4_running_var\n") != std::string::npos);
    CHECK(text.find("= batch_norm(v4, layer1_weight, layer1_bias, layer1_running_mean, layer1_running_var)") !=
          std::string::npos);
    iris_bn_params.running_var("4")[2] = std::numeric_limits<float>::infinity();
    CHECK_THROWS_WITH(tg::header_source(dm::iris_bn, iris_bn_params),
                      "typegrad: export_header: the running statistic '4.running_var' holds a non-finite value at "
                      "index 2; a deployed model needs finite numbers");

    tg::Parameters<decltype(dm::iris_bn_loss), double> iris_bn64;
    read_trained("iris_bn_double", iris_bn64);
    CHECK(iris_bn64.running_var("4")[0] == iris_bn_double::layer4_running_var[0]);
    CHECK(max_difference<4, 3>("iris_bn double", iris_bn_double::predict, dm::iris_bn, iris_bn64,
                               std::vector<double>(iris_rows.begin(), iris_rows.end())) <= 1e-12);

    tg::Parameters digits_bn_params{dm::digits_bn_loss};
    read_trained("digits_bn", digits_bn_params);
    check_written(digits_bn_params,
                  std::array{digits_bn::layer0_weight, digits_bn::layer0_bias, digits_bn::layer2_weight,
                             digits_bn::layer2_bias, digits_bn::layer5_weight, digits_bn::layer5_bias,
                             digits_bn::layer2_running_mean, digits_bn::layer2_running_var});
    const auto digits = dm::read_data("digits_std.csv");
    CHECK(max_difference<64, 10>("digits_bn", digits_bn::predict, dm::digits_bn, digits_bn_params,
                                 std::vector<float>(digits.features().begin(), digits.features().end())) <= 1e-5);

    tg::Parameters digits_cnn_params{dm::digits_cnn_loss};
    read_trained("digits_cnn", digits_cnn_params);
    check_written(digits_cnn_params,
                  std::array{digits_cnn::layer1_weight, digits_cnn::layer1_bias, digits_cnn::layer2_weight,
                             digits_cnn::layer2_bias, digits_cnn::layer5_weight, digits_cnn::layer8_weight,
                             digits_cnn::layer8_bias, digits_cnn::layer2_running_mean, digits_cnn::layer2_running_var});
    CHECK(max_difference<64, 10>("digits_cnn", digits_cnn::predict, dm::digits_cnn, digits_cnn_params,
                                 std::vector<float>(digits.features().begin(), digits.features().end())) <= 1e-5);
    // The convolutions, the normalisation, the ReLU and the poolings give typegrad's bits; the last
    // Linear sums its 48 products in another order than typegrad's kernel, a few ulps apart.
    CHECK(max_difference<64, 3>("digits_cnn_part", digits_cnn_part::predict, dm::digits_cnn_part, digits_cnn_params,
                                std::vector<float>(digits.features().begin(), digits.features().end())) == 0);

    // A 1d convolution and poolings over a signal, on random rows: typegrad's bits too.
    tg::Parameters signal_params{dm::signal_1d_loss};
    tg::init::torch_default(signal_params, 8);
    CHECK(max_difference<64, 6>("signal_1d", signal_1d::predict, dm::signal_1d, signal_params,
                                random_rows<64, float>(500, 6)) == 0);
}

TEST_CASE("a deployed embedding reads its index from a raw column, as tg::predict does") {
    const auto diabetes = dm::read_data("diabetes.csv", /*examples=*/true);
    const auto scaler = dm::diabetes_scaler(diabetes);
    tg::Parameters params{dm::diabetes_emb_loss};
    read_trained("diabetes_emb", params);
    check_written(params,
                  std::array{diabetes_emb::layer0_branches_0_1_weight, diabetes_emb::layer1_weight,
                             diabetes_emb::layer1_bias, diabetes_emb::layer3_weight, diabetes_emb::layer3_bias});
    CHECK(diabetes_emb::feature_mean[dm::diabetes_sex] == 1.0);
    const std::vector<float> rows(diabetes.features().begin(), diabetes.features().end());
    CHECK(max_difference<10, 1>("diabetes_emb", diabetes_emb::predict, dm::diabetes_emb, params, rows, &scaler) <=
          1e-5);

    // The constant-evaluated prediction is the run-time one.
    CHECK(diabetes_emb::predict(diabetes_row0)[0] == deployed_diabetes_row0[0]);
    // The two rows of the table give two predictions; an index outside it (sex 3, 1.5, 0) gives NaN,
    // as typegrad's op does (tg::predict stops at its data check instead).
    std::array<float, 10> row = diabetes_row0;
    row[dm::diabetes_sex] = 1.0f;
    CHECK(diabetes_emb::predict(row)[0] != deployed_diabetes_row0[0]);
    for (float sex : {3.0f, 1.5f, 0.0f}) {
        row[dm::diabetes_sex] = sex;
        CHECK(std::isnan(diabetes_emb::predict(row)[0]));
    }
}

TEST_CASE("the deployed regression standardises raw features as the standardizer does") {
    const auto data = dm::linreg_data();
    const auto scaler = tg::data::standardizer<float>::fit(data);
    REQUIRE(scaler.std[3] == 0.0);
    for (std::size_t c = 0; c < 4; ++c) {
        CHECK(linreg::feature_mean[c] == scaler.mean[c]);  // every digit written
        CHECK(linreg::feature_std[c] == scaler.std[c]);
    }
    // A change in the constant column changes nothing: its standardised value is 0.
    CHECK(linreg::predict({3.0f, 14.0f, 25.5f, 5.0f})[0] == linreg::predict({3.0f, 14.0f, 25.5f, -80.0f})[0]);
}

TEST_CASE("the weights are written with every digit: they read back exactly") {
    tg::Parameters params{dm::mlp_loss};
    dm::set_fixed_weights(params);
    const auto w = params.value<"2.weight">();
    for (std::size_t k = 0; k < w.size(); ++k)
        CHECK(mlp::layer2_weight[k] == w[k]);
    tg::Parameters zoo{dm::zoo_loss};
    tg::init::torch_default(zoo, 7);  // values with all 24 bits of their significand
    const auto b = zoo.value<"b.weight">();
    for (std::size_t k = 0; k < b.size(); ++k)
        CHECK(zoo_b::b_weight[k] == b[k]);
}

TEST_CASE("export_header: errors name the path, the parameter, the option") {
    tg::Parameters params{dm::mlp_loss};
    dm::set_fixed_weights(params);
    const std::filesystem::path missing = std::filesystem::temp_directory_path() / "typegrad-no-such-dir" / "m.hpp";
    CHECK_THROWS_WITH(tg::export_header(missing, dm::mlp, params),
                      "typegrad: export_header: cannot write the header '" + missing.string() + "'");
    CHECK_THROWS_WITH(tg::header_source(dm::mlp, params, {.namespace_name = "not a name"}),
                      Catch::Contains("the namespace name 'not a name' is not a C++ identifier"));
    CHECK_THROWS_AS(tg::header_source(dm::mlp, params, {.namespace_name = "int"}), std::invalid_argument);
    CHECK_NOTHROW(tg::header_source(dm::mlp, params, {.namespace_name = "a::b2"}));

    params.value<"0.bias">()[5] = std::nanf("");
    CHECK_THROWS_WITH(tg::header_source(dm::mlp, params),
                      "typegrad: export_header: the parameter '0.bias' holds a non-finite value at index 5; a "
                      "deployed model needs finite numbers");

    tg::Parameters linreg{dm::linreg_loss};
    const auto narrow = tg::data::standardizer<float>{{0.0, 1.0}, {1.0, 1.0}};
    CHECK_THROWS_WITH(tg::header_source(dm::linreg, linreg, narrow),
                      "typegrad: export_header: the standardizer has 2 feature columns, the model's input 'x' has 4 "
                      "features");
}

TEST_CASE("export_header: the namespace comes from the file name, and the header says what it holds") {
    tg::Parameters params{dm::mlp_loss};
    dm::set_fixed_weights(params);
    const auto dir = std::filesystem::temp_directory_path();
    const auto path = dir / "typegrad-deploy-iris-mlp.hpp";
    tg::export_header(path, dm::mlp, params);
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
    CHECK(text.starts_with("#pragma once\n// Generated by typegrad"));
    CHECK(text.find("namespace typegrad_deploy_iris_mlp {") != std::string::npos);
    CHECK(text.find("//   0.weight [8, 4] as layer0_weight") != std::string::npos);
    CHECK(text.find("//   v5 [8] = tanh(v4)") != std::string::npos);
    CHECK(text.find("#include <array>\n#include <cstddef>\n\n") != std::string::npos);
    CHECK(text.find("#include", text.find("#include <cstddef>") + 1) == std::string::npos);
    // Only the math the model calls: tanh (and what it calls), no log, no sqrt.
    CHECK(text.find("constexpr double tanh(") != std::string::npos);
    CHECK(text.find("constexpr double log(") == std::string::npos);
    CHECK(text.find("constexpr double sqrt(") == std::string::npos);
}
