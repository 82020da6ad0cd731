// The Eigen 3.4 contender: gradients derived by hand, one matrix per batch.
// Column-major with one column per sample, so the row-major data set is mapped without a copy
// and a mini-batch is a block of columns; weights in torch's [out x in] shape. Buffers are
// allocated once for the largest batch and used through leftCols(n), so no step allocates.
// Built twice: `eigen` (one thread) and `eigen_2t` (-fopenmp, Eigen::setNbThreads(2), W7 and W8).
#include "common.hpp"

#include <Eigen/Core>

#include <cmath>

#ifndef TYPEGRAD_BENCH_EIGEN_THREADS
#define TYPEGRAD_BENCH_EIGEN_THREADS 1
#endif

namespace tb = typegrad_bench;

namespace {

using matrix = Eigen::MatrixXf;
using vector = Eigen::VectorXf;

class eigen_model {
public:
    explicit eigen_model(const tb::workload& w)
        : w_(w),
          rows_(w.d().rows()),
          max_batch_(std::min(w.batch, rows_)),
          x_(w.d().features.data(), static_cast<Eigen::Index>(w.d().cols()), static_cast<Eigen::Index>(rows_)),
          y_(w.d().targets.data(), static_cast<Eigen::Index>(rows_)) {
        // Eigen's products run on this many OpenMP threads (eigen_2t: built with -fopenmp).
        Eigen::setNbThreads(TYPEGRAD_BENCH_EIGEN_THREADS);
        const auto n = static_cast<Eigen::Index>(max_batch_);
        for (std::size_t l = 0; l < w.model.layers(); ++l) {
            const int in = w.model.sizes[l], out = w.model.sizes[l + 1];
            layer& L = layers_.emplace_back();
            L.W.resize(out, in);
            L.b.resize(out);
            L.gW.resize(out, in);
            L.gb.resize(out);
            L.mW = L.vW = matrix::Zero(out, in);
            L.mb = L.vb = vector::Zero(out);
            L.a.resize(out, n);  // this layer's output (after the activation)
            L.d.resize(out, n);  // d loss / d this layer's pre-activation
        }
    }

    void reset() {
        const std::vector<float> p = tb::initial_parameters(w_);
        std::size_t k = 0;
        for (layer& L : layers_) {
            for (Eigen::Index o = 0; o < L.W.rows(); ++o)
                for (Eigen::Index j = 0; j < L.W.cols(); ++j)
                    L.W(o, j) = p[k++];
            for (Eigen::Index o = 0; o < L.b.size(); ++o)
                L.b(o) = p[k++];
            L.gW.setZero();
            L.gb.setZero();
            L.mW.setZero();
            L.vW.setZero();
            L.mb.setZero();
            L.vb.setZero();
        }
        beta1_t_ = beta2_t_ = 1;
    }

    void run() {
        switch (w_.kind) {
            case tb::workload_kind::train:
                for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
                    auto [begin, n] = w_.batch_rows(s);
                    zero_grad();
                    forward(begin, n);
                    backward(begin, n);
                    step();
                }
                break;
            case tb::workload_kind::forward:
                last_loss_ = full_loss();
                break;
            case tb::workload_kind::gradient:
                zero_grad();
                forward(0, rows_);
                backward(0, rows_);
                break;
        }
    }

    double loss() { return w_.kind == tb::workload_kind::train ? full_loss() : last_loss_; }

    std::vector<double> parameters() const { return flatten(false); }
    std::vector<double> gradient() const { return flatten(true); }

private:
    struct layer {
        matrix W, gW, mW, vW;
        vector b, gb, mb, vb;
        matrix a, d;
    };

    void zero_grad() {
        for (layer& L : layers_) {
            L.gW.setZero();
            L.gb.setZero();
        }
    }

