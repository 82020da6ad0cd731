#pragma once
// Glue between the golden JSON cases (tests/golden/README.md) and typegrad's optimisers:
//   with_optimizer(case["optimizer"], f)    -> f(policy_tag<Policy>{}, Policy::options)
//   make_scheduler(opt, case["scheduler"])  -> any_scheduler<basic_optimizer<Policy, T>>, stepped after each opt.step()
//   cycled_momentum(opt)                    -> momentum / betas[0] of group 0 (momentum_history)
//   state_values(opt, 0, "exp_avg")         -> param 0's state entry by torch's name (final_state)
//
//   bool ok = tg::replay::with_optimizer(c["optimizer"], [&](auto tag, auto options) {
//       using Policy = typename decltype(tag)::type;
//       tg::optimizer<Policy, float, N, P> opt{layout, options};
//       auto sched = tg::replay::make_scheduler(opt, c.value("scheduler", nlohmann::json{}));
//       for (...) { lr_history.push_back(opt.param_groups()[0].options.lr); ...; opt.step(v, g); sched.step(loss); }
//   });

#include <typegrad/optim.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace typegrad::replay {

template <class Policy>
struct policy_tag {
    using type = Policy;
};

namespace detail {
using json = nlohmann::json;

inline bool present(const json& j, const char* k) { return j.is_object() && j.contains(k) && !j.at(k).is_null(); }
inline void read(const json& j, const char* k, double& v) {
    if (present(j, k))
        v = j.at(k).get<double>();
}
inline void read(const json& j, const char* k, bool& v) {
    if (present(j, k))
        v = j.at(k).get<bool>();
}
inline void read(const json& j, const char* k, long& v) {
    if (present(j, k))
        v = j.at(k).get<long>();
}
inline void read(const json& j, const char* k, std::optional<long>& v) {
    if (present(j, k))
        v = j.at(k).get<long>();
}
inline void read(const json& j, const char* k, std::optional<double>& v) {
    if (present(j, k))
        v = j.at(k).get<double>();
}
inline void read(const json& j, const char* k, std::array<double, 2>& v) {
    if (present(j, k))
        v = {j.at(k).at(0).get<double>(), j.at(k).at(1).get<double>()};
}
// string options are string_views into the JSON document, which outlives the scheduler.
inline void read(const json& j, const char* k, std::string_view& v) {
    if (present(j, k))
        v = j.at(k).get_ref<const std::string&>();
}
inline void read(const json& j, const char* k, std::vector<long>& v) {
    if (present(j, k))
        v = j.at(k).get<std::vector<long>>();
}

// Sets the options the JSON names (the policy's table of torch's keywords); the rest keep their
// defaults. Keys torch has but that do not change CPU numerics (foreach, capturable,
// differentiable, fused) are ignored.
template <class Policy>
void fill(typename Policy::options& o, const json& j) {
    optim::detail::for_each_option<Policy>(
        o, [&](std::string_view name, auto& v) { read(j, std::string(name).c_str(), v); });
}

template <class Policy, class F>
bool call(const nlohmann::json& j, F& f) {
    typename Policy::options o{};
    fill<Policy>(o, j);
    f(policy_tag<Policy>{}, o);
    return true;
}
}  // namespace detail

//! The options a policy gets from a JSON object in torch's keyword names (missing keys: defaults).
template <class Policy>
typename Policy::options options_from_json(const nlohmann::json& j) {
    typename Policy::options o{};
    detail::fill<Policy>(o, j);
    return o;
}

//! Every policy a case can name, by its `name`.
using policies = std::tuple<optim::SGD, optim::Adam, optim::AdamW, optim::RMSprop, optim::Adagrad, optim::Adadelta,
                            optim::Adamax, optim::NAdam, optim::RAdam, optim::ASGD, optim::Rprop>;

//! Calls f(policy_tag<Policy>{}, options) for the optimiser named by `opt["name"]`; false if unknown.
template <class F>
bool with_optimizer(const nlohmann::json& opt, F&& f) {
    const std::string name = opt.at("name").get<std::string>();
    return [&]<class... P>(std::type_identity<std::tuple<P...>>) {
        return ((name == P::name && detail::call<P>(opt, f)) || ...);
    }(std::type_identity<policies>{});
}

