// The Eigen peer of mlp.cpp: the same MLP (DEPTH dense layers, HIDDEN wide, tanh between them),
// forward and backward written by hand over a batch matrix, one SGD step on random data. Layers
// live in run-time vectors, as one writes it with Eigen, so its compile time does not grow with
// DEPTH.
#include <cstddef>
#include <cstdio>
#include <random>
#include <vector>

#include <Eigen/Dense>

#ifndef DEPTH
#define DEPTH 6
#endif
#ifndef HIDDEN
#define HIDDEN 32
#endif

int main() {
    const int depth = DEPTH, hidden = HIDDEN, features = 10, rows = 64;
    const float lr = 0.01f;
    std::mt19937 rng(0);
    std::normal_distribution<float> normal;
    std::uniform_real_distribution<float> uniform(-1, 1);

    Eigen::MatrixXf x(features, rows);  // one sample per column
    Eigen::RowVectorXf y(rows);
    for (int j = 0; j < rows; ++j) {
        for (int f = 0; f < features; ++f)
            x(f, j) = normal(rng);
        y(j) = normal(rng);
    }

    std::vector<Eigen::MatrixXf> w, gw;
    std::vector<Eigen::VectorXf> b, gb;
    for (int l = 0; l < depth; ++l) {
        const int in = l == 0 ? features : hidden, out = l == depth - 1 ? 1 : hidden;
        const float bound = 1.0f / std::sqrt(static_cast<float>(in));  // torch.nn.Linear's rule
        w.push_back(Eigen::MatrixXf::NullaryExpr(out, in, [&] { return bound * uniform(rng); }));
        b.push_back(Eigen::VectorXf::NullaryExpr(out, [&] { return bound * uniform(rng); }));
        gw.push_back(Eigen::MatrixXf::Zero(out, in));
        gb.push_back(Eigen::VectorXf::Zero(out));
    }

    auto forward = [&](std::vector<Eigen::MatrixXf>& a) {
        a.assign(1, x);
        for (int l = 0; l < depth; ++l) {
            Eigen::MatrixXf z = (w[l] * a.back()).colwise() + b[l];
            a.push_back(l == depth - 1 ? z : Eigen::MatrixXf(z.array().tanh()));
        }
        return (a.back() - y).array().square().mean();
    };

    std::vector<Eigen::MatrixXf> a;
    const float before = forward(a);
    Eigen::MatrixXf g = 2.0f * (a.back() - y) / static_cast<float>(rows);  // d(mean loss)/d(output)
    for (int l = depth - 1; l >= 0; --l) {
        if (l != depth - 1)
            g = (g.array() * (1 - a[l + 1].array().square())).matrix();  // through tanh
        gw[l] += g * a[l].transpose();
        gb[l] += g.rowwise().sum();
        g = w[l].transpose() * g;
    }
    for (int l = 0; l < depth; ++l) {
        w[l] -= lr * gw[l];
        b[l] -= lr * gb[l];
    }
    std::printf("%d layers: loss %.6f -> %.6f\n", depth, before, forward(a));
}
