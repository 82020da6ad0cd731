#pragma once
// Replays one reference case with a compile-time model `Loss` and optimiser policy `Policy`: the
// loop of tests/golden/README.md, step for step.
#include <span>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "case.hpp"
#include "optimizers.hpp"

namespace typegrad::replay {

template <class Loss, class Policy>
trajectory run(Loss loss, const typename Policy::options& options, const reference_case& c,
               const typegrad::data::dataset& data) {
    namespace tg = typegrad;
    tg::Parameters params{loss};
    for (const auto& info : params.info()) {
        auto it = c.init.find(std::string(info.name));
        if (it == c.init.end())
            throw std::runtime_error("the case gives no initial value for " + std::string(info.name));
        if (it->second.size() != info.size)
            throw std::runtime_error("initial " + std::string(info.name) + " has " + std::to_string(it->second.size()) +
                                     " values, the model " + std::to_string(info.size));
        auto values = params.value(info.name);
        for (std::size_t i = 0; i < info.size; ++i)
            values[i] = static_cast<float>(it->second[i]);
    }
    tg::Trainer<Loss, Policy> trainer{params, options};
    auto scheduler = replay::make_scheduler(trainer.optimizer(), c.scheduler);

    trajectory t;
    const auto named = [&](auto&& buffer_of) {
        named_values out;
        for (const auto& info : params.info()) {
            auto s = buffer_of(info.name);
            out[std::string(info.name)] = std::vector<double>(s.begin(), s.end());
        }
        return out;
    };
    std::size_t b = 0;
    for (int step = 0; step < c.steps; ++step) {
        if (c.zero_grad)
            trainer.zero_grad();
        double step_loss = 0;
        for (int k = 0; k < c.accumulate; ++k, ++b) {
            const auto& rows = c.batches.at(b);
            const float l = trainer.backward(tg::data::batch_view<float>(data, std::span<const std::uint32_t>(rows)));
            t.loss_history.push_back(l);
            step_loss += l;
        }
        const auto& group = trainer.optimizer().param_groups()[0];
        t.lr_history.push_back(group.options.lr);
        if (!c.momentum_history.empty())
            t.momentum_history.push_back(replay::cycled_momentum(trainer.optimizer()));
        if (step == 0)
            t.grad_first_step = named([&](std::string_view n) { return params.grad(n); });
        trainer.step();
        scheduler.step(step_loss / c.accumulate);
    }
    t.final_params = named([&](std::string_view n) { return params.value(n); });
    for (const auto& b : tg::Parameters<Loss>::buffer_layout::slots) {
        const std::string layer(b.layer);
        const auto mean = params.running_mean(layer), var = params.running_var(layer);
        t.final_buffers[layer + ".running_mean"] = std::vector<double>(mean.begin(), mean.end());
        t.final_buffers[layer + ".running_var"] = std::vector<double>(var.begin(), var.end());
        t.final_buffers[layer + ".num_batches_tracked"] = {double(params.num_batches_tracked(layer))};
    }

    const std::size_t index = trainer.optimizer().index_of(c.final_state.at("param").get<std::string>());
    for (auto it = c.final_state.at("state").begin(); it != c.final_state.at("state").end(); ++it) {
        auto values = replay::state_values(trainer.optimizer(), index, it.key());
        if (values)
            t.final_state[it.key()] = *std::move(values);
    }
    return t;
}

//! Replays `c` with the model and loss `loss` and the optimiser the case names; false (with `why`)
//! when typegrad has no such optimiser.
template <class Loss>
bool replay_with(Loss loss, const reference_case& c, const typegrad::data::dataset& data, trajectory& t,
                 std::string& why) {
    const bool known = with_optimizer(c.optimizer, [&](auto tag, const auto& options) {
        using Policy = typename decltype(tag)::type;
        t = run<Loss, Policy>(loss, options, c, data);
    });
    if (!known)
        why = "optimizer " + c.optimizer.at("name").get<std::string>() + " is not supported";
    return known;
}

//! Replays `c` with the model and loss `loss` and the one policy `Policy`, which the case must
//! name (a model the tool holds for one golden case, and the programs scripts/replay compiles on
//! demand for one architecture, hold only their optimiser).
template <class Policy, class Loss>
bool replay_with_policy(Loss loss, const reference_case& c, const typegrad::data::dataset& data, trajectory& t,
                        std::string& why) {
    const std::string name = c.optimizer.at("name").get<std::string>();
    if (name != Policy::name)
        return why = "optimizer " + name + ": this model is compiled with " + std::string(Policy::name) + " only",
               false;
    t = run<Loss, Policy>(loss, options_from_json<Policy>(c.optimizer), c, data);
    return true;
}

//! The families of models the tool is compiled for; each returns false (with `why`) for a case it
//! does not cover.
bool replay_linear(const reference_case&, const typegrad::data::dataset&, trajectory&, std::string& why);
bool replay_mlp_regression(const reference_case&, const typegrad::data::dataset&, trajectory&, std::string& why);
bool replay_mlp_classes(const reference_case&, const typegrad::data::dataset&, trajectory&, std::string& why);
//! A model of kind "sequential" (a module list): compiled on demand per architecture by
//! scripts/replay (tools/replay/sequential.py writes its definition); the tool itself has none.
bool replay_generated(const reference_case&, const typegrad::data::dataset&, trajectory&, std::string& why);

}  // namespace typegrad::replay