//! A scheduler chosen at run time (or none). `step(metric)` after every `opt.step()`: the metric
//! goes to ReduceLROnPlateau and is ignored by the others.
template <class Opt>
class any_scheduler {
public:
    using variant = std::variant<std::monostate, optim::StepLR<Opt>, optim::MultiStepLR<Opt>, optim::ExponentialLR<Opt>,
                                 optim::CosineAnnealingLR<Opt>, optim::LinearLR<Opt>, optim::OneCycleLR<Opt>,
                                 optim::ReduceLROnPlateau<Opt>, optim::ConstantLR<Opt>, optim::PolynomialLR<Opt>,
                                 optim::CosineAnnealingWarmRestarts<Opt>, optim::CyclicLR<Opt>>;

    void step(double metric = std::numeric_limits<double>::quiet_NaN()) {
        std::visit(
            [&](auto& s) {
                using S = std::remove_cvref_t<decltype(s)>;
                if constexpr (std::is_same_v<S, optim::ReduceLROnPlateau<Opt>>)
                    s.step(metric);
                else if constexpr (!std::is_same_v<S, std::monostate>)
                    s.step();
            },
            v);
    }
    bool empty() const { return std::holds_alternative<std::monostate>(v); }
    variant v;
};

//! Builds the scheduler `sched["name"]` (torch's keyword names) over `opt`. A null/empty `sched`
//! gives an empty scheduler; an unknown name throws std::invalid_argument. The JSON must outlive
//! the scheduler (string options are views into it). Takes the optimiser as its run-time-sized base
//! (an `optimizer<Policy, T, N, P>` converts), so the eleven schedulers are instantiated once per
//! (policy, T) rather than once per model.
template <class Policy, class T>
any_scheduler<optim::basic_optimizer<Policy, T>> make_scheduler(optim::basic_optimizer<Policy, T>& opt,
                                                                const nlohmann::json& sched) {
    using Opt = optim::basic_optimizer<Policy, T>;
    using detail::read;
    any_scheduler<Opt> out;
    if (!sched.is_object() || !sched.contains("name"))
        return out;
    const std::string name = sched.at("name").get<std::string>();
    const auto& j = sched;
    if (name == "StepLR") {
        optim::step_lr_options o;
        read(j, "step_size", o.step_size), read(j, "gamma", o.gamma);
        out.v.template emplace<optim::StepLR<Opt>>(opt, o);
    } else if (name == "MultiStepLR") {
        optim::multi_step_lr_options o;
        read(j, "milestones", o.milestones), read(j, "gamma", o.gamma);
        out.v.template emplace<optim::MultiStepLR<Opt>>(opt, o);
    } else if (name == "ExponentialLR") {
        optim::exponential_lr_options o;
        read(j, "gamma", o.gamma);
        out.v.template emplace<optim::ExponentialLR<Opt>>(opt, o);
    } else if (name == "CosineAnnealingLR") {
        optim::cosine_annealing_lr_options o;
        read(j, "T_max", o.T_max), read(j, "eta_min", o.eta_min);
        out.v.template emplace<optim::CosineAnnealingLR<Opt>>(opt, o);
    } else if (name == "LinearLR") {
        optim::linear_lr_options o;
        read(j, "start_factor", o.start_factor), read(j, "end_factor", o.end_factor),
            read(j, "total_iters", o.total_iters);
        out.v.template emplace<optim::LinearLR<Opt>>(opt, o);
    } else if (name == "OneCycleLR") {
        optim::one_cycle_lr_options o;
        read(j, "max_lr", o.max_lr), read(j, "total_steps", o.total_steps), read(j, "epochs", o.epochs);
        read(j, "steps_per_epoch", o.steps_per_epoch), read(j, "pct_start", o.pct_start);
        read(j, "anneal_strategy", o.anneal_strategy), read(j, "cycle_momentum", o.cycle_momentum);
        read(j, "base_momentum", o.base_momentum), read(j, "max_momentum", o.max_momentum);
        read(j, "div_factor", o.div_factor), read(j, "final_div_factor", o.final_div_factor);
        read(j, "three_phase", o.three_phase);
        out.v.template emplace<optim::OneCycleLR<Opt>>(opt, o);
    } else if (name == "ReduceLROnPlateau") {
        optim::reduce_lr_on_plateau_options o;
        read(j, "mode", o.mode), read(j, "factor", o.factor), read(j, "patience", o.patience);
        read(j, "threshold", o.threshold), read(j, "threshold_mode", o.threshold_mode), read(j, "cooldown", o.cooldown);
        read(j, "min_lr", o.min_lr), read(j, "eps", o.eps);
        out.v.template emplace<optim::ReduceLROnPlateau<Opt>>(opt, o);
    } else if (name == "ConstantLR") {
        optim::constant_lr_options o;
        read(j, "factor", o.factor), read(j, "total_iters", o.total_iters);
        out.v.template emplace<optim::ConstantLR<Opt>>(opt, o);
    } else if (name == "PolynomialLR") {
        optim::polynomial_lr_options o;
        read(j, "total_iters", o.total_iters), read(j, "power", o.power);
        out.v.template emplace<optim::PolynomialLR<Opt>>(opt, o);
    } else if (name == "CosineAnnealingWarmRestarts") {
        optim::cosine_annealing_warm_restarts_options o;
        read(j, "T_0", o.T_0), read(j, "T_mult", o.T_mult), read(j, "eta_min", o.eta_min);
        out.v.template emplace<optim::CosineAnnealingWarmRestarts<Opt>>(opt, o);
    } else if (name == "CyclicLR") {
        optim::cyclic_lr_options o;
        read(j, "base_lr", o.base_lr), read(j, "max_lr", o.max_lr), read(j, "step_size_up", o.step_size_up);
        read(j, "step_size_down", o.step_size_down), read(j, "mode", o.mode), read(j, "gamma", o.gamma);
        read(j, "cycle_momentum", o.cycle_momentum), read(j, "base_momentum", o.base_momentum);
        read(j, "max_momentum", o.max_momentum);
        out.v.template emplace<optim::CyclicLR<Opt>>(opt, o);
    } else {
        throw std::invalid_argument("typegrad: replay: unknown scheduler '" + name + "'");
    }
    return out;
}

