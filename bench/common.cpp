// Data, workloads, initial parameters and the fp64 reference shared by every contender.
// Compiled once, without -ffast-math, whatever the contenders are compiled with.
#include "common.hpp"

#include <typegrad/data/csv.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mutex>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>

#ifndef TYPEGRAD_BENCH_DATA_DIR
#error "TYPEGRAD_BENCH_DATA_DIR must name examples/data (bench/CMakeLists.txt defines it)"
#endif

namespace typegrad_bench {
namespace {

// splitmix64: tiny, and easy to reproduce bit for bit in Python (pytorch_bench.py does).
struct splitmix64 {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // 24 random bits: exact in float and double alike.
    double uniform01() { return static_cast<double>(next() >> 40) * 0x1p-24; }
};

constexpr std::uint64_t diabetes_permutation_seed = 1;
constexpr std::uint64_t digits_permutation_seed = 2;

// The CSVs as read by typegrad itself, in double: scaling happens here, in double, in an order
// that pytorch_bench.py repeats exactly, and only then are values rounded to float.
using raw_csv = typegrad::data::basic_dataset<double>;

raw_csv load_csv(const std::string& file) {
    return typegrad::data::read_csv<double>(std::string(TYPEGRAD_BENCH_DATA_DIR) + "/" + file, {.target = "target"});
}

dataset permuted(const raw_csv& csv, std::uint64_t seed) {
    dataset d;
    d.n_rows = csv.rows();
    d.n_cols = csv.cols();
    for (std::size_t r : permutation(csv.rows(), seed)) {
        for (std::size_t c = 0; c < csv.cols(); ++c)
            d.features.push_back(static_cast<float>(csv.row(r)[c]));
        d.targets.push_back(static_cast<float>(csv.target(r)));
    }
    return d;
}

dataset load_diabetes() {
    raw_csv csv = load_csv("diabetes.csv");
    // Population std, accumulated in row order in double (pytorch_bench.py does the same).
    const std::size_t rows = csv.rows(), cols = csv.cols();
    csv.update([&](std::span<double> features, std::span<double>) {
        for (std::size_t c = 0; c < cols; ++c) {
            double sum = 0;
            for (std::size_t r = 0; r < rows; ++r)
                sum += features[r * cols + c];
            const double mean = sum / static_cast<double>(rows);
            double ss = 0;
            for (std::size_t r = 0; r < rows; ++r) {
                const double dev = features[r * cols + c] - mean;
                ss += dev * dev;
            }
            const double sd = std::sqrt(ss / static_cast<double>(rows));
            for (std::size_t r = 0; r < rows; ++r)
                features[r * cols + c] = (features[r * cols + c] - mean) / sd;
        }
    });
    return permuted(csv, diabetes_permutation_seed);
}

dataset load_digits() {
    raw_csv csv = load_csv("digits.csv");
    csv.update([](std::span<double> features, std::span<double>) {
        for (double& v : features)
            v /= 16.0;
    });
    return permuted(csv, digits_permutation_seed);
}

std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

workload make(workload_id id) {
    const model_spec linear{{10, 1}, activation::none, loss_kind::mse};
    const model_spec mlp_tanh{{10, 32, 1}, activation::tanh, loss_kind::mse};
    const model_spec mlp_digits{{64, 64, 10}, activation::relu, loss_kind::cross_entropy};
    const model_spec mlp_wide{{64, 256, 256, 10}, activation::relu, loss_kind::cross_entropy};
    const model_spec digits_cnn{{64, 10}, activation::relu, loss_kind::cross_entropy, network::digits_cnn};
    const dataset* dia = &diabetes();
    const dataset* dig = &digits();
    const std::size_t n_dia = dia->rows();
    // An epoch of Adam (lr 1e-3) over the digits in batches of `batch`.
    const auto digits_epoch = [&](std::string_view name, const model_spec& m, std::size_t batch, int verify,
                                  int quick_verify) {
        workload w{id,
                   name,
                   "epoch",
                   workload_kind::train,
                   dig,
                   m,
                   optimiser::adam,
                   1e-3f,
                   batch,
                   ceil_div(dig->rows(), batch),
                   verify};
        w.quick_verify_runs = quick_verify;
        return w;
    };
    switch (id) {
        case workload_id::w1:
            return {id, "W1", "step", workload_kind::train, dia, linear, optimiser::sgd, 1e-3f, n_dia, 1, 100};
        case workload_id::w2:
            return {
                id, "W2", "epoch", workload_kind::train, dia, linear, optimiser::adam, 1e-3f, 32, ceil_div(n_dia, 32),
                20};
        case workload_id::w3:
            return {
                id, "W3", "epoch", workload_kind::train, dia, mlp_tanh, optimiser::adam, 1e-3f, 32, ceil_div(n_dia, 32),
                20};
        case workload_id::w4:
            return digits_epoch("W4", mlp_digits, 64, 5, 0);
        case workload_id::w7: {
            workload w{id,          "W7", "step", workload_kind::train, dig, mlp_wide, optimiser::adam, 1e-3f,
                       dig->rows(), 1,    10};
            w.quick_verify_runs = 3;
            return w;
        }
        case workload_id::w8:  // 1797 rows: 7 steps of 256 and one of 5
            return digits_epoch("W8", mlp_wide, 256, 2, 1);
        case workload_id::w9:  // examples/digits_cnn's network; 28 steps of 64 and one of 5
            return digits_epoch("W9", digits_cnn, 64, 5, 1);
        case workload_id::w1fwd:
            return {id, "W1fwd", "forward", workload_kind::forward, dia, linear, optimiser::sgd, 0, n_dia, 1, 1};
        case workload_id::w5:
            return {id, "W5", "gradient", workload_kind::gradient, dia, linear, optimiser::sgd, 0, n_dia, 1, 1};
        case workload_id::w3fwd:
            return {id, "W3fwd", "forward", workload_kind::forward, dia, mlp_tanh, optimiser::sgd, 0, n_dia, 1, 1};
        case workload_id::w3grad:
            return {id, "W3grad", "gradient", workload_kind::gradient, dia, mlp_tanh, optimiser::sgd, 0, n_dia, 1, 1};
    }
    throw std::logic_error("bench: unknown workload");
}

// Seeds of the initial parameters, one per model (shared by the workloads using that model).
std::uint64_t init_seed(const model_spec& m) {
    if (m.net == network::digits_cnn)
        return 14;
    if (m.sizes == std::vector<int>{10, 1})
        return 10;
    if (m.sizes == std::vector<int>{10, 32, 1})
        return 11;
    if (m.sizes == std::vector<int>{64, 64, 10})
        return 12;
    return 13;
}

// ---- fp64 reference -------------------------------------------------------------------------

// Adds d(mean loss over rows [begin, begin+n))/d(params) into `grad` (if given); returns the
// summed (not averaged) loss over those rows. Plain loops in double over blocks of a few samples
// (each weight row is used for the whole block while it is in cache, so that W7's 84,000
// parameters take a fraction of a second per full pass); every inner loop is an axpy, which the
// compiler vectorises without reassociating anything.
double reference_cnn_batch(const workload& w, const std::vector<double>& p, std::size_t begin, std::size_t n,
                           std::vector<double>* grad);

double reference_batch(const workload& w, const std::vector<double>& p, std::size_t begin, std::size_t n,
                       std::vector<double>* grad) {
    if (w.model.net == network::digits_cnn)
        return reference_cnn_batch(w, p, begin, n, grad);
    constexpr std::size_t block = 8;
    const model_spec& m = w.model;
    const dataset& d = w.d();
    const std::size_t L = m.layers();
    std::vector<std::size_t> offset(L), size(L + 1);
    for (std::size_t l = 0, o = 0; l < L; ++l) {
        offset[l] = o;
        o += static_cast<std::size_t>(m.sizes[l] * m.sizes[l + 1] + m.sizes[l + 1]);
    }
    for (std::size_t l = 0; l <= L; ++l)
        size[l] = static_cast<std::size_t>(m.sizes[l]);
    std::vector<std::vector<double>> wt(L);  // weights transposed: wt[l][j * out + o]
    for (std::size_t l = 0; l < L; ++l) {
        wt[l].resize(size[l] * size[l + 1]);
        for (std::size_t o = 0; o < size[l + 1]; ++o)
            for (std::size_t j = 0; j < size[l]; ++j)
                wt[l][j * size[l + 1] + o] = p[offset[l] + o * size[l] + j];
    }
    std::vector<std::vector<double>> act(L + 1), delta(L + 1);  // [sample in block][unit]
    for (std::size_t l = 0; l <= L; ++l) {
        act[l].resize(block * size[l]);
        delta[l].resize(block * size[l]);
    }
    double total = 0;
    for (std::size_t b0 = begin; b0 < begin + n; b0 += block) {
        const std::size_t nb = std::min(block, begin + n - b0);
        for (std::size_t i = 0; i < nb; ++i)
            for (std::size_t j = 0; j < size[0]; ++j)
                act[0][i * size[0] + j] = d.row(b0 + i)[j];
        for (std::size_t l = 0; l < L; ++l) {
            const std::size_t in = size[l], out = size[l + 1];
            const double* bias = p.data() + offset[l] + in * out;
            double* z = act[l + 1].data();
            for (std::size_t i = 0; i < nb; ++i)
                std::copy_n(bias, out, z + i * out);
            for (std::size_t j = 0; j < in; ++j) {
                const double* wr = wt[l].data() + j * out;
                for (std::size_t i = 0; i < nb; ++i) {
                    const double a = act[l][i * in + j];
                    for (std::size_t o = 0; o < out; ++o)
                        z[i * out + o] += a * wr[o];
                }
            }
            if (l + 1 < L)
                for (std::size_t k = 0; k < nb * out; ++k)
                    z[k] = m.act == activation::tanh ? std::tanh(z[k]) : std::max(z[k], 0.0);
        }
        for (std::size_t i = 0; i < nb; ++i) {
            const std::size_t outn = size[L];
            const double* out = act[L].data() + i * outn;
            double* g = delta[L].data() + i * outn;
            if (m.loss == loss_kind::mse) {
                const double r = out[0] - static_cast<double>(d.targets[b0 + i]);
                total += r * r;
                g[0] = 2.0 * r / static_cast<double>(n);
            } else {
                const auto cls = static_cast<std::size_t>(d.targets[b0 + i]);
                const double mx = *std::max_element(out, out + outn);
                double s = 0;
                for (std::size_t o = 0; o < outn; ++o)
                    s += std::exp(out[o] - mx);
                const double lse = mx + std::log(s);
                total += lse - out[cls];
                for (std::size_t o = 0; o < outn; ++o)
                    g[o] = (std::exp(out[o] - lse) - (o == cls ? 1.0 : 0.0)) / static_cast<double>(n);
            }
        }
        if (!grad)
            continue;
        for (std::size_t l = L; l-- > 0;) {
            const std::size_t in = size[l], outn = size[l + 1];
            const double* W = p.data() + offset[l];
            double* gW = grad->data() + offset[l];
            double* gb = gW + in * outn;
            const double* dl = delta[l + 1].data();
            const double* al = act[l].data();
            for (std::size_t o = 0; o < outn; ++o) {
                double* gw = gW + o * in;
                for (std::size_t i = 0; i < nb; ++i) {
                    const double dv = dl[i * outn + o];
                    gb[o] += dv;
                    for (std::size_t j = 0; j < in; ++j)
                        gw[j] += dv * al[i * in + j];
                }
            }
            if (l == 0)
                break;
            double* dp = delta[l].data();
            std::fill_n(dp, nb * in, 0.0);
            for (std::size_t o = 0; o < outn; ++o) {
                const double* wr = W + o * in;
                for (std::size_t i = 0; i < nb; ++i) {
                    const double dv = dl[i * outn + o];
                    for (std::size_t j = 0; j < in; ++j)
                        dp[i * in + j] += dv * wr[j];
                }
            }
            for (std::size_t k = 0; k < nb * in; ++k) {
                const double a = al[k];
                dp[k] *= m.act == activation::tanh ? 1.0 - a * a : (a > 0 ? 1.0 : 0.0);
            }
        }
    }
    return total;
}

// The digits CNN (common.hpp's cnn), one sample at a time in torch's C-major layout, every loop the
// definition: a convolution's tap outside the image reads the zero padding (skipped), max pooling
// keeps the first largest of its 2x2 window (torch's choice; ties only occur among relu's zeros,
// whose gradient is zero either way).
struct cnn_conv {
    std::size_t in, out, side;  // channels in and out, the image's side (padding 1 keeps it)
    // y[o][r][c] = b[o] + sum_{i,kr,kc} w[o][i][kr][kc] x[i][r+kr-1][c+kc-1]
    void forward(const double* w, const double* b, const double* x, double* y) const {
        for (std::size_t o = 0; o < out; ++o)
            for (std::size_t r = 0; r < side; ++r)
                for (std::size_t c = 0; c < side; ++c) {
                    double s = b[o];
                    visit(r, c, [&](std::size_t i, std::size_t tap, std::size_t at) {
                        s += w[(o * in + i) * cnn::k * cnn::k + tap] * x[i * side * side + at];
                    });
                    y[(o * side + r) * side + c] = s;
                }
    }
    // gw += dy x, gb += dy, dx (when given) = the transposed convolution of dy.
    void backward(const double* w, const double* x, const double* dy, double* gw, double* gb, double* dx) const {
        if (dx)
            std::fill_n(dx, in * side * side, 0.0);
        for (std::size_t o = 0; o < out; ++o)
            for (std::size_t r = 0; r < side; ++r)
                for (std::size_t c = 0; c < side; ++c) {
                    const double d = dy[(o * side + r) * side + c];
                    gb[o] += d;
                    visit(r, c, [&](std::size_t i, std::size_t tap, std::size_t at) {
                        gw[(o * in + i) * cnn::k * cnn::k + tap] += d * x[i * side * side + at];
                        if (dx)
                            dx[i * side * side + at] += d * w[(o * in + i) * cnn::k * cnn::k + tap];
                    });
                }
    }
    // f(input channel, tap kr * 3 + kc, input pixel r' * side + c') for the taps inside the image.
    template <class F>
    void visit(std::size_t r, std::size_t c, F f) const {
        for (std::size_t i = 0; i < in; ++i)
            for (std::size_t kr = 0; kr < cnn::k; ++kr)
                for (std::size_t kc = 0; kc < cnn::k; ++kc) {
                    const std::size_t rr = r + kr, cc = c + kc;  // padded coordinates
                    if (rr >= 1 && rr <= side && cc >= 1 && cc <= side)
                        f(i, kr * cnn::k + kc, (rr - 1) * side + (cc - 1));
                }
    }
};

// relu then 2x2 max pooling of `ch` images of side `side`: y and, per output, the input index kept.
void relu_pool(const double* z, std::size_t ch, std::size_t side, double* y, std::size_t* from) {
    const std::size_t half = side / 2;
    for (std::size_t c = 0; c < ch; ++c)
        for (std::size_t r = 0; r < half; ++r)
            for (std::size_t q = 0; q < half; ++q) {
                std::size_t best = (c * side + 2 * r) * side + 2 * q;
                for (std::size_t dr = 0; dr < 2; ++dr)
                    for (std::size_t dq = 0; dq < 2; ++dq) {
                        const std::size_t at = (c * side + 2 * r + dr) * side + 2 * q + dq;
                        if (z[at] > z[best])
                            best = at;
                    }
                const std::size_t o = (c * half + r) * half + q;
                y[o] = std::max(z[best], 0.0);
                from[o] = best;
            }
}

// The gradient of relu_pool: dz[from[o]] = dy[o] where that input was positive, 0 elsewhere.
void relu_pool_backward(const double* z, const std::size_t* from, const double* dy, std::size_t outputs,
                        std::size_t inputs, double* dz) {
    std::fill_n(dz, inputs, 0.0);
    for (std::size_t o = 0; o < outputs; ++o)
        if (z[from[o]] > 0)
            dz[from[o]] += dy[o];
}

double reference_cnn_batch(const workload& w, const std::vector<double>& p, std::size_t begin, std::size_t n,
                           std::vector<double>* grad) {
    using namespace cnn;
    const dataset& d = w.d();
    const cnn_conv conv1{1, c1, side}, conv2{c1, c2, side1};
    constexpr std::size_t a0 = side * side, a1 = c1 * side * side, p1 = c1 * side1 * side1, a2 = c2 * side1 * side1;
    std::vector<double> x(a0), z1(a1), h1(p1), z2(a2), h2(features), out(classes), g(classes);
    std::vector<double> dh2(features), dz2(a2), dh1(p1), dz1(a1);
    std::vector<std::size_t> from1(p1), from2(features);
    double total = 0;
    for (std::size_t s = begin; s < begin + n; ++s) {
        std::copy_n(d.row(s), a0, x.begin());
        conv1.forward(p.data() + w1, p.data() + b1, x.data(), z1.data());
        relu_pool(z1.data(), c1, side, h1.data(), from1.data());
        conv2.forward(p.data() + w2, p.data() + b2, h1.data(), z2.data());
        relu_pool(z2.data(), c2, side1, h2.data(), from2.data());
        for (std::size_t o = 0; o < classes; ++o) {
            double v = p[b3 + o];
            for (std::size_t j = 0; j < features; ++j)
                v += p[w3 + o * features + j] * h2[j];
            out[o] = v;
        }
        const auto cls = static_cast<std::size_t>(d.targets[s]);
        const double mx = *std::max_element(out.begin(), out.end());
        double sum = 0;
        for (double v : out)
            sum += std::exp(v - mx);
        const double lse = mx + std::log(sum);
        total += lse - out[cls];
        if (!grad)
            continue;
        double* gp = grad->data();
        std::fill(dh2.begin(), dh2.end(), 0.0);
        for (std::size_t o = 0; o < classes; ++o) {
            g[o] = (std::exp(out[o] - lse) - (o == cls ? 1.0 : 0.0)) / static_cast<double>(n);
            gp[b3 + o] += g[o];
            for (std::size_t j = 0; j < features; ++j) {
                gp[w3 + o * features + j] += g[o] * h2[j];
                dh2[j] += g[o] * p[w3 + o * features + j];
            }
        }
        relu_pool_backward(z2.data(), from2.data(), dh2.data(), features, a2, dz2.data());
        conv2.backward(p.data() + w2, h1.data(), dz2.data(), gp + w2, gp + b2, dh1.data());
        relu_pool_backward(z1.data(), from1.data(), dh1.data(), p1, a1, dz1.data());
        conv1.backward(p.data() + w1, x.data(), dz1.data(), gp + w1, gp + b1, nullptr);
    }
    return total;
}

std::vector<double> promoted(const std::vector<float>& v) { return {v.begin(), v.end()}; }

double relative(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

std::mutex cache_mutex;
std::map<std::string, check>& checks() {
    static std::map<std::string, check> c;
    return c;
}

}  // namespace

std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed) {
    std::vector<std::size_t> p(n);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = i;
    splitmix64 rng{seed};
    for (std::size_t i = n; i-- > 1;)
        std::swap(p[i], p[rng.next() % (i + 1)]);
    return p;
}

const dataset& diabetes() {
    static const dataset d = load_diabetes();
    return d;
}
const dataset& digits() {
    static const dataset d = load_digits();
    return d;
}

std::size_t model_spec::parameter_count() const {
    if (net == network::digits_cnn)
        return cnn::count;
    std::size_t n = 0;
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
        n += static_cast<std::size_t>(sizes[l] * sizes[l + 1] + sizes[l + 1]);
    return n;
}

std::pair<std::size_t, std::size_t> workload::batch_rows(std::size_t s) const {
    const std::size_t begin = s * batch;
    return {begin, std::min(batch, d().rows() - begin)};
}

const workload& get(workload_id id) {
    static const std::map<workload_id, workload> all = [] {
        std::map<workload_id, workload> m;
        for (workload_id i : all_workloads)
            m.emplace(i, make(i));
        return m;
    }();
    return all.at(id);
}

std::string benchmark_name(workload_id id, std::string_view contender) {
    return "BM_" + std::string(get(id).name) + "_" + std::string(contender);
}

std::vector<float> initial_parameters(const workload& w) {
    splitmix64 rng{init_seed(w.model)};
    std::vector<float> p;
    if (w.model.net == network::digits_cnn) {
        // torch's rule for every layer, fan_in = in channels x 3 x 3 for a convolution, weight then bias.
        using namespace cnn;
        const std::pair<std::size_t, std::size_t> layers[] = {// {fan_in, weight and bias count}
                                                              {k * k, w2 - w1},
                                                              {c1 * k * k, w3 - w2},
                                                              {features, count - w3}};
        for (const auto& [fan_in, size] : layers) {
            const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
            for (std::size_t i = 0; i < size; ++i)
                p.push_back(static_cast<float>((2.0 * rng.uniform01() - 1.0) * bound));
        }
        return p;
    }
    for (std::size_t l = 0; l < w.model.layers(); ++l) {
        const int in = w.model.sizes[l];
        const int out = w.model.sizes[l + 1];
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        for (int k = 0; k < in * out + out; ++k)
            p.push_back(static_cast<float>((2.0 * rng.uniform01() - 1.0) * bound));
    }
    return p;
}

double reference_loss(const workload& w, const std::vector<double>& params) {
    return reference_batch(w, params, 0, w.d().rows(), nullptr) / static_cast<double>(w.d().rows());
}

std::vector<double> reference_gradient(const workload& w, const std::vector<double>& params) {
    std::vector<double> g(params.size(), 0.0);
    reference_batch(w, params, 0, w.d().rows(), &g);
    return g;
}

// Parameters after `runs` units of training (uncached).
static std::vector<double> train_reference(const workload& w, int runs) {
    std::vector<double> p = promoted(initial_parameters(w));
    std::vector<double> g(p.size()), m(p.size(), 0.0), v(p.size(), 0.0);
    const double lr = w.lr, b1 = adam_beta1, b2 = adam_beta2, eps = adam_eps;
    long t = 0;
    for (int r = 0; r < runs; ++r) {
        for (std::size_t s = 0; s < w.steps_per_run; ++s) {
            auto [begin, n] = w.batch_rows(s);
            std::fill(g.begin(), g.end(), 0.0);
            reference_batch(w, p, begin, n, &g);
            ++t;
            if (w.opt == optimiser::sgd) {
                for (std::size_t k = 0; k < p.size(); ++k)
                    p[k] -= lr * g[k];
                continue;
            }
            // torch.optim.Adam (1.13, single tensor, amsgrad=False, weight_decay=0)
            const double bc1 = 1.0 - std::pow(b1, static_cast<double>(t));
            const double bc2_sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(t)));
            for (std::size_t k = 0; k < p.size(); ++k) {
                m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                v[k] = b2 * v[k] + (1.0 - b2) * g[k] * g[k];
                p[k] -= lr / bc1 * m[k] / (std::sqrt(v[k]) / bc2_sqrt + eps);
            }
        }
    }
    return p;
}

