#pragma once
// What the one-row prediction benchmarks (BM_P1_<contender>, in bench_deploy) share: the model of
// deploy_model.hpp (10-32-1 tanh, torch.nn.Linear's initialisation from a fixed seed), its weights
// in torch's layout, the samples predicted and typegrad's batch predictions of them, against
// which every contender checks itself before it is timed. Defined in deploy_predict.cpp; the hand
// loops (predict1_hand.cpp, compiled twice) include nothing of typegrad.
#include <array>
#include <cstddef>
#include <vector>

namespace typegrad_bench::predict1 {

inline constexpr std::size_t inputs = 10, hidden = 32;

struct weights {
    std::vector<float> w1;  // [hidden][inputs], row-major (torch's 0.weight)
    std::vector<float> b1;  // [hidden]
    std::vector<float> w2;  // [hidden] (torch's 2.weight [1, hidden])
    float b2 = 0;
};

//! The weights of the model, as tg::init::torch_default made them.
const weights& model_weights();
//! 64 samples of 10 features, N(0, 1).
const std::vector<std::array<float, inputs>>& samples();
//! tg::predict of the model on every sample (the SIMD batch path), one value each.
const std::vector<float>& reference();
//! The largest absolute difference of `predicted` (one value per sample) from reference().
double max_difference(const std::vector<float>& predicted);

}  // namespace typegrad_bench::predict1
