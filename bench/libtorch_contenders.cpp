// The libtorch contender: torch::nn modules, autograd and torch::optim, as a C++ user of
// PyTorch writes it, on one thread (torch::set_num_threads(1); scripts/bench also sets
// OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1). Mini-batches are views (narrow) made once.
#include "common.hpp"

#include <torch/torch.h>

#include <memory>

namespace tb = typegrad_bench;

namespace {

class libtorch_model {
public:
    explicit libtorch_model(const tb::workload& w) : w_(w) {
        torch::set_num_threads(1);
        const tb::dataset& d = w.d();
        const auto rows = static_cast<std::int64_t>(d.rows());
        const auto cols = static_cast<std::int64_t>(d.cols());
        x_ = torch::from_blob(const_cast<float*>(d.features.data()), {rows, cols}).clone();
        y_ = torch::from_blob(const_cast<float*>(d.targets.data()), {rows, 1}).clone();
        if (w.model.loss == tb::loss_kind::cross_entropy)
            y_ = y_.view({rows}).to(torch::kLong);
        for (std::size_t s = 0; s < w.steps_per_run; ++s) {
            auto [begin, n] = w.batch_rows(s);
            batches_.emplace_back(x_.narrow(0, static_cast<std::int64_t>(begin), static_cast<std::int64_t>(n)),
                                  y_.narrow(0, static_cast<std::int64_t>(begin), static_cast<std::int64_t>(n)));
        }
        for (std::size_t l = 0; l < w.model.layers(); ++l) {
            if (l > 0) {
                if (w.model.act == tb::activation::tanh)
                    model_->push_back(torch::nn::Tanh());
                if (w.model.act == tb::activation::relu)
                    model_->push_back(torch::nn::ReLU());
            }
            model_->push_back(torch::nn::Linear(w.model.sizes[l], w.model.sizes[l + 1]));
        }
    }

    void reset() {
        const std::vector<float> init = tb::initial_parameters(w_);
        torch::NoGradGuard no_grad;
        std::size_t k = 0;
        for (torch::Tensor& p : model_->parameters()) {
            p.copy_(torch::from_blob(const_cast<float*>(init.data() + k), p.sizes()));
            k += static_cast<std::size_t>(p.numel());
        }
        if (w_.opt == tb::optimiser::sgd)
            optim_ = std::make_unique<torch::optim::SGD>(model_->parameters(), torch::optim::SGDOptions(w_.lr));
        else
            optim_ = std::make_unique<torch::optim::Adam>(
                model_->parameters(),
                torch::optim::AdamOptions(w_.lr).betas({tb::adam_beta1, tb::adam_beta2}).eps(tb::adam_eps));
        optim_->zero_grad();
    }

    void run() {
        switch (w_.kind) {
            case tb::workload_kind::train:
                for (const auto& [xb, yb] : batches_) {
                    optim_->zero_grad();
                    torch::Tensor loss = criterion(model_->forward(xb), yb);
                    loss.backward();
                    optim_->step();
                }
                break;
            case tb::workload_kind::forward: {
                torch::NoGradGuard no_grad;
                last_loss_ = criterion(model_->forward(x_), y_).item<float>();
                break;
            }
            case tb::workload_kind::gradient:
                optim_->zero_grad();
                criterion(model_->forward(x_), y_).backward();
                break;
        }
    }

    double loss() {
        if (w_.kind != tb::workload_kind::train)
            return last_loss_;
        torch::NoGradGuard no_grad;
        return criterion(model_->forward(x_), y_).item<float>();
    }

    std::vector<double> parameters() const { return flatten(false); }
    std::vector<double> gradient() const { return flatten(true); }

private:
    torch::Tensor criterion(const torch::Tensor& out, const torch::Tensor& y) const {
        if (w_.model.loss == tb::loss_kind::mse)
            return torch::mse_loss(out, y);
        return torch::nn::functional::cross_entropy(out, y);  // log_softmax + nll_loss, mean
    }

    std::vector<double> flatten(bool grads) const {
        std::vector<double> out;
        for (const torch::Tensor& p : model_->parameters()) {
            torch::Tensor t = (grads ? p.grad() : p).detach().contiguous().to(torch::kDouble);
            out.insert(out.end(), t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
        }
        return out;
    }

    const tb::workload& w_;
    torch::Tensor x_, y_;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> batches_;
    torch::nn::Sequential model_;
    std::unique_ptr<torch::optim::Optimizer> optim_;
    double last_loss_ = 0;
};

const bool registered = [] {
    for (tb::workload_id id : tb::all_workloads)
        tb::register_benchmark<libtorch_model>(id, "libtorch");
    return true;
}();

}  // namespace
