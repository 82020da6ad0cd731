#pragma once
// AdamW (torch.optim.AdamW, 1.13): Adam's code with decoupled weight decay.

#include <typegrad/optim/adam.hpp>

namespace typegrad::optim {

//! AdamW (`torch.optim.AdamW`, 1.13): Adam with decoupled weight decay, θ ← θ·(1 − lr·wd) first,
//! and no wd term in the gradient. Note torch's default weight_decay here is 1e-2.
struct AdamW : detail::adam_policy<true> {};

}  // namespace typegrad::optim

namespace typegrad {
using optim::AdamW;
}
