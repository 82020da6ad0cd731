#pragma once
// A reference training run (tests/golden/README.md) as the replay tool reads it, and the comparison
// of a replay with it.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <typegrad/data/dataset.hpp>

namespace typegrad::replay {

using json = nlohmann::json;
using named_values = std::map<std::string, std::vector<double>>;

struct reference_case {
    std::string name;
    std::filesystem::path data_file;
    std::string model_kind, activation, loss;
    std::vector<int> layers;
    json optimizer, scheduler;  // scheduler is null when the case has none
    std::vector<std::vector<std::uint32_t>> batches;
    int accumulate = 1, steps = 0;
    bool zero_grad = true;
    named_values init, grad_first_step, final_params;
    named_values final_buffers;  // running statistics by torch's buffer names; empty: not recorded
    std::vector<double> loss_history, lr_history, momentum_history;
    json final_state;
    double rtol = 0, atol = 0;
};

//! What a replay produced, in the shapes of the reference.
struct trajectory {
    std::vector<double> loss_history, lr_history, momentum_history;
    named_values grad_first_step, final_params;
    named_values final_buffers;  // every batch normalisation's running_mean, running_var, num_batches_tracked
    std::map<std::string, std::vector<double>> final_state;  // torch state key -> values (step as one number)
};

inline named_values read_named(const json& j) {
    named_values out;
    for (auto it = j.begin(); it != j.end(); ++it)
        out[it.key()] = it.value().get<std::vector<double>>();
    return out;
}

inline reference_case read_case(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        throw std::runtime_error("cannot open " + file.string());
    const json j = json::parse(in);
    reference_case c;
    c.name = j.at("name").get<std::string>();
    c.data_file = file.parent_path() / j.value("data_dir", std::string("data")) / j.at("data").get<std::string>();
    c.model_kind = j.at("model").at("kind").get<std::string>();
    if (c.model_kind != "sequential") {  // a module list instead (tools/replay/sequential.py)
        c.layers = j.at("model").at("layers").get<std::vector<int>>();
        c.activation = j.at("model").at("activation").get<std::string>();
    }
    c.loss = j.at("loss").get<std::string>();
    c.optimizer = j.at("optimizer");
    c.scheduler = j.value("scheduler", json());
    c.batches = j.at("batches").get<std::vector<std::vector<std::uint32_t>>>();
    c.accumulate = j.at("accumulate").get<int>();
    c.zero_grad = j.at("zero_grad").get<bool>();
    c.steps = j.at("steps").get<int>();
    c.init = read_named(j.at("init"));
    c.grad_first_step = read_named(j.at("grad_first_step"));
    c.final_params = read_named(j.at("final_params"));
    if (j.contains("final_buffers"))
        c.final_buffers = read_named(j.at("final_buffers"));
    c.loss_history = j.at("loss_history").get<std::vector<double>>();
    c.lr_history = j.at("lr_history").get<std::vector<double>>();
    if (j.contains("momentum_history"))
        c.momentum_history = j.at("momentum_history").get<std::vector<double>>();
    c.final_state = j.at("final_state");
    c.rtol = j.at("rtol").get<double>();
    c.atol = j.at("atol").get<double>();
    return c;
}

//! The outcome of comparing one quantity: the worst element, as a fraction of its tolerance.
struct comparison {
    bool ok = true;
    double worst_fraction = 0;  // max |x - ref| / (atol + rtol |ref|)
    double max_rel_err = 0;     // max |x - ref| / |ref| over elements with ref != 0
    std::string first_miss;     // "<what>[i]: got x, expected ref" for the first element out of tolerance
};

inline void compare(comparison& out, const std::string& what, const std::vector<double>& got,
                    const std::vector<double>& ref, double rtol, double atol) {
    if (got.size() != ref.size()) {
        out.ok = false;
        if (out.first_miss.empty())
            out.first_miss =
                what + ": " + std::to_string(got.size()) + " values, expected " + std::to_string(ref.size());
        return;
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double err = std::abs(got[i] - ref[i]), tol = atol + rtol * std::abs(ref[i]);
        if (ref[i] != 0)
            out.max_rel_err = std::max(out.max_rel_err, err / std::abs(ref[i]));
        out.worst_fraction = std::max(out.worst_fraction, tol > 0 ? err / tol : (err > 0 ? INFINITY : 0));
        if (!(err <= tol)) {
            out.ok = false;
            if (out.first_miss.empty()) {
                char buf[256];
                std::snprintf(buf, sizeof buf, "%s[%zu]: got %.9g, expected %.9g", what.c_str(), i, got[i], ref[i]);
                out.first_miss = buf;
            }
        }
    }
}

inline void compare(comparison& out, const std::string& what, const named_values& got, const named_values& ref,
                    double rtol, double atol) {
    for (const auto& [name, values] : ref) {
        auto it = got.find(name);
        if (it == got.end()) {
            out.ok = false;
            if (out.first_miss.empty())
                out.first_miss = what + ": no parameter " + name;
            continue;
        }
        compare(out, what + "." + name, it->second, values, rtol, atol);
    }
}

}  // namespace typegrad::replay
