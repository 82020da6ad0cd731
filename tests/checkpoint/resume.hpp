#pragma once
// Bit-identical resume, across processes: `resume_<T> save DIR` trains every case N steps, saves a
// checkpoint, then trains M more and saves the end state; `resume_<T> check DIR` (a new process)
// makes fresh objects, loads the checkpoint, trains M steps and compares every tensor and every
// saved value with the end state, bit for bit. One case per optimiser policy (options that use all
// of its state) and per scheduler (over SGD with momentum). Mini-batches are shuffled per epoch
// and the checkpoint falls inside an epoch, so the data position is restored too.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

namespace resume {

namespace tg = typegrad;
inline constexpr std::size_t width = 6, rows = 37, batch = 8, before = 7, after = 6;
inline const auto model = tg::sequential<tg::Linear<width, 5>, tg::Tanh, tg::Linear<5, 1>>{};
inline const auto loss = tg::mse(model(tg::input<"x", width>), tg::target<"y">);
using Loss = std::remove_cvref_t<decltype(loss)>;

template <class T>
tg::data::basic_dataset<T> data() {
    std::vector<std::string> names;
    for (std::size_t c = 0; c < width; ++c)
        names.push_back("f" + std::to_string(c));
    std::vector<T> x(rows * width), y(rows);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 1.5);
    for (std::size_t r = 0; r < rows; ++r)
        y[r] = static_cast<T>(std::cos(0.11 * static_cast<double>(r)) + x[r * width] * 0.5);
    return tg::data::basic_dataset<T>(std::move(names), "y", std::move(x), std::move(y));
}

template <class T>
void init(tg::Parameters<Loss, T>& p) {
    auto v = p.values();
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<T>(std::sin(1.7 * static_cast<double>(i) + 0.3) * 0.4);
}

// Runs `steps` steps from `pos`, one batch each; the epoch's order is the shuffle of seed + epoch.
template <class Tr, class S, class T>
void train(Tr& trainer, S& sched, const tg::data::basic_dataset<T>& d, tg::data_position& pos, std::size_t steps) {
    for (std::size_t s = 0; s < steps; ++s) {
        const auto epoch = tg::data::batches(d, batch, tg::data::shuffle{pos.seed + pos.epoch});
        trainer.zero_grad();
        const T l = trainer.backward(epoch[pos.batch]);
        trainer.step();
        if constexpr (requires { sched.step(); })  // the epoch schedulers (whose step(long) is the closed form)
            sched.step();
        else if constexpr (requires { sched.step(1.0); })  // ReduceLROnPlateau: a plateau, then a gain
            sched.step(static_cast<double>(l) > 0.5 ? 1.0 : 0.9);
        if (++pos.batch == epoch.size())
            pos.batch = 0, ++pos.epoch;
    }
}

struct no_scheduler {};

// One case: make(trainer) -> scheduler (or no_scheduler).
template <class T, class Policy, class Make>
bool run(const std::string& mode, const std::filesystem::path& dir, const std::string& name,
         typename Policy::options options, Make make) {
    const auto d = data<T>();
    const auto ckpt = dir / (name + ".safetensors"), end = dir / (name + ".end.safetensors");
    tg::Parameters<Loss, T> params;
    tg::Trainer<Loss, Policy, T> trainer{params, options};
    auto sched = make(trainer);
    tg::data_position pos{0, 0, 42};
    const auto save = [&](const std::filesystem::path& p) {
        if constexpr (std::is_same_v<decltype(sched), no_scheduler>)
            tg::save(p, params, trainer, pos);
        else
            tg::save(p, params, trainer, sched, pos);
    };
    if (mode == "save") {
        init(params);
        train(trainer, sched, d, pos, before);
        save(ckpt);
        train(trainer, sched, d, pos, after);
        save(end);
        return true;
    }
    if constexpr (std::is_same_v<decltype(sched), no_scheduler>)
        tg::load(ckpt, params, trainer, pos);
    else
        tg::load(ckpt, params, trainer, sched, pos);
    train(trainer, sched, d, pos, after);
    const auto got_path = dir / (name + ".resumed.safetensors");
    save(got_path);
    const auto want = tg::io::tensor_file::load(end), got = tg::io::tensor_file::load(got_path);
    bool same = want.tensors().size() == got.tensors().size();
    for (const auto& t : want.tensors()) {
        const auto* g = got.find(t.name);
        if (!g || g->bytes.size() != t.bytes.size() || std::memcmp(g->bytes.data(), t.bytes.data(), t.bytes.size()))
            std::printf("FAIL %s: tensor %s differs\n", name.c_str(), t.name.c_str()), same = false;
    }
    for (const auto& [k, v] : want.metadata())
        if (k != tg::io::checksum_key && (!got.metadata().contains(k) || got.metadata().at(k) != v))
            std::printf("FAIL %s: metadata %s differs\n", name.c_str(), k.c_str()), same = false;
    std::printf("%s %s (%zu tensors)\n", same ? "PASS" : "FAIL", name.c_str(), want.tensors().size());
    return same;
}