    // Returns the summed loss over columns [begin, begin+n); leaves layers_.back().d set to
    // d(mean loss)/d(output).
    double forward(std::size_t begin, std::size_t n) {
        const auto N = static_cast<Eigen::Index>(n);
        const auto B = static_cast<Eigen::Index>(begin);
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            layer& L = layers_[l];
            auto a = L.a.leftCols(N);
            if (l == 0)
                a.noalias() = L.W * x_.middleCols(B, N);
            else
                a.noalias() = L.W * layers_[l - 1].a.leftCols(N);
            a.colwise() += L.b;
            if (l + 1 < layers_.size()) {
                if (w_.model.act == tb::activation::tanh)
                    a = a.array().tanh();
                if (w_.model.act == tb::activation::relu)
                    a = a.array().max(0.0f);
            }
        }
        layer& out = layers_.back();
        auto z = out.a.leftCols(N);
        auto d = out.d.leftCols(N);
        const float inv_n = 1.0f / static_cast<float>(n);
        if (w_.model.loss == tb::loss_kind::mse) {
            d.row(0) = z.row(0) - y_.segment(B, N).transpose();
            const double sum = d.row(0).squaredNorm();
            d *= 2.0f * inv_n;
            return sum;
        }
        // cross-entropy: log-softmax down each column, then NLL
        const Eigen::RowVectorXf mx = z.colwise().maxCoeff();
        d = (z.rowwise() - mx).array().exp();
        const Eigen::RowVectorXf s = d.colwise().sum();
        double sum = 0;
        for (Eigen::Index i = 0; i < N; ++i) {
            const auto cls = static_cast<Eigen::Index>(y_(B + i));
            sum += std::log(s(i)) + mx(i) - z(cls, i);
        }
        d.array().rowwise() /= s.array();
        for (Eigen::Index i = 0; i < N; ++i)
            d(static_cast<Eigen::Index>(y_(B + i)), i) -= 1.0f;
        d *= inv_n;
        return sum;
    }

    void backward(std::size_t begin, std::size_t n) {
        const auto N = static_cast<Eigen::Index>(n);
        const auto B = static_cast<Eigen::Index>(begin);
        for (std::size_t l = layers_.size(); l-- > 0;) {
            layer& L = layers_[l];
            auto d = L.d.leftCols(N);
            if (l == 0) {
                L.gW.noalias() += d * x_.middleCols(B, N).transpose();
            } else {
                L.gW.noalias() += d * layers_[l - 1].a.leftCols(N).transpose();
            }
            L.gb += d.rowwise().sum();
            if (l == 0)
                break;
            layer& P = layers_[l - 1];
            auto pd = P.d.leftCols(N);
            auto pa = P.a.leftCols(N);
            pd.noalias() = L.W.transpose() * d;
            if (w_.model.act == tb::activation::tanh)
                pd.array() *= 1.0f - pa.array().square();
            if (w_.model.act == tb::activation::relu)
                pd.array() = (pa.array() > 0.0f).select(pd.array(), 0.0f);
        }
    }

    void step() {
        if (w_.opt == tb::optimiser::sgd) {
            for (layer& L : layers_) {
                L.W -= w_.lr * L.gW;
                L.b -= w_.lr * L.gb;
            }
            return;
        }
        beta1_t_ *= static_cast<double>(tb::adam_beta1);  // running products: no pow() per step
        beta2_t_ *= static_cast<double>(tb::adam_beta2);
        const auto bc1 = static_cast<float>(1.0 - beta1_t_);
        const auto inv_bc2_sqrt = static_cast<float>(1.0 / std::sqrt(1.0 - beta2_t_));
        const float step_size = w_.lr / bc1;
        auto adam = [&](auto& p, const auto& g, auto& m, auto& v) {
            m = tb::adam_beta1 * m + (1.0f - tb::adam_beta1) * g;
            v.array() = tb::adam_beta2 * v.array() + (1.0f - tb::adam_beta2) * g.array().square();
            p.array() -= step_size * m.array() / (v.array().sqrt() * inv_bc2_sqrt + tb::adam_eps);
        };
        for (layer& L : layers_) {
            adam(L.W, L.gW, L.mW, L.vW);
            adam(L.b, L.gb, L.mb, L.vb);
        }
    }

    double full_loss() {
        double sum = 0;
        for (std::size_t begin = 0; begin < rows_; begin += max_batch_)
            sum += forward(begin, std::min(max_batch_, rows_ - begin));
        return sum / static_cast<double>(rows_);
    }

    std::vector<double> flatten(bool grads) const {
        std::vector<double> out;
        for (const layer& L : layers_) {
            const matrix& W = grads ? L.gW : L.W;
            const vector& b = grads ? L.gb : L.b;
            for (Eigen::Index o = 0; o < W.rows(); ++o)
                for (Eigen::Index j = 0; j < W.cols(); ++j)
                    out.push_back(W(o, j));
            for (Eigen::Index o = 0; o < b.size(); ++o)
                out.push_back(b(o));
        }
        return out;
    }

    const tb::workload& w_;
    std::size_t rows_, max_batch_;
    Eigen::Map<const matrix> x_;  // cols() x rows(): one column per sample
    Eigen::Map<const vector> y_;
    std::vector<layer> layers_;
    double beta1_t_ = 1, beta2_t_ = 1;
    double last_loss_ = 0;
};

#if TYPEGRAD_BENCH_EIGEN_THREADS == 1
const bool registered = [] {
    for (tb::workload_id id : tb::all_workloads)
        if (tb::get(id).model.net == tb::network::mlp)  // no convolutions here (W9)
            tb::register_benchmark<eigen_model>(id, "eigen");
    return true;
}();
#else
const bool registered = [] {
    for (tb::workload_id id : tb::wide_workloads)
        tb::register_benchmark<eigen_model>(id, "eigen_2t")->MeasureProcessCPUTime();
    return true;
}();
#endif

}  // namespace
