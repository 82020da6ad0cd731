// The Eigen peer of examples/diabetes/main.cpp, for compile time: read the CSV, standardise,
// split 80/20, and train the linear model with mini-batch SGD (batch 32, lr 0.001) three ways
// (no step, SGD, no zero_grad), printing the test MSE per epoch. Gradients by hand.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace {

struct table {
    Eigen::MatrixXd x;  // rows = samples
    Eigen::VectorXd y;
};

table read_csv(const std::string& file, const std::string& target) {
    std::ifstream in(file);
    if (!in)
        throw std::runtime_error("cannot open " + file);
    std::string line, cell;
    std::getline(in, line);
    std::vector<std::string> header;
    for (std::stringstream s(line); std::getline(s, cell, ',');)
        header.push_back(cell);
    const auto t = std::find(header.begin(), header.end(), target) - header.begin();
    std::vector<std::vector<double>> rows;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        std::vector<double> r;
        for (std::stringstream s(line); std::getline(s, cell, ',');)
            r.push_back(std::stod(cell));
        rows.push_back(std::move(r));
    }
    table d{Eigen::MatrixXd(rows.size(), header.size() - 1), Eigen::VectorXd(rows.size())};
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0, k = 0; j < header.size(); ++j) {
            if (static_cast<long>(j) == t)
                d.y(i) = rows[i][j];
            else
                d.x(i, k++) = rows[i][j];
        }
    return d;
}

enum class mode { no_step, sgd, no_zero_grad };

std::vector<double> run(mode m, const table& train, const table& test, int epochs) {
    std::mt19937 init(0);
    const double bound = 1.0 / std::sqrt(static_cast<double>(train.x.cols()));
    std::uniform_real_distribution<double> uniform(-bound, bound);
    Eigen::VectorXd w = Eigen::VectorXd::NullaryExpr(train.x.cols(), [&] { return uniform(init); });
    double b = uniform(init);
    Eigen::VectorXd gw = Eigen::VectorXd::Zero(w.size());
    double gb = 0;
    std::vector<double> losses;
    std::vector<int> order(train.x.rows());
    for (int epoch = 0; epoch < epochs; ++epoch) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), std::mt19937(epoch));
        for (std::size_t start = 0; start < order.size(); start += 32) {
            const std::size_t n = std::min<std::size_t>(32, order.size() - start);
            if (m != mode::no_zero_grad)
                gw.setZero(), gb = 0;
            for (std::size_t i = start; i < start + n; ++i) {
                const double e = train.x.row(order[i]).dot(w) + b - train.y(order[i]);
                gw += (2 * e / n) * train.x.row(order[i]).transpose();
                gb += 2 * e / n;
            }
            if (m != mode::no_step)
                w -= 0.001 * gw, b -= 0.001 * gb;
        }
        losses.push_back(((test.x * w).array() + b - test.y.array()).square().mean());
    }
    return losses;
}

}  // namespace

int main(int argc, char** argv) {
    table data = read_csv(argc > 1 ? argv[1] : "examples/data/diabetes.csv", "target");
    const Eigen::RowVectorXd mean = data.x.colwise().mean();
    const Eigen::RowVectorXd sd =
        ((data.x.rowwise() - mean).array().square().colwise().sum() / (data.x.rows() - 1)).sqrt();
    data.x = ((data.x.rowwise() - mean).array().rowwise() / sd.array()).matrix();
    std::vector<int> perm(data.x.rows());
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937(42));
    const int cut = static_cast<int>(0.8 * perm.size());
    table train{data.x(std::vector<int>(perm.begin(), perm.begin() + cut), Eigen::all),
                data.y(std::vector<int>(perm.begin(), perm.begin() + cut))};
    table test{data.x(std::vector<int>(perm.begin() + cut, perm.end()), Eigen::all),
               data.y(std::vector<int>(perm.begin() + cut, perm.end()))};
    const char* titles[] = {"no step", "SGD", "no zero_grad"};
    for (mode m : {mode::no_step, mode::sgd, mode::no_zero_grad}) {
        std::printf("%s\n", titles[static_cast<int>(m)]);
        const auto losses = run(m, train, test, 30);
        for (std::size_t e = 0; e < losses.size(); ++e)
            std::printf("  epoch %3zu  test mse %12.1f\n", e, losses[e]);
    }
}