//! The momentum a momentum-cycling scheduler drives for `group`: betas[0] (Adam family) or
//! momentum (SGD, RMSprop); NaN if the policy has neither.
template <class Policy, class T>
double cycled_momentum(const optim::basic_optimizer<Policy, T>& opt, std::size_t group = 0) {
    const auto& o = opt.param_groups()[group].options;
    if constexpr (optim::HasBetas<std::remove_cvref_t<decltype(o)>>)
        return o.betas[0];
    else if constexpr (optim::HasMomentum<std::remove_cvref_t<decltype(o)>>)
        return o.momentum;
    else
        return std::numeric_limits<double>::quiet_NaN();
}

//! Parameter `param`'s state entry `name` (torch's key) as doubles: a buffer's slice, or one
//! scalar; nullopt when the policy keeps no such entry or torch would not have it now.
template <class Policy, class T>
std::optional<std::vector<double>> state_values(const optim::basic_optimizer<Policy, T>& opt, std::size_t param,
                                                std::string_view name) {
    const auto& st = opt.state();
    bool known = false, is_buffer = false;
    st.for_each_name([&](std::string_view n, bool buffer) {
        if (n == name)
            known = true, is_buffer = buffer;
    });
    if (!known || !st.has(name, param))
        return std::nullopt;
    if (!is_buffer)
        return std::vector<double>{st.scalar(name, param)};
    const auto& info = opt.layout()[param];
    auto all = st.buffer(name);
    return std::vector<double>(all.begin() + static_cast<std::ptrdiff_t>(info.offset),
                               all.begin() + static_cast<std::ptrdiff_t>(info.offset + info.size));
}

}  // namespace typegrad::replay