std::vector<double> reference_train(const workload& w, int runs) {
    static std::mutex mutex;
    static std::map<std::pair<workload_id, int>, std::vector<double>> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find({w.id, runs});
    if (it == cache.end())
        it = cache.emplace(std::pair{w.id, runs}, train_reference(w, runs)).first;
    return it->second;
}

int verify_runs(const workload& w) {
    static const bool quick = [] {
        const char* v = std::getenv("TYPEGRAD_BENCH_QUICK_VERIFY");
        return v && std::string_view(v) == "1";
    }();
    return quick && w.quick_verify_runs > 0 ? w.quick_verify_runs : w.verify_runs;
}

check check_train(const workload& w, double own_loss, const std::vector<double>& params) {
    const int runs = verify_runs(w);
    const std::vector<double> ref = reference_train(w, runs);
    const double ref_loss = reference_loss(w, ref);
    check c{false, "", own_loss, ref_loss};
    if (params.size() != ref.size()) {
        c.message = "exports " + std::to_string(params.size()) + " parameters, expected " + std::to_string(ref.size());
        return c;
    }
    if (!(relative(own_loss, ref_loss) <= loss_tolerance)) {
        std::ostringstream s;
        s << "after " << runs << " " << w.unit << "s the loss is " << own_loss << ", the fp64 reference " << ref_loss
          << " (relative tolerance " << loss_tolerance << ")";
        c.message = s.str();
        return c;
    }
    // The loss may barely move in a few epochs (W2 and W3 fit a raw target), so also check that
    // the parameters made the same progress as the reference's.
    const double initial = reference_loss(w, promoted(initial_parameters(w)));
    const double progress = initial - reference_loss(w, params);
    const double ref_progress = initial - ref_loss;
    if (!(relative(progress, ref_progress) <= progress_tolerance)) {
        std::ostringstream s;
        s << "after " << runs << " " << w.unit << "s the loss fell by " << progress << ", the fp64 reference's by "
          << ref_progress << " (relative tolerance " << progress_tolerance << ")";
        c.message = s.str();
        return c;
    }
    c.ok = true;
    return c;
}

