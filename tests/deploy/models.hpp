#pragma once
// The models the deploy tests export, with their parameters and data, shared by the generator that
// writes their headers at build time and by the tests that check those headers against typegrad.
// The MLP's and the regression's weights follow a fixed rule that reference.py repeats, so that
// PyTorch computes the same model; every value is a multiple of 1/128, exact in float and double.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace deploy_models {
namespace tg = typegrad;
using namespace tg::literals;

//! Element k of parameter number p: ((37 k + 11 p + 5) mod 101 - 50) / 128.
inline double fixed_weight(std::size_t p, std::size_t k) {
    return static_cast<double>(static_cast<long>((37 * k + 11 * p + 5) % 101) - 50) / 128.0;
}
//! Every parameter of `params` set by fixed_weight, parameter by parameter in torch's order.
template <class P>
void set_fixed_weights(P& params) {
    std::size_t p = 0;
    for (const auto& info : P::info()) {
        auto values = params.values();
        for (std::size_t k = 0; k < info.size; ++k)
            values[info.offset + k] = static_cast<typename P::value_type>(fixed_weight(p, k));
        ++p;
    }
}

// torch.nn.Sequential(Linear(4, 8), Tanh(), Linear(8, 3)).
constexpr auto mlp_x = tg::input<"x", 4>;
constexpr auto mlp = tg::sequential<tg::Linear<4, 8>, tg::Tanh, tg::Linear<8, 3>>{}(mlp_x);
constexpr auto mlp_loss = tg::cross_entropy(mlp, tg::class_target<"y", 3>);

// A linear regression on raw features, standardised by a standardizer fitted on linreg_data();
// its last column is constant, so its std is 0.
constexpr auto linreg_x = tg::input<"x", 4>;
constexpr auto linreg = tg::linear<"fc", 4, 1>(linreg_x);
constexpr auto linreg_loss = tg::mse(linreg, tg::target<"y">);

//! Eight rows of four features: column c of row r is (r (c + 2) mod 7) (c + 1) + 10 c, and 5 in the
//! last column.
inline tg::data::dataset linreg_data() {
    std::vector<float> features, targets;
    for (std::size_t r = 0; r < 8; ++r) {
        for (std::size_t c = 0; c < 3; ++c)
            features.push_back(static_cast<float>((r * (c + 2) % 7) * (c + 1) + 10 * c));
        features.push_back(5.0f);
        targets.push_back(static_cast<float>(r));
    }
    return tg::data::dataset({"a", "b", "c", "k"}, std::string("y"), std::move(features), std::move(targets));
}

// Models that between them use every op export_header writes, checked against tg::predict.
constexpr auto zoo_x = tg::input<"x", 5>;
constexpr auto zoo_h = tg::tanh(tg::linear<"a", 5, 6>(zoo_x));
// add, sub, mul, div, a constant, sigmoid, relu, softplus, softmax.
constexpr auto zoo_a = tg::softmax(zoo_h * tg::sigmoid(zoo_h) + tg::relu(zoo_h) - tg::softplus(zoo_h) / 2_c);
constexpr auto zoo_u = tg::linear<"b", 5, 4>(zoo_x);
// maximum, minimum, neg, square, clamp, abs, sqrt, pow (integer and real), exp, log, log_softmax.
constexpr auto zoo_b = tg::log_softmax(tg::max(zoo_u, -zoo_u * 0.5_c) + tg::min(tg::square(zoo_u), 1.5_c)) +
                       tg::clamp(zoo_u, -1_c, 1_c) * tg::sqrt(tg::abs(zoo_u) + 1_c) +
                       tg::pow(tg::abs(zoo_u) + 1_c, 2.5_c) - tg::pow<3>(zoo_u) * 0.25_c + tg::exp(-tg::square(zoo_u)) +
                       tg::log(tg::abs(zoo_u) + 0.5_c);
// Reductions to a scalar: logsumexp, dot, mean, sum; a parameter used as a value (not a layer's).
constexpr auto zoo_c = tg::logsumexp(zoo_u) + tg::dot(zoo_u, tg::param<"d", 4>) + tg::mean(zoo_u) * tg::sum(zoo_x);
constexpr auto zoo_loss = tg::mse(tg::sum(zoo_a) + tg::sum(zoo_b) + zoo_c, tg::target<"y">);
// Layer normalisation, with weight and bias, and without them and with another eps.
constexpr auto zoo_d = tg::layer_norm<"m", 6>(tg::tanh(tg::layer_norm<"n", 6>(tg::linear<"e", 5, 6>(zoo_x))), 1e-3_c,
                                              tg::elementwise_affine<false>);
constexpr auto zoo_d_loss = tg::mse(tg::sum(zoo_d), tg::target<"y">);

