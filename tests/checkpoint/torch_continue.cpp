// The typegrad side of the exchange with PyTorch (tests/interop/exchange.py):
//   torch_continue IN.safetensors OUT.safetensors STEPS DATA.csv
// loads the checkpoint IN (parameters, optimiser, options and state, as torch's tool or typegrad
// saved it), trains STEPS full-batch steps of mse on DATA.csv (last column `target`) with the
// torch model Sequential(Linear(10, 16), Tanh(), Linear(16, 1)), and saves OUT. The optimiser is
// the one the file names; a step of LBFGS is one step() (its iterations), in the dtype of the file's
// parameters.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

[[maybe_unused]] const auto loss =
    tg::mse(tg::sequential<tg::Linear<10, 16>, tg::Tanh, tg::Linear<16, 1>>{}(tg::input<"x", 10>), tg::target<"y">);
using Loss = std::remove_cvref_t<decltype(loss)>;

template <class Policy>
void continue_with(const char* in, const char* out, long steps, const tg::data::dataset& d) {
    tg::Parameters<Loss> params;
    tg::Trainer<Loss, Policy> trainer{params};
    tg::load(in, params, trainer);
    for (long s = 0; s < steps; ++s) {
        trainer.zero_grad();
        trainer.backward(d.all());
        trainer.step();
    }
    tg::save(out, params, trainer);
}

// LBFGS's options are fixed at construction: taken from the file's group (load then checks them),
// and the model's dtype from the file's parameters.
tg::lbfgs_options lbfgs_options_in(const tg::io::tensor_file& file) {
    const auto g = nlohmann::json::parse(file.metadata().at("optimizer.param_groups")).at(0);
    return {.lr = g.at("lr").get<double>(),
            .max_iter = g.at("max_iter").get<int>(),
            .max_eval = g.at("max_eval").get<int>(),
            .tolerance_grad = g.at("tolerance_grad").get<double>(),
            .tolerance_change = g.at("tolerance_change").get<double>(),
            .history_size = g.at("history_size").get<int>(),
            .line_search_fn = g.at("line_search_fn").is_null() ? tg::line_search::none : tg::line_search::strong_wolfe};
}

template <class T>
void continue_lbfgs(const char* in, const char* out, long steps, const char* csv, const tg::io::tensor_file& file) {
    const auto d = tg::data::read_csv<T>(csv);
    tg::Parameters<Loss, T> params;
    tg::Trainer<Loss, tg::SGD, T> trainer{params};
    tg::LBFGS<T> lbfgs{params, lbfgs_options_in(file)};
    tg::load(in, params, lbfgs);
    for (long s = 0; s < steps; ++s)
        lbfgs.step([&] {
            trainer.zero_grad();
            return trainer.backward(d.all());
        });
    tg::save(out, params, lbfgs);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s IN.safetensors OUT.safetensors STEPS DATA.csv\n", argv[0]);
        return 2;
    }
    try {
        const auto d = tg::data::read_csv<float>(argv[4]);
        const long steps = std::stol(argv[3]);
        const auto file = tg::io::tensor_file::load(argv[1]);
        const auto it = file.metadata().find("optimizer");
        const std::string name = it == file.metadata().end() ? "" : it->second;
        if (name == "SGD")
            continue_with<tg::SGD>(argv[1], argv[2], steps, d);
        else if (name == "Adam")
            continue_with<tg::Adam>(argv[1], argv[2], steps, d);
        else if (name == "AdamW")
            continue_with<tg::AdamW>(argv[1], argv[2], steps, d);
        else if (name == "RMSprop")
            continue_with<tg::RMSprop>(argv[1], argv[2], steps, d);
        else if (name == "Adagrad")
            continue_with<tg::Adagrad>(argv[1], argv[2], steps, d);
        else if (name == "NAdam")
            continue_with<tg::NAdam>(argv[1], argv[2], steps, d);
        else if (name == "RAdam")
            continue_with<tg::RAdam>(argv[1], argv[2], steps, d);
        else if (name == "LBFGS" && file.find("0.weight") && file.find("0.weight")->type == tg::io::dtype::f64)
            continue_lbfgs<double>(argv[1], argv[2], steps, argv[4], file);
        else if (name == "LBFGS")
            continue_lbfgs<float>(argv[1], argv[2], steps, argv[4], file);
        else {
            std::fprintf(stderr, "torch_continue: optimizer '%s' is not compiled here\n", name.c_str());
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "torch_continue: %s\n", e.what());
        return 1;
    }
    return 0;
}
