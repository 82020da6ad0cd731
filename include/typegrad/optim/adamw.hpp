#pragma once
// AdamW (torch.optim.AdamW, 1.13): Adam's code with decoupled weight decay.

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/adam.hpp>

namespace TYPEGRAD_NS::optim {

//! AdamW (`torch.optim.AdamW`, 1.13): Adam with decoupled weight decay, θ ← θ·(1 − lr·wd) first,
//! and no wd term in the gradient. Note torch's default weight_decay here is 1e-2.
struct AdamW : detail::adam_policy<true> {};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::AdamW;
}