// A residual block and two branches concatenated (layers/branches.hpp): the residual sum and concat.
constexpr auto branches =
    tg::sequential<tg::Linear<4, 6>, tg::Tanh, tg::residual<tg::Linear<6, 6>, tg::ReLU, tg::Linear<6, 6>>,
                   tg::concat_branches<tg::Linear<6, 3>, tg::sequential<tg::Sigmoid>>, tg::Linear<9, 2>>{}(mlp_x);
constexpr auto branches_loss = tg::mse(tg::sum(branches), tg::target<"y">);

// Batch normalisation, evaluated with the running statistics training leaves: two BatchNorm1d (the
// second with another eps and momentum) in an MLP on iris, trained in float and in double; a
// BatchNorm2d over the channels of an image [2, 4, 4] made of a hidden layer on digits.
constexpr auto iris_bn_x = tg::input<"x", 4>;
constexpr auto iris_bn = tg::sequential<tg::Linear<4, 8>, tg::BatchNorm1d<8>, tg::Tanh, tg::Linear<8, 6>,
                                        tg::BatchNorm1d<6, 1e-3_c, 0.3_c>, tg::ReLU, tg::Linear<6, 3>>{}(iris_bn_x);
constexpr auto iris_bn_loss = tg::cross_entropy(iris_bn, tg::class_target<"y", 3>);
// Its first two layers, the same nodes (tg::sequential names layer i "i"): exported from the same
// Parameters, the normalisation alone, without a transcendental function after it.
constexpr auto iris_bn_part = tg::batch_norm<"1", 8>(tg::linear<"0", 4, 8>(iris_bn_x));
constexpr auto digits_bn = tg::sequential<tg::Linear<64, 32>, tg::Unflatten<2, 4, 4>, tg::BatchNorm2d<2>, tg::Tanh,
                                          tg::Flatten, tg::Linear<32, 10>>{}(tg::input<"x", 64>);
constexpr auto digits_bn_loss = tg::cross_entropy(digits_bn, tg::class_target<"y", 10>);

// A convolution network on digits: a convolution with zero padding, a BatchNorm2d over its
// channels, a max pooling over -inf padding with stride 2, a convolution without bias and an average
// pooling that counts its padding.
constexpr auto digits_cnn =
    tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 4, 3, 1, 1>, tg::BatchNorm2d<4>, tg::ReLU,
                   tg::MaxPool2d<3, 2, 1>, tg::Conv2d<4, 3, 3, 1, 1, 1, false>, tg::AvgPool2d<3, 1, 1>, tg::Flatten,
                   tg::Linear<48, 10>>{}(tg::input<"x", 64>);
constexpr auto digits_cnn_loss = tg::cross_entropy(digits_cnn, tg::class_target<"y", 10>);
// Its layers before the last Linear, the same nodes, then each channel's mean: no matrix product.
constexpr auto digits_cnn_part =
    tg::adaptive_avg_pool2d<1>(tg::avg_pool2d<3, 1, 1>(tg::conv2d<"5", 4, 3, 3, 1, 1, 1, false>(tg::max_pool2d<3, 2, 1>(
        tg::relu(tg::batch_norm<"2", 4>(tg::conv2d<"1", 1, 4, 3, 1, 1>(tg::view<1, 8, 8>(tg::input<"x", 64>))))))));

// A signal [4, 16] made of a row of 64: a 1d convolution with stride, padding and dilation, a max
// pooling over -inf padding and an average pooling.
constexpr auto signal_1d =
    tg::avg_pool1d<2>(tg::max_pool1d<3, 1, 1>(tg::conv1d<"c", 4, 2, 3, 2, 1, 2>(tg::view<4, 16>(tg::input<"x", 64>))));
constexpr auto signal_1d_loss = tg::mse(tg::sum(signal_1d), tg::target<"y">);

// examples/diabetes_embedding's model: the sex column (1 or 2 in the file) an index into a table of
// two rows, beside the nine numeric columns.
constexpr std::size_t diabetes_sex = 1;
using diabetes_embedded = tg::sequential<tg::Column<diabetes_sex>, tg::Embedding<2, 4>>;
constexpr auto diabetes_emb =
    tg::sequential<tg::concat_branches<diabetes_embedded, tg::Columns<0, 2, 3, 4, 5, 6, 7, 8, 9>>, tg::Linear<13, 16>,
                   tg::Tanh, tg::Linear<16, 1>>{}(tg::input<"x", 10>);
constexpr auto diabetes_emb_loss = tg::mse(diabetes_emb, tg::target<"y">);

