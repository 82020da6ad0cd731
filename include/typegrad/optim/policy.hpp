#ifndef TYPEGRAD_OPTIM_POLICY_HPP
#define TYPEGRAD_OPTIM_POLICY_HPP

#include <concepts>
#include <cstddef>
#include <string_view>

namespace typegrad::optim {

//! What `optimizer<Policy, ...>` needs from a policy (see docs/optimisers.md, "Writing a policy"):
//! a nested `options` aggregate with `lr`, a `name`, a `validate(options)` that throws
//! std::invalid_argument, a `state<T>` template constructible from (values, parameters) -- buffers
//! sized at run time, so the heavy code depends on T only -- and a static `update` over one parameter.
template <class Policy>
concept optimizer_policy = std::semiregular<typename Policy::options> &&
    std::constructible_from<typename Policy::template state<float>, std::size_t, std::size_t> &&
    requires(typename Policy::options o, typename Policy::template state<float>& st, float* values,
             const float* grads) {
    { Policy::name } -> std::convertible_to<std::string_view>;
    { o.lr } -> std::convertible_to<double>;
    Policy::validate(o);
    Policy::update(o, st, std::size_t{0}, values, grads, std::size_t{0}, std::size_t{4});
};

//! Options that a scheduler can cycle as "momentum": torch's `betas[0]` (Adam family) ...
template <class Options>
concept has_betas = requires(Options o) {
    o.betas[0] = 0.5;
};
//! ... or `momentum` (SGD, RMSprop).
template <class Options>
concept has_momentum = requires(Options o) {
    o.momentum = 0.5;
};

}  // namespace typegrad::optim

#endif