template <class T>
int main_for(int argc, char** argv) {
    if (argc != 3 || (std::string(argv[1]) != "save" && std::string(argv[1]) != "check")) {
        std::fprintf(stderr, "usage: %s save|check DIR\n", argv[0]);
        return 2;
    }
    const std::string mode = argv[1];
    const std::filesystem::path dir = argv[2];
    std::filesystem::create_directories(dir);
    const auto none = [](auto&) { return no_scheduler{}; };
    bool ok = true;
    ok &=
        run<T, tg::SGD>(mode, dir, "SGD", {.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true}, none);
    ok &= run<T, tg::Adam>(mode, dir, "Adam", {.lr = 0.01, .weight_decay = 1e-3, .amsgrad = true}, none);
    ok &= run<T, tg::AdamW>(mode, dir, "AdamW", {.lr = 0.01}, none);
    ok &= run<T, tg::RMSprop>(mode, dir, "RMSprop", {.lr = 0.01, .momentum = 0.5, .centered = true}, none);
    ok &= run<T, tg::Adagrad>(mode, dir, "Adagrad", {.lr = 0.05, .lr_decay = 1e-3, .initial_accumulator_value = 0.1},
                              none);
    ok &= run<T, tg::Adadelta>(mode, dir, "Adadelta", {.lr = 1.0}, none);
    ok &= run<T, tg::Adamax>(mode, dir, "Adamax", {.lr = 0.01}, none);
    ok &= run<T, tg::NAdam>(mode, dir, "NAdam", {.lr = 0.01}, none);
    ok &= run<T, tg::RAdam>(mode, dir, "RAdam", {.lr = 0.01}, none);
    ok &= run<T, tg::ASGD>(mode, dir, "ASGD", {.lr = 0.05, .t0 = 3}, none);
    ok &= run<T, tg::Rprop>(mode, dir, "Rprop", {.lr = 0.01}, none);
    const tg::SGD::options sgd{.lr = 0.05, .momentum = 0.9};
    using Opt = typename tg::Trainer<Loss, tg::SGD, T>::optimizer_type;
    ok &= run<T, tg::SGD>(mode, dir, "StepLR", sgd, [](auto& t) {
        return tg::StepLR<Opt>{t.optimizer(), {.step_size = 4, .gamma = 0.5}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "MultiStepLR", sgd, [](auto& t) {
        return tg::MultiStepLR<Opt>{t.optimizer(), {.milestones = {3, 8, 10}, .gamma = 0.5}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "ConstantLR", sgd, [](auto& t) {
        return tg::ConstantLR<Opt>{t.optimizer(), {.total_iters = 9}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "LinearLR", sgd, [](auto& t) {
        return tg::LinearLR<Opt>{t.optimizer(), {.total_iters = 10}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "ExponentialLR", sgd, [](auto& t) {
        return tg::ExponentialLR<Opt>{t.optimizer(), {.gamma = 0.9}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "PolynomialLR", sgd, [](auto& t) {
        return tg::PolynomialLR<Opt>{t.optimizer(), {.total_iters = 11, .power = 2}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "CosineAnnealingLR", sgd, [](auto& t) {
        return tg::CosineAnnealingLR<Opt>{t.optimizer(), {.T_max = 5, .eta_min = 1e-3}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "CosineAnnealingWarmRestarts", sgd, [](auto& t) {
        return tg::CosineAnnealingWarmRestarts<Opt>{t.optimizer(), {.T_0 = 3, .T_mult = 2}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "CyclicLR", sgd, [](auto& t) {
        return tg::CyclicLR<Opt>{t.optimizer(),
                                 {.base_lr = 0.01, .max_lr = 0.1, .step_size_up = 3, .mode = "triangular2"}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "OneCycleLR", sgd, [](auto& t) {
        return tg::OneCycleLR<Opt>{t.optimizer(), {.max_lr = 0.1, .total_steps = 20}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "ReduceLROnPlateau", sgd, [](auto& t) {
        return tg::ReduceLROnPlateau<Opt>{t.optimizer(), {.mode = "max", .patience = 2, .cooldown = 1}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "SequentialLR", sgd, [](auto& t) {
        auto& o = t.optimizer();
        return tg::SequentialLR{
            o, std::tuple{tg::LinearLR<Opt>{o, {.total_iters = 4}}, tg::ExponentialLR<Opt>{o, {.gamma = 0.8}}}, {5}};
    });
    ok &= run<T, tg::SGD>(mode, dir, "ChainedScheduler", sgd, [](auto& t) {
        auto& o = t.optimizer();
        return tg::ChainedScheduler{tg::ConstantLR<Opt>{o, {.factor = 0.5, .total_iters = 9}},
                                    tg::ExponentialLR<Opt>{o, {.gamma = 0.9}}};
    });
    return ok ? 0 : 1;
}

}  // namespace resume