// The relu variants (ops/rectifiers.hpp) as layers, with the MLP's fixed weights (reference.py
// builds the same model in PyTorch): torch.nn.Sequential(Linear(4, 6), GELU(), Linear(6, 6),
// GELU(approximate="tanh"), Linear(6, 6), SiLU(), Linear(6, 6), ELU(alpha=0.5), Linear(6, 6),
// LeakyReLU(0.2), Linear(6, 3)).
constexpr auto rect =
    tg::sequential<tg::Linear<4, 6>, tg::GELU<>, tg::Linear<6, 6>, tg::GELU<"tanh">, tg::Linear<6, 6>, tg::SiLU,
                   tg::Linear<6, 6>, tg::ELU<0.5_c>, tg::Linear<6, 6>, tg::LeakyReLU<0.2_c>, tg::Linear<6, 3>>{}(mlp_x);
constexpr auto rect_loss = tg::cross_entropy(rect, tg::class_target<"y", 3>);

// Each relu variant on the input itself, without a parameter, so that the edges (±0, ±inf, NaN,
// large |x|) reach the ops as given: [gelu, gelu tanh, silu, elu, elu 0.3, leaky_relu,
// leaky_relu 0.3] of x, eight values each. elu and leaky_relu with torch's defaults, and with
// 0.30000000000000004_c (0.1 + 0.2 in double, one unit in the last place above 0.3), whose double
// needs all 17 digits to be written.
constexpr std::size_t rect_width = 8;
constexpr auto rect_edges_x = tg::input<"x", rect_width>;
constexpr auto rect_edges = tg::concat(
    tg::concat(tg::concat(tg::gelu(rect_edges_x), tg::gelu<"tanh">(rect_edges_x)),
               tg::concat(tg::silu(rect_edges_x), tg::elu(rect_edges_x))),
    tg::concat(tg::elu(rect_edges_x, 0.30000000000000004_c),
               tg::concat(tg::leaky_relu(rect_edges_x), tg::leaky_relu(rect_edges_x, 0.30000000000000004_c))));
constexpr auto rect_edges_loss = tg::mse(tg::sum(rect_edges), tg::target<"y">);
//! The double that 0.30000000000000004_c holds.
inline constexpr double rect_constant = decltype(0.30000000000000004_c)::value;

//! A data file of tests/golden/data (or, with `examples`, of examples/data), in T.
template <class T = float>
tg::data::basic_dataset<T> read_data(const std::string& name, bool examples = false) {
    return typegrad_test::converted<T>(tg::data::read_csv<float>(
        std::string(examples ? TYPEGRAD_EXAMPLES_DATA_DIR : TYPEGRAD_GOLDEN_DATA_DIR) + "/" + name));
}

//! The diabetes data's standardizer whose sex column has mean 1 and std 1: the file's 1 and 2 become
//! the indices 0 and 1, exactly, and a deployed model standardises raw rows the same way.
inline tg::data::standardizer<float> diabetes_scaler(const tg::data::dataset& raw) {
    auto scaler = tg::data::standardizer<float>::fit(raw);
    scaler.mean[diabetes_sex] = 1.0;
    scaler.std[diabetes_sex] = 1.0;
    return scaler;
}

//! Trains `params` for `epochs` epochs over `data` with the optimiser `Policy` (its default options
//! and learning rate `lr`), in shuffled batches of `batch` rows (seeded by the epoch).
template <class Policy, class P, class T>
void train(P& params, const tg::data::basic_dataset<T>& data, int epochs, std::size_t batch, double lr) {
    tg::Trainer<typename P::loss_type, Policy, T> trainer{params, {.lr = lr}};
    for (int epoch = 0; epoch < epochs; ++epoch)
        for (auto b : tg::data::batches(data, batch, tg::data::shuffle{.seed = static_cast<std::uint64_t>(epoch)})) {
            trainer.zero_grad();
            trainer.backward(b);
            trainer.step();
        }
}

//! Trained parameters and running statistics, as the generator leaves them for the tests: every
//! value of params.values() then of params.buffers(), in T's bytes.
template <class P>
void write_state(const std::filesystem::path& file, const P& params) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(params.values().data()),
              static_cast<std::streamsize>(params.values().size_bytes()));
    out.write(reinterpret_cast<const char*>(params.buffers().data()),
              static_cast<std::streamsize>(params.buffers().size_bytes()));
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
}
template <class P>
void read_state(const std::filesystem::path& file, P& params) {
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(params.values().data()),
            static_cast<std::streamsize>(params.values().size_bytes()));
    in.read(reinterpret_cast<char*>(params.buffers().data()),
            static_cast<std::streamsize>(params.buffers().size_bytes()));
    if (!in || in.peek() != std::char_traits<char>::eof())
        throw std::runtime_error("cannot read " + file.string() + " as the model's state");
}

}  // namespace deploy_models
