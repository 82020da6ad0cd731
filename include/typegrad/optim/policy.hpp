#pragma once
// The concepts an optimiser policy and the options a scheduler drives satisfy, apart from the
// policies themselves so that the holder and the schedulers need none of them.

#include <concepts>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::optim {

//! What `optimizer<Policy, ...>` needs from a policy (see docs/optimisers.md, "Writing a policy"):
//! a nested `options` aggregate with `lr` and its table `hyperparameters` (torch's names), a
//! `name`, a `validate(options)` that throws std::invalid_argument (`detail::policy_base` makes it
//! from the table and an optional `check(options)`), a `state<T>` template whose
//! `allocate(values, parameters)` sizes it -- at run time, so the heavy code depends on T only --
//! and a static `update` over one parameter.
template <class Policy>
concept OptimizerPolicy = std::semiregular<typename Policy::options> &&
    std::default_initializable<typename Policy::template state<float>> &&
    requires(typename Policy::options o, typename Policy::template state<float>& st, float* values,
             const float* grads) {
    { Policy::name } -> std::convertible_to<std::string_view>;
    { o.lr } -> std::convertible_to<double>;
    Policy::hyperparameters.size();
    Policy::validate(o);
    st.allocate(std::size_t{4}, std::size_t{1});
    Policy::update(o, st, std::size_t{0}, values, grads, std::size_t{0}, std::size_t{4});
};

//! Options that a scheduler can cycle as "momentum": torch's `betas[0]` (Adam family) ...
template <class Options>
concept HasBetas = requires(Options o) {
    o.betas[0] = 0.5;
};
//! ... or `momentum` (SGD, RMSprop).
template <class Options>
concept HasMomentum = requires(Options o) {
    o.momentum = 0.5;
};

}  // namespace TYPEGRAD_NS::optim
