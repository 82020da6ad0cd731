#pragma once
// The models the deploy tests export, with their parameters and data, shared by the generator that
// writes their headers at build time and by the tests that check those headers against typegrad.
// The MLP's and the regression's weights follow a fixed rule that reference.py repeats, so that
// PyTorch computes the same model; every value is a multiple of 1/128, exact in float and double.
#include <cstddef>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

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

}  // namespace deploy_models