check check_forward(const workload& w, double own_loss) {
    const double ref = reference_loss(w, promoted(initial_parameters(w)));
    check c{relative(own_loss, ref) <= loss_tolerance, "", own_loss, ref};
    if (!c.ok) {
        std::ostringstream s;
        s << "forward loss " << own_loss << ", the fp64 reference " << ref;
        c.message = s.str();
    }
    return c;
}

check check_gradient(const workload& w, const std::vector<double>& grad) {
    const std::vector<double> ref = reference_gradient(w, promoted(initial_parameters(w)));
    double norm = 0, ref_norm = 0, worst = 0, scale = 0;
    for (std::size_t k = 0; k < ref.size(); ++k) {
        scale = std::max(scale, std::abs(ref[k]));
        ref_norm += ref[k] * ref[k];
    }
    check c{false, "", 0, std::sqrt(ref_norm)};
    if (grad.size() != ref.size()) {
        c.message =
            "gradient has " + std::to_string(grad.size()) + " components, expected " + std::to_string(ref.size());
        return c;
    }
    std::size_t at = 0;
    for (std::size_t k = 0; k < ref.size(); ++k) {
        norm += grad[k] * grad[k];
        if (std::abs(grad[k] - ref[k]) > worst) {
            worst = std::abs(grad[k] - ref[k]);
            at = k;
        }
    }
    c.value = std::sqrt(norm);
    c.ok = worst <= gradient_tolerance * scale;
    if (!c.ok) {
        std::ostringstream s;
        s << "gradient component " << at << " is " << grad[at] << ", the fp64 reference " << ref[at] << " (tolerance "
          << gradient_tolerance << " x " << scale << ")";
        c.message = s.str();
    }
    return c;
}

const check* cached_check(const std::string& name) {
    std::lock_guard lock(cache_mutex);
    auto it = checks().find(name);
    return it == checks().end() ? nullptr : &it->second;
}

void store_check(const std::string& name, const check& c) {
    std::lock_guard lock(cache_mutex);
    checks()[name] = c;
}

}  // namespace typegrad_bench
