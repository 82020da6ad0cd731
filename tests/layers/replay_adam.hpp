#pragma once
// One recorded torch trajectory replayed: a model trained on iris (float or double, the whole set as one
// batch) with Adam from the recording's initial parameters, every step's loss, the first step's
// gradients and the final parameters compared within the recording's rtol and atol. The layer
// recordings of this folder (record_torch.py, record_layernorm.py, record_branches.py) write these
// fields per case: init, lr, steps, loss_history, grad_first_step, final_params, rtol, atol.
#include <cstddef>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include <typegrad/optim.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/train/trainer.hpp>

#include "reference.hpp"

namespace typegrad_test {

//! What replay_adam_on_iris runs before each step's backward() by default: nothing.
struct no_hook {
    template <class Trainer>
    void operator()(Trainer&, std::size_t) const noexcept {}
};

//! Replays case `c` (named `name` in the messages) on `params`, whose names are torch's, in T;
//! `before(trainer, step)` runs before each step's backward() (dropout's tests inject torch's masks).
template <class Loss, class T = float, class Before = no_hook>
void replay_adam_on_iris(const std::string& name, const nlohmann::json& c, typegrad::Parameters<Loss, T>& params,
                         Before before = {}) {
    const double rtol = c.at("rtol").get<double>(), atol = c.at("atol").get<double>();
    REQUIRE(params.count == c.at("init").size());
    set_parameters(params, c.at("init"));
    const auto data = iris<T>();
    typegrad::Trainer<Loss, typegrad::Adam, T> trainer{params, {.lr = c.at("lr").get<double>()}};
    const auto losses = numbers(c.at("loss_history"));
    REQUIRE(losses.size() == c.at("steps").get<std::size_t>());

    const auto check_named = [&](const char* what, const nlohmann::json& want, auto buffer_of) {
        for (const auto& info : params.info()) {
            const auto w = numbers(want.at(std::string(info.name)));
            const auto got = buffer_of(info.name);
            REQUIRE(w.size() == got.size());
            for (std::size_t i = 0; i < w.size(); ++i) {
                INFO(name << ": " << what << " " << info.name << "[" << i << "]: typegrad " << got[i] << ", torch "
                          << w[i]);
                CHECK(close(got[i], w[i], rtol, atol));
            }
        }
    };
    for (std::size_t step = 0; step < losses.size(); ++step) {
        trainer.zero_grad();
        before(trainer, step);
        const T l = trainer.backward(data.all());
        INFO(name << ": step " << step << ": loss " << l << ", torch " << losses[step]);
        CHECK(close(l, losses[step], rtol, atol));
        if (step == 0)
            check_named("first gradient", c.at("grad_first_step"), [&](std::string_view n) { return params.grad(n); });
        trainer.step();
    }
    check_named("final", c.at("final_params"), [&](std::string_view n) { return params.value(n); });
}

}  // namespace typegrad_test
