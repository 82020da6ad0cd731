// Replays tests/optim/reference/optimizers.json (torch 1.13, see record_reference.py): every
// optimiser and option combination, float32 and float64, the recorded gradients fed step by step;
// parameters compared after every step and the optimiser state (by torch's names) after the
// recorded steps.
//
// Tolerances: |x - ref| <= atol + rtol * |ref| with
//   float64: rtol 1e-12, atol 1e-14  (torch's CPU kernels may fuse a*b+c where we do not; the
//                                       hyperparameter arithmetic is identical double code)
//   float32: rtol 4e-6,  atol 4e-7   (a few float32 ulps: FMA or not, after 25 steps; the
//                                       largest error seen is printed, ~0.45 of this)
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <replay/optimizers.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

namespace tg = typegrad;
using json = nlohmann::json;

namespace {

const json& reference() {
    static const json j = [] {
        std::ifstream in(std::string(TYPEGRAD_OPTIM_REFERENCE_DIR) + "/optimizers.json");
        return json::parse(in);
    }();
    return j;
}

constexpr std::size_t N = 15, P = 3;
constexpr std::array<tg::param_info, P> layout{{{"w", 0, 11}, {"b", 11, 3}, {"s", 14, 1}}};

template <class T>
struct tol {
    static constexpr double rtol = std::is_same_v<T, float> ? 4e-6 : 1e-12;
    static constexpr double atol = std::is_same_v<T, float> ? 4e-7 : 1e-14;
};

template <class T>
void load(const json& by_name, std::array<T, N>& flat) {
    for (const auto& p : layout) {
        const auto& v = by_name.at(std::string(p.name));
        for (std::size_t i = 0; i < p.size; ++i)
            flat[p.offset + i] = static_cast<T>(v.at(i).template get<double>());
    }
}

template <class T>
double& worst() {
    static double w = 0;
    return w;
}

template <class T>
bool close(double x, double ref) {
    return std::abs(x - ref) <= tol<T>::atol + tol<T>::rtol * std::abs(ref);
}

template <class T>
void replay(const json& c) {
    const std::string key = std::is_same_v<T, float> ? "float32" : "float64";
    const json& run = c.at(key);
    json opt_json = c.at("options");
    opt_json["name"] = c.at("name");
    const bool known = tg::replay::with_optimizer(opt_json, [&](auto tag, auto options) {
        using Policy = typename decltype(tag)::type;
        tg::optimizer<Policy, T, N, P> opt{layout, options};
        for (const auto& g : c.at("groups")) {
            json merged = c.at("options");
            merged.update(g.at("options"));
            std::vector<std::string_view> names;
            for (const auto& n : g.at("params"))
                names.push_back(n.template get_ref<const std::string&>());
            opt.add_param_group(names, tg::replay::options_from_json<Policy>(merged));
        }
        alignas(64) std::array<T, N> values{}, grads{};
        load(run.at("init"), values);
        std::size_t next_state = 0;
        const auto& states = run.at("state");
        for (std::size_t step = 0; step < run.at("grads").size(); ++step) {
            load(run.at("grads")[step], grads);
            opt.step(values.data(), grads.data());
            std::array<T, N> expected{};
            load(run.at("params")[step], expected);
            for (std::size_t i = 0; i < N; ++i) {
                INFO(c.at("name") << " " << c.at("options").dump() << " " << key << " step " << step << " value " << i);
                worst<T>() = std::max(worst<T>(), std::abs(values[i] - expected[i]) /
                                                      (tol<T>::atol + tol<T>::rtol * std::abs(expected[i])));
                REQUIRE(close<T>(values[i], expected[i]));
            }
            if (next_state < states.size() && states[next_state].at("after_step").template get<std::size_t>() == step) {
                const auto& by_param = states[next_state++].at("params");
                for (std::size_t p = 0; p < P; ++p) {
                    const auto& st = by_param.at(std::string(layout[p].name));
                    std::size_t entries = 0;
                    opt.state().for_each_name([&](std::string_view n, bool) { entries += opt.state().has(n, p); });
                    INFO(c.at("name") << " " << c.at("options").dump() << " " << key << " step " << step << " param "
                                      << layout[p].name);
                    CHECK(entries == st.size());
                    for (const auto& [name, ref] : st.items()) {
                        INFO("state " << name);
                        auto got = tg::replay::state_values(opt, p, name);
                        REQUIRE(got.has_value());
                        if (ref.is_array()) {
                            REQUIRE(got->size() == ref.size());
                            for (std::size_t i = 0; i < ref.size(); ++i)
                                CHECK(close<T>((*got)[i], ref[i].template get<double>()));
                        } else {
                            // Scalars are float32 tensors or ints in torch whatever the dtype.
                            REQUIRE(got->size() == 1);
                            CHECK(close<float>((*got)[0], static_cast<float>(ref.template get<double>())));
                        }
                    }
                }
            }
        }
    });
    REQUIRE(known);
}

}  // namespace

TEST_CASE("every optimiser and option combination matches torch 1.13 step by step (float32)", "[optim][reference]") {
    for (const auto& c : reference().at("cases"))
        replay<float>(c);
    WARN("largest parameter error, as a fraction of the tolerance: " << worst<float>());
}

TEST_CASE("every optimiser and option combination matches torch 1.13 step by step (float64)", "[optim][reference]") {
    for (const auto& c : reference().at("cases"))
        replay<double>(c);
    WARN("largest parameter error, as a fraction of the tolerance: " << worst<double>());
}
