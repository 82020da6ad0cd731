// scripts/replay: replays reference training runs recorded from PyTorch (tests/golden/README.md)
// with typegrad, and prints one line per case:
//   PASS <name> max_rel_err=<x>  |  FAIL <name> <what differs>  |  UNSUPPORTED <name>: <why>
// Exit status 0 only if every case passed.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <string>

#include "run.hpp"

namespace rp = typegrad::replay;

namespace {

enum class outcome { pass, fail, unsupported };

bool replay_case(const rp::reference_case& c, const typegrad::data::dataset& d, rp::trajectory& t, std::string& why) {
#ifdef TYPEGRAD_REPLAY_ONE_ARCHITECTURE  // scripts/replay's program for one architecture, any kind
    return rp::replay_generated(c, d, t, why);
#else
    if (c.model_kind == "sequential")
        return rp::replay_generated(c, d, t, why);
    if (c.model_kind == "linear")
        return rp::replay_linear(c, d, t, why);
    if (c.model_kind != "mlp")
        return why = "model kind " + c.model_kind + " is not compiled", false;
    if (c.loss == "mse")
        return rp::replay_mlp_regression(c, d, t, why);
    if (c.loss == "cross_entropy")
        return rp::replay_mlp_classes(c, d, t, why);
    return why = "loss " + c.loss + " is not supported", false;
#endif
}

outcome check(const rp::reference_case& c, const rp::trajectory& t, std::string& message) {
    rp::comparison main, state, schedule;
    rp::compare(main, "loss_history", t.loss_history, c.loss_history, c.rtol, c.atol);
    rp::compare(main, "grad_first_step", t.grad_first_step, c.grad_first_step, c.rtol, c.atol);
    rp::compare(main, "final_params", t.final_params, c.final_params, c.rtol, c.atol);
    rp::compare(main, "final_buffers", t.final_buffers, c.final_buffers, c.rtol, c.atol);
    const double srtol = c.final_state.at("rtol").get<double>(), satol = c.final_state.at("atol").get<double>();
    for (auto it = c.final_state.at("state").begin(); it != c.final_state.at("state").end(); ++it) {
        const std::vector<double> ref = it.value().is_number() ? std::vector<double>{it.value().get<double>()}
                                                               : it.value().get<std::vector<double>>();
        auto got = t.final_state.find(it.key());
        rp::compare(state, "final_state." + it.key(), got == t.final_state.end() ? std::vector<double>{} : got->second,
                    ref, srtol, satol);
    }
    rp::compare(schedule, "lr_history", t.lr_history, c.lr_history, 1e-9, 0);
    if (!c.momentum_history.empty())
        rp::compare(schedule, "momentum_history", t.momentum_history, c.momentum_history, 1e-9, 0);

    for (const auto* cmp : {&main, &state, &schedule})
        if (!cmp->ok) {
            message = cmp->first_miss;
            return outcome::fail;
        }
    char buf[160];
    std::snprintf(buf, sizeof buf, "max_rel_err=%.3g (worst %.2f of tolerance; state %.2f; lr %.3g)", main.max_rel_err,
                  main.worst_fraction, state.worst_fraction, schedule.max_rel_err);
    message = buf;
    return outcome::pass;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: replay CASE.json...\n");
        return 2;
    }
    std::map<std::filesystem::path, typegrad::data::dataset> datasets;
    int passed = 0, failed = 0, unsupported = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path file = argv[i];
        std::string name = file.stem().string();
        try {
            const rp::reference_case c = rp::read_case(file);
            name = c.name;
            auto it = datasets.find(c.data_file);
            if (it == datasets.end())
                it = datasets.emplace(c.data_file, typegrad::data::read_csv(c.data_file)).first;
            rp::trajectory t;
            std::string why;
            if (!replay_case(c, it->second, t, why)) {
                std::printf("UNSUPPORTED %s: %s\n", name.c_str(), why.c_str());
                ++unsupported;
                continue;
            }
            std::string message;
            if (check(c, t, message) == outcome::pass) {
                std::printf("PASS %s %s\n", name.c_str(), message.c_str());
                ++passed;
            } else {
                std::printf("FAIL %s %s\n", name.c_str(), message.c_str());
                ++failed;
            }
        } catch (const std::exception& e) {
            std::printf("FAIL %s %s\n", name.c_str(), e.what());
            ++failed;
        }
        std::fflush(stdout);
    }
    std::printf("%d passed, %d failed, %d unsupported\n", passed, failed, unsupported);
    return failed == 0 && unsupported == 0 ? 0 : 1;
}
