// The libtorch contender: torch::nn modules, autograd and torch::optim, as a C++ user of
// PyTorch writes it, on one thread (torch::set_num_threads(1); scripts/bench also sets
// OMP_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1), and for W7 and W8 on two as `libtorch_2t`.
// Mini-batches are views (narrow) made once.
#include "common.hpp"

#include <torch/torch.h>

#include <dlfcn.h>

#include <memory>

namespace tb = typegrad_bench;

namespace {

// torch::set_num_threads sets torch's intra-op (OpenMP) pool; the products go to OpenBLAS, whose
// pool OPENBLAS_NUM_THREADS holds to one thread: set it to the same count when OpenBLAS is there.
void set_threads(int n) {
    torch::set_num_threads(n);
    using setter = void (*)(int);
    if (void* f = dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))
        reinterpret_cast<setter>(f)(n);
}

class libtorch_model {
public:
    explicit libtorch_model(const tb::workload& w, int threads = 1) : w_(w) {
        set_threads(threads);
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
        if (w.model.net == tb::network::digits_cnn) {  // common.hpp's cnn; the images [N, 1, 8, 8]
            namespace nn = torch::nn;
            constexpr auto side = static_cast<std::int64_t>(tb::cnn::side);
            x_ = x_.view({rows, 1, side, side});
            for (auto& [xb, yb] : batches_)
                xb = xb.view({xb.size(0), 1, side, side});
            model_->push_back(nn::Conv2d(nn::Conv2dOptions(1, tb::cnn::c1, tb::cnn::k).padding(1)));
            model_->push_back(nn::ReLU());
            model_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
            model_->push_back(nn::Conv2d(nn::Conv2dOptions(tb::cnn::c1, tb::cnn::c2, tb::cnn::k).padding(1)));
            model_->push_back(nn::ReLU());
            model_->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(2)));
            model_->push_back(nn::Flatten());
            model_->push_back(nn::Linear(tb::cnn::features, tb::cnn::classes));
            return;
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

struct libtorch_2t : libtorch_model {
    explicit libtorch_2t(const tb::workload& w) : libtorch_model(w, 2) {}
};

const bool registered = [] {
    for (tb::workload_id id : tb::all_workloads)
        tb::register_benchmark<libtorch_model>(id, "libtorch");
    for (tb::workload_id id : tb::wide_workloads)
        tb::register_benchmark<libtorch_2t>(id, "libtorch_2t")->MeasureProcessCPUTime();
    return true;
}();

}  // namespace
