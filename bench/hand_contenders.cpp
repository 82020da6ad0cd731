// The hand-written contender: loops and gradients derived by hand, the code an expert would write
// for these exact shapes. bench/CMakeLists.txt compiles this file twice: as `hand` (-O3
// -march=native -fopenmp-simd) and as `hand_fastmath` (the same plus -ffast-math, which lets GCC
// call glibc's vectorised tanhf/expf/logf and reassociate reductions).
//
// Layouts (chosen per model, the faster of the two tried; see docs/performance.md):
//   - linear 10->1: the data stored feature-major (xT[j][i]), one SIMD lane per sample, forward
//     and gradient fused in one pass with one accumulator vector per feature; the sample-major
//     alternative (one row's 10 features per vector, a horizontal sum per sample) was slower.
//   - the wide MLP 64-256-256-10 (W7, W8): the MLPs' layout, the batch processed in chunks of 128
//     samples (activations stay in L2), products by a kernel that keeps a 6 x 64 tile of the
//     output in registers. Built a third time as `hand_2t` (-fopenmp -ffast-math): two threads,
//     each a contiguous half of the batch with its own gradient buffer, summed in a fixed order.
//   - MLPs: activations sample-major ([sample][unit]), weights stored transposed ([in][out],
//     outputs padded to 16 lanes), so that every product is the same register-blocked kernel
//     `c[m][0..P) (+)= sum_k a(m,k) * b[k][0..P)`: forward, weight gradients and input gradients.
// Everything lives in an anonymous namespace: the two compilations must not share inline code.
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef TYPEGRAD_BENCH_HAND_NAME
#error "TYPEGRAD_BENCH_HAND_NAME must be defined (\"hand\" or \"hand_fastmath\")"
#endif

namespace tb = typegrad_bench;

namespace {

// 64-byte aligned, zero-initialised float buffer.
class buffer {
public:
    buffer() = default;
    explicit buffer(std::size_t n) : data_(new (std::align_val_t{64}) float[n]()), size_(n) {}
    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    float& operator[](std::size_t i) { return data_[i]; }
    float operator[](std::size_t i) const { return data_[i]; }
    std::size_t size() const { return size_; }
    void zero() { std::fill_n(data_.get(), size_, 0.0f); }

private:
    struct deleter {
        void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
    };
    std::unique_ptr<float[], deleter> data_;
    std::size_t size_ = 0;
};

constexpr std::size_t padded(std::size_t n) { return (n + 15) / 16 * 16; }

// torch.optim.Adam (1.13, amsgrad=False, weight_decay=0) over a flat buffer.
struct adam_state {
    buffer m, v;
    double beta1_t = 1, beta2_t = 1;  // beta^t as running products: no pow() per step
    explicit adam_state(std::size_t n = 0) : m(n), v(n) {}
    void reset() {
        m.zero();
        v.zero();
        beta1_t = beta2_t = 1;
    }
    struct coefficients {
        float step_size, inv_bc2_sqrt;
    };
    // The scalar part of a step: t += 1, bias corrections.
    coefficients advance(float lr) {
        beta1_t *= static_cast<double>(tb::adam_beta1);
        beta2_t *= static_cast<double>(tb::adam_beta2);
        const auto bc1 = static_cast<float>(1.0 - beta1_t);
        const auto bc2_sqrt = static_cast<float>(std::sqrt(1.0 - beta2_t));
        return {lr / bc1, 1.0f / bc2_sqrt};
    }
    void step(float* __restrict p, const float* __restrict g, std::size_t n, float lr) {
        update(p, g, 0, n, advance(lr));
    }
    // The elementwise part, over [lo, hi).
    void update(float* __restrict p, const float* __restrict g, std::size_t lo, std::size_t hi, coefficients c) {
        const float step_size = c.step_size, inv_bc2_sqrt = c.inv_bc2_sqrt;
        float* __restrict m_ = m.data();
        float* __restrict v_ = v.data();
        constexpr float b1 = tb::adam_beta1, b2 = tb::adam_beta2, eps = tb::adam_eps;
#pragma omp simd
        for (std::size_t k = lo; k < hi; ++k) {
            m_[k] = b1 * m_[k] + (1.0f - b1) * g[k];
            v_[k] = b2 * v_[k] + (1.0f - b2) * g[k] * g[k];
            p[k] -= step_size * m_[k] / (std::sqrt(v_[k]) * inv_bc2_sqrt + eps);
        }
    }
};

// 8 floats in a register (GCC's and Clang's vector extension): the compiler keeps a small array of
// these in registers where it spilled or reloaded the same accumulators written as `omp simd`
// loops (the linear model's per-feature sums; the wide MLP's product tiles, where GCC interchanged
// the loops and reloaded every vector of b once per row of the tile).
using vec8 = float __attribute__((vector_size(32)));
// Unaligned loads and stores by memcpy through a local (copied straight into the caller's array
// element, GCC kept W1's accumulators in memory: 10x slower), with the vector passed by reference:
// a 32-byte vector passed or returned by value would change the calling convention between the
// SSE2 and AVX builds (GCC's -Wpsabi).
inline void load8(vec8& v, const float* p) {
    vec8 t;
    std::memcpy(&t, p, sizeof t);
    v = t;
}
inline void store8(float* p, const vec8& v) {
    const vec8 t = v;
    std::memcpy(p, &t, sizeof t);
}

// ---------------------------------------------------------------------------------------------
// Linear 10 -> 1, mse: W1 (SGD, full batch), W2 (Adam, batches of 32), W1fwd, W5.

class hand_linear {
    static constexpr std::size_t in = 10;

public:
    explicit hand_linear(const tb::workload& w)
        : w_(w), rows_(w.d().rows()), xt_(in * rows_), y_(rows_), adam_(in + 1) {
        for (std::size_t i = 0; i < rows_; ++i) {
            for (std::size_t j = 0; j < in; ++j)
                xt_[j * rows_ + i] = w.d().row(i)[j];
            y_[i] = w.d().targets[i];
        }
    }

    void reset() {
        const std::vector<float> p = tb::initial_parameters(w_);
        std::copy(p.begin(), p.end(), params_);
        std::fill_n(grads_, in + 1, 0.0f);
        adam_.reset();
    }

    void run() {
        switch (w_.kind) {
            case tb::workload_kind::train:
                for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
                    auto [begin, n] = w_.batch_rows(s);
                    std::fill_n(grads_, in + 1, 0.0f);  // zero_grad
                    pass<true>(begin, n);               // forward, mse, backward
                    if (w_.opt == tb::optimiser::sgd) {
#pragma omp simd
                        for (std::size_t k = 0; k < in + 1; ++k)
                            params_[k] -= w_.lr * grads_[k];
                    } else {
                        adam_.step(params_, grads_, in + 1, w_.lr);
                    }
                }
                break;
            case tb::workload_kind::forward:
                last_loss_ = pass<false>(0, rows_);
                break;
            case tb::workload_kind::gradient:
                std::fill_n(grads_, in + 1, 0.0f);
                pass<true>(0, rows_);
                break;
        }
    }

    double loss() { return w_.kind == tb::workload_kind::train ? pass<false>(0, rows_) : last_loss_; }
    std::vector<double> parameters() const { return {params_, params_ + in + 1}; }
    std::vector<double> gradient() const { return {grads_, grads_ + in + 1}; }

private:
    // One fused sweep over rows [begin, begin+n), a lane per sample. With Grad, adds the gradient
    // of the mean loss into grads_; otherwise returns the mean loss.
    template <bool Grad>
    double pass(std::size_t begin, std::size_t n) {
        const float* __restrict x = xt_.data() + begin;
        const float* __restrict y = y_.data() + begin;
        const std::size_t ld = rows_;
        float w[in];
        std::copy_n(params_, in, w);
        const float b = params_[in];
        const float scale = 2.0f / static_cast<float>(n);
        if constexpr (Grad) {
            // One fused sweep: 8 samples side by side (a lane each, GCC's and Clang's vector
            // extension), their residuals computed and at once multiplied into one accumulator
            // vector per feature (10 + 1 registers), summed over the lanes once at the end. No
            // reassociation is needed, so the strict build runs the same code as the fast-math one.
            constexpr std::size_t V = 8;
            vec8 acc_w[in] = {};
            vec8 acc_b = {};
            std::size_t i = 0;
            for (; i + V <= n; i += V) {
                vec8 xv[in];
                vec8 pred = b - vec8{};
                for (std::size_t j = 0; j < in; ++j) {
                    load8(xv[j], x + j * ld + i);
                    pred += w[j] * xv[j];
                }
                vec8 yv;
                load8(yv, y + i);
                const vec8 r = (pred - yv) * scale;
                acc_b += r;
                for (std::size_t j = 0; j < in; ++j)
                    acc_w[j] += r * xv[j];
            }
            float gw[in] = {}, gb = 0;
            for (; i < n; ++i) {  // the last n % 8 samples
                float pred = b;
                for (std::size_t j = 0; j < in; ++j)
                    pred += w[j] * x[j * ld + i];
                const float r = (pred - y[i]) * scale;
                gb += r;
                for (std::size_t j = 0; j < in; ++j)
                    gw[j] += r * x[j * ld + i];
            }
            for (std::size_t l = 0; l < V; ++l)
                gb += acc_b[l];
            grads_[in] += gb;
            for (std::size_t j = 0; j < in; ++j) {
                for (std::size_t l = 0; l < V; ++l)
                    gw[j] += acc_w[j][l];
                grads_[j] += gw[j];
            }
            return 0;
        } else {
            float sum = 0;
#pragma omp simd reduction(+ : sum)
            for (std::size_t i = 0; i < n; ++i) {
                float pred = b;
                for (std::size_t j = 0; j < in; ++j)
                    pred += w[j] * x[j * ld + i];
                const float r = pred - y[i];
                sum += r * r;
            }
            return sum / static_cast<float>(n);
        }
    }

    const tb::workload& w_;
    std::size_t rows_;
    buffer xt_, y_;
    alignas(64) float params_[in + 1] = {};
    alignas(64) float grads_[in + 1] = {};
    adam_state adam_;
    double last_loss_ = 0;
};

// ---------------------------------------------------------------------------------------------
// One-hidden-layer MLP: W3 (10-32-1 tanh, mse), W4 (64-64-10 relu, cross-entropy), W3fwd, W3grad.

// c[m][0..P) = (accumulate ? c : bias) + sum_{k<K} a[m*am + k*ak] * b[k*P .. k*P+P), m < M.
// Four rows of c stay in registers (4 x P/16 zmm) while k runs.
template <std::size_t P>
void gemm(std::size_t M, std::size_t K, const float* __restrict a, std::size_t am, std::size_t ak,
          const float* __restrict b, float* __restrict c, const float* __restrict bias, bool accumulate) {
    constexpr std::size_t R = P == 16 ? 8 : 4;  // enough independent FMA chains
    std::size_t m = 0;
    for (; m + R <= M; m += R) {
        float acc[R][P];
        for (std::size_t r = 0; r < R; ++r)
#pragma omp simd
            for (std::size_t p = 0; p < P; ++p)
                acc[r][p] = accumulate ? c[(m + r) * P + p] : (bias ? bias[p] : 0.0f);
        for (std::size_t k = 0; k < K; ++k) {
            const float* __restrict bk = b + k * P;
            for (std::size_t r = 0; r < R; ++r) {
                const float s = a[(m + r) * am + k * ak];
#pragma omp simd
                for (std::size_t p = 0; p < P; ++p)
                    acc[r][p] += s * bk[p];
            }
        }
        for (std::size_t r = 0; r < R; ++r)
#pragma omp simd
            for (std::size_t p = 0; p < P; ++p)
                c[(m + r) * P + p] = acc[r][p];
    }
    // The remaining rows one at a time (row pointers, not m * P: GCC 12 otherwise warns that
    // a huge iteration of this never-long loop would overflow).
    for (float* __restrict cm = c + m * P; m < M; ++m, cm += P) {
        float acc[P];
#pragma omp simd
        for (std::size_t p = 0; p < P; ++p)
            acc[p] = accumulate ? cm[p] : (bias ? bias[p] : 0.0f);
        for (std::size_t k = 0; k < K; ++k) {
            const float s = a[m * am + k * ak];
#pragma omp simd
            for (std::size_t p = 0; p < P; ++p)
                acc[p] += s * b[k * P + p];
        }
#pragma omp simd
        for (std::size_t p = 0; p < P; ++p)
            cm[p] = acc[p];
    }
}

// One sample's cross-entropy from its Out scores z: returns logsumexp(z) - z[cls] and writes
// d = (softmax(z) - onehot(cls)) * inv_n, the gradient of the batch's mean loss.
template <std::size_t Out>
float cross_entropy_row(const float* __restrict z, std::size_t cls, float inv_n, float* __restrict d) {
    float mx = z[0];
    for (std::size_t o = 1; o < Out; ++o)
        mx = std::max(mx, z[o]);
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (std::size_t o = 0; o < Out; ++o) {
        d[o] = std::exp(z[o] - mx);
        s += d[o];
    }
    const float f = inv_n / s;
#pragma omp simd
    for (std::size_t o = 0; o < Out; ++o)
        d[o] *= f;
    d[cls] -= inv_n;
    return std::log(s) + mx - z[cls];
}

template <std::size_t In, std::size_t Hid, std::size_t Out, tb::activation Act, tb::loss_kind Loss>
class hand_mlp {
    static constexpr std::size_t HP = padded(Hid), OP = padded(Out);
    // Offsets in the flat parameter (and gradient, Adam) buffer.
    static constexpr std::size_t w1t = 0, b1 = w1t + In * HP, w2t = b1 + HP, b2 = w2t + Hid * OP, total = b2 + OP;

public:
    explicit hand_mlp(const tb::workload& w)
        : w_(w),
          rows_(w.d().rows()),
          max_batch_(std::min(w.batch, rows_)),
          p_(total),
          g_(total),
          w2_(Out * HP),
          h_(max_batch_ * HP),
          dh_(max_batch_ * HP),
          out_(max_batch_ * OP),
          dout_(max_batch_ * OP),
          adam_(total) {}

    void reset() {
        const std::vector<float> init = tb::initial_parameters(w_);
        p_.zero();
        const float* src = init.data();
        for (std::size_t h = 0; h < Hid; ++h)
            for (std::size_t j = 0; j < In; ++j)
                p_[w1t + j * HP + h] = *src++;
        for (std::size_t h = 0; h < Hid; ++h)
            p_[b1 + h] = *src++;
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t h = 0; h < Hid; ++h)
                p_[w2t + h * OP + o] = *src++;
        for (std::size_t o = 0; o < Out; ++o)
            p_[b2 + o] = *src++;
        refresh_w2();
        g_.zero();
        adam_.reset();
    }

    void run() {
        switch (w_.kind) {
            case tb::workload_kind::train:
                for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
                    auto [begin, n] = w_.batch_rows(s);
                    g_.zero();
                    forward(begin, n);
                    backward(begin, n);
                    adam_.step(p_.data(), g_.data(), total, w_.lr);
                    refresh_w2();
                }
                break;
            case tb::workload_kind::forward:
                last_loss_ = full_loss();
                break;
            case tb::workload_kind::gradient:
                g_.zero();
                forward(0, rows_);
                backward(0, rows_);
                break;
        }
    }

    double loss() { return w_.kind == tb::workload_kind::train ? full_loss() : last_loss_; }

    std::vector<double> parameters() const { return torch_layout(p_); }
    std::vector<double> gradient() const { return torch_layout(g_); }

private:
    const float* x(std::size_t begin) const { return w_.d().row(begin); }
    const float* y(std::size_t begin) const { return w_.d().targets.data() + begin; }

    void refresh_w2() {
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t h = 0; h < Hid; ++h)
                w2_[o * HP + h] = p_[w2t + h * OP + o];
    }

    // Forward over rows [begin, begin+n); returns the summed loss; leaves h_ (activations) and
    // dout_ (d mean loss / d output) for backward().
    double forward(std::size_t begin, std::size_t n) {
        float* __restrict h = h_.data();
        gemm<HP>(n, In, x(begin), In, 1, p_.data() + w1t, h, p_.data() + b1, false);
        for (std::size_t i = 0; i < n * HP; i += HP) {
#pragma omp simd
            for (std::size_t k = 0; k < HP; ++k) {
                if constexpr (Act == tb::activation::tanh)
                    h[i + k] = std::tanh(h[i + k]);
                else
                    h[i + k] = h[i + k] > 0.0f ? h[i + k] : 0.0f;  // std::max: a branch per element (GCC 12)
            }
        }
        gemm<OP>(n, Hid, h, HP, 1, p_.data() + w2t, out_.data(), p_.data() + b2, false);
        const float* __restrict out = out_.data();
        float* __restrict dout = dout_.data();
        const float* __restrict t = y(begin);
        const float inv_n = 1.0f / static_cast<float>(n);
        float total_loss = 0;
        if constexpr (Loss == tb::loss_kind::mse) {
#pragma omp simd reduction(+ : total_loss)
            for (std::size_t i = 0; i < n; ++i) {
                const float r = out[i * OP] - t[i];
                total_loss += r * r;
                dout[i * OP] = 2.0f * r * inv_n;
            }
        } else {
            for (std::size_t i = 0; i < n; ++i)
                total_loss +=
                    cross_entropy_row<Out>(out + i * OP, static_cast<std::size_t>(t[i]), inv_n, dout + i * OP);
        }
        return total_loss;
    }

    void backward(std::size_t begin, std::size_t n) {
        const float* __restrict h = h_.data();
        float* __restrict dh = dh_.data();
        const float* __restrict dout = dout_.data();
        // output layer: gW2t[h][o] += sum_i h[i][h] dout[i][o]; gb2 += sum_i dout[i]
        gemm<OP>(Hid, n, h, 1, HP, dout, g_.data() + w2t, nullptr, true);
        column_sums<OP>(dout, n, g_.data() + b2);
        // dh[i][:] = sum_o dout[i][o] w2[o][:], times the activation's derivative
        gemm<HP>(n, Out, dout, OP, 1, w2_.data(), dh, nullptr, false);
        for (std::size_t i = 0; i < n * HP; i += HP) {
#pragma omp simd
            for (std::size_t k = 0; k < HP; ++k) {
                if constexpr (Act == tb::activation::tanh)
                    dh[i + k] *= 1.0f - h[i + k] * h[i + k];
                else
                    dh[i + k] = h[i + k] > 0.0f ? dh[i + k] : 0.0f;
            }
        }
        // hidden layer: gW1t[j][h] += sum_i x[i][j] dz[i][h]; gb1 += sum_i dz[i]
        gemm<HP>(In, n, x(begin), 1, In, dh, g_.data() + w1t, nullptr, true);
        column_sums<HP>(dh, n, g_.data() + b1);
    }

    template <std::size_t P>
    static void column_sums(const float* __restrict a, std::size_t n, float* __restrict sum) {
        float acc[P] = {};
        for (std::size_t i = 0; i < n; ++i)
#pragma omp simd
            for (std::size_t p = 0; p < P; ++p)
                acc[p] += a[i * P + p];
#pragma omp simd
        for (std::size_t p = 0; p < P; ++p)
            sum[p] += acc[p];
    }

    double full_loss() {
        double sum = 0;
        for (std::size_t begin = 0; begin < rows_; begin += max_batch_)
            sum += forward(begin, std::min(max_batch_, rows_ - begin));
        return sum / static_cast<double>(rows_);
    }

    std::vector<double> torch_layout(const buffer& b) const {
        std::vector<double> t;
        for (std::size_t h = 0; h < Hid; ++h)
            for (std::size_t j = 0; j < In; ++j)
                t.push_back(b[w1t + j * HP + h]);
        for (std::size_t h = 0; h < Hid; ++h)
            t.push_back(b[b1 + h]);
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t h = 0; h < Hid; ++h)
                t.push_back(b[w2t + h * OP + o]);
        for (std::size_t o = 0; o < Out; ++o)
            t.push_back(b[b2 + o]);
        return t;
    }

    const tb::workload& w_;
    std::size_t rows_, max_batch_;
    buffer p_, g_;       // parameters and gradients, flat
    buffer w2_;          // the output weight in [out][hidden] layout, for backward
    buffer h_, dh_;      // [batch][HP] activations and their gradients
    buffer out_, dout_;  // [batch][OP] outputs and d loss / d output
    adam_state adam_;
    double last_loss_ = 0;
};

// ---------------------------------------------------------------------------------------------
// examples/digits_cnn's network (common.hpp's cnn): W9, batches of 64, Adam.
//
// Direct convolutions, one sample at a time, images stored channels-last ([row][col][channel])
// with a zero border of one pixel, so that every 3x3 tap is inside the buffer (no test per tap)
// and the channels are the SIMD lanes: conv1's 8 outputs, conv2's 16 outputs (forward and
// weight gradient) and 8 inputs (input gradient) are whole vectors. The weights are kept as
// [tap][in][out] (forward, weight gradient) with a [tap][out][in] copy for the input gradient,
// refreshed after every step; the linear layer's weight as [class][pixel][channel], the
// channels-last order of the pooled features.
class hand_cnn {
    static constexpr std::size_t S0 = tb::cnn::side, S1 = tb::cnn::side1, S2 = tb::cnn::side2;
    static constexpr std::size_t C1 = tb::cnn::c1, C2 = tb::cnn::c2, K = tb::cnn::k, T = K * K;
    static constexpr std::size_t F = tb::cnn::features, Cls = tb::cnn::classes;
    // Offsets in the flat parameter (and gradient, Adam) buffer, this file's layouts.
    static constexpr std::size_t w1 = 0, b1 = w1 + T * C1, w2 = b1 + C1, b2 = w2 + T * C1 * C2, w3 = b2 + C2,
                                 b3 = w3 + Cls * F, total = b3 + Cls;
    static_assert(total == tb::cnn::count);
    static_assert(C1 == 8 && C2 == 16 && S0 == 8, "the vectors below are written for these sizes");

public:
    explicit hand_cnn(const tb::workload& w) : w_(w), p_(total), g_(total), w2t_(T * C2 * C1), adam_(total) {}

    void reset() {
        const std::vector<float> init = tb::initial_parameters(w_);
        for (std::size_t k = 0; k < total; ++k)
            p_[ours(k)] = init[k];
        refresh_w2t();
        g_.zero();
        adam_.reset();
    }

    void run() {
        for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
            auto [begin, n] = w_.batch_rows(s);
            g_.zero();
            for (std::size_t i = begin; i < begin + n; ++i)
                sample<true>(i, 1.0f / static_cast<float>(n));
            adam_.step(p_.data(), g_.data(), total, w_.lr);
            refresh_w2t();
        }
    }

    double loss() {
        double sum = 0;
        for (std::size_t i = 0; i < w_.d().rows(); ++i)
            sum += sample<false>(i, 1.0f);
        return sum / static_cast<double>(w_.d().rows());
    }

    std::vector<double> parameters() const {
        std::vector<double> t(total);
        for (std::size_t k = 0; k < total; ++k)
            t[k] = p_[ours(k)];
        return t;
    }

private:
    // Where torch's parameter k lives in this file's layout.
    static std::size_t ours(std::size_t k) {
        namespace c = tb::cnn;
        if (k < c::b1)  // conv1.weight [o][0][tap]
            return w1 + (k % T) * C1 + k / T;
        if (k < c::w2)
            return b1 + (k - c::b1);
        if (k < c::b2) {  // conv2.weight [o][i][tap]
            const std::size_t r = k - c::w2, o = r / (C1 * T), i = r / T % C1, tap = r % T;
            return w2 + (tap * C1 + i) * C2 + o;
        }
        if (k < c::w3)
            return b2 + (k - c::b2);
        if (k < c::b3) {  // linear.weight [class][channel][pixel]
            const std::size_t r = k - c::w3, cls = r / F, ch = r % F / (S2 * S2), px = r % (S2 * S2);
            return w3 + cls * F + px * C2 + ch;
        }
        return b3 + (k - c::b3);
    }

    void refresh_w2t() {
        for (std::size_t tap = 0; tap < T; ++tap)
            for (std::size_t i = 0; i < C1; ++i)
                for (std::size_t o = 0; o < C2; ++o)
                    w2t_[(tap * C2 + o) * C1 + i] = p_[w2 + (tap * C1 + i) * C2 + o];
    }

    // The padded images: a (Side+2) x (Side+2) grid of pixels of `Ch` channels, the border zero;
    // (pr, pc) in padded coordinates: tap (kr, kc) of output pixel (r, c) reads (r + kr, c + kc).
    template <std::size_t Side, std::size_t Ch>
    static constexpr std::size_t padded_at(std::size_t pr, std::size_t pc) {
        return (pr * (Side + 2) + pc) * Ch;
    }
    template <std::size_t Side, std::size_t Ch>
    static constexpr std::size_t at(std::size_t r, std::size_t c) {
        return padded_at<Side, Ch>(r + 1, c + 1);
    }

    // 2x2 max pooling of relu(z) (z: Side x Side pixels of Ch channels, unpadded): y (padded
    // when Padded) and, per output, which of the four inputs was kept (torch's: the first largest).
    template <std::size_t Side, std::size_t Ch, bool Padded>
    static void relu_pool(const float* __restrict z, float* __restrict y, unsigned char* __restrict from) {
        constexpr std::size_t H = Side / 2;
        for (std::size_t r = 0; r < H; ++r)
            for (std::size_t c = 0; c < H; ++c) {
                const float* z0 = z + ((2 * r) * Side + 2 * c) * Ch;
                float* yo = y + (Padded ? at<H, Ch>(r, c) : (r * H + c) * Ch);
                unsigned char* fo = from + (r * H + c) * Ch;
#pragma omp simd
                for (std::size_t ch = 0; ch < Ch; ++ch) {
                    float best = z0[ch];
                    unsigned char k = 0;
                    const float v1 = z0[Ch + ch], v2 = z0[Side * Ch + ch], v3 = z0[(Side + 1) * Ch + ch];
                    if (v1 > best) {
                        best = v1;
                        k = 1;
                    }
                    if (v2 > best) {
                        best = v2;
                        k = 2;
                    }
                    if (v3 > best) {
                        best = v3;
                        k = 3;
                    }
                    yo[ch] = best > 0.0f ? best : 0.0f;
                    fo[ch] = best > 0.0f ? k : 4;  // 4: no gradient (relu's zero)
                }
            }
    }

    // The gradient of relu_pool: dz (Side x Side x Ch, unpadded) from dy (H x H x Ch, unpadded).
    template <std::size_t Side, std::size_t Ch>
    static void relu_pool_backward(const float* __restrict dy, const unsigned char* __restrict from,
                                   float* __restrict dz) {
        constexpr std::size_t H = Side / 2;
        for (std::size_t r = 0; r < H; ++r)
            for (std::size_t c = 0; c < H; ++c) {
                float* d0 = dz + ((2 * r) * Side + 2 * c) * Ch;
                const float* g = dy + (r * H + c) * Ch;
                const unsigned char* f = from + (r * H + c) * Ch;
#pragma omp simd
                for (std::size_t ch = 0; ch < Ch; ++ch) {
                    d0[ch] = f[ch] == 0 ? g[ch] : 0.0f;
                    d0[Ch + ch] = f[ch] == 1 ? g[ch] : 0.0f;
                    d0[Side * Ch + ch] = f[ch] == 2 ? g[ch] : 0.0f;
                    d0[(Side + 1) * Ch + ch] = f[ch] == 3 ? g[ch] : 0.0f;
                }
            }
    }

    // One sample: its loss; with Grad, its gradient (times inv_n) added into g_.
    template <bool Grad>
    float sample(std::size_t row, float inv_n) {
        const float* __restrict p = p_.data();
        float* __restrict x = x_;
        const float* src = w_.d().row(row);
        for (std::size_t r = 0; r < S0; ++r)
            for (std::size_t c = 0; c < S0; ++c)
                x[at<S0, 1>(r, c)] = src[r * S0 + c];
        // conv1: z1[r][c][:] = b1 + sum_tap x(r + kr - 1, c + kc - 1) w1[tap][:], a row of pixels at
        // once (S0 independent accumulators of C1 lanes)
        for (std::size_t r = 0; r < S0; ++r) {
            vec8 acc[S0], bias;
            load8(bias, p + b1);
            for (std::size_t c = 0; c < S0; ++c)
                acc[c] = bias;
            for (std::size_t kr = 0; kr < K; ++kr)
                for (std::size_t kc = 0; kc < K; ++kc) {
                    vec8 wt;
                    load8(wt, p + w1 + (kr * K + kc) * C1);
                    for (std::size_t c = 0; c < S0; ++c)
                        acc[c] += x[padded_at<S0, 1>(r + kr, c + kc)] * wt;
                }
            for (std::size_t c = 0; c < S0; ++c)
                store8(z1_ + (r * S0 + c) * C1, acc[c]);
        }
        relu_pool<S0, C1, true>(z1_, h1_, from1_);
        // conv2: z2[r][c][:] = b2 + sum_{tap, i} h1(r + kr - 1, c + kc - 1)[i] w2[tap][i][:], a row of
        // pixels at once (S1 x 2 accumulators of 8 lanes)
        for (std::size_t r = 0; r < S1; ++r) {
            vec8 acc[S1][2], bias[2];
            load8(bias[0], p + b2);
            load8(bias[1], p + b2 + 8);
            for (std::size_t c = 0; c < S1; ++c) {
                acc[c][0] = bias[0];
                acc[c][1] = bias[1];
            }
            for (std::size_t kr = 0; kr < K; ++kr)
                for (std::size_t kc = 0; kc < K; ++kc)
                    for (std::size_t i = 0; i < C1; ++i) {
                        vec8 wt[2];
                        load8(wt[0], p + w2 + ((kr * K + kc) * C1 + i) * C2);
                        load8(wt[1], p + w2 + ((kr * K + kc) * C1 + i) * C2 + 8);
                        for (std::size_t c = 0; c < S1; ++c) {
                            const float h = h1_[padded_at<S1, C1>(r + kr, c + kc) + i];
                            acc[c][0] += h * wt[0];
                            acc[c][1] += h * wt[1];
                        }
                    }
            for (std::size_t c = 0; c < S1; ++c) {
                store8(z2_ + (r * S1 + c) * C2, acc[c][0]);
                store8(z2_ + (r * S1 + c) * C2 + 8, acc[c][1]);
            }
        }
        relu_pool<S1, C2, false>(z2_, h2_, from2_);
        float out[Cls], dout[Cls];
        for (std::size_t k = 0; k < Cls; ++k) {
            float s = 0;
#pragma omp simd reduction(+ : s)
            for (std::size_t j = 0; j < F; ++j)
                s += p[w3 + k * F + j] * h2_[j];
            out[k] = p[b3 + k] + s;
        }
        const float loss = cross_entropy_row<Cls>(out, static_cast<std::size_t>(w_.d().targets[row]), inv_n, dout);
        if constexpr (Grad)
            backward(dout);
        return loss;
    }

    void backward(const float* dout) {
        const float* __restrict p = p_.data();
        float* __restrict g = g_.data();
        // linear: gw3[k][:] += dout[k] h2; gb3 += dout; dh2 = sum_k dout[k] w3[k][:]
        float dh2[F] = {};
        for (std::size_t k = 0; k < Cls; ++k) {
            const float d = dout[k];
            g[b3 + k] += d;
#pragma omp simd
            for (std::size_t j = 0; j < F; ++j) {
                g[w3 + k * F + j] += d * h2_[j];
                dh2[j] += d * p[w3 + k * F + j];
            }
        }
        relu_pool_backward<S1, C2>(dh2, from2_, dz2_);
        // conv2: gb2 += dz2; gw2[tap][i][:] += sum_pixels h1(pixel + tap)[i] dz2[pixel], four inputs
        // i at once (8 accumulators); dh1(pixel + tap)[:] += sum_o dz2[pixel][o] w2t[tap][o][:]
        for (std::size_t k = 0; k < S1 * S1 * C2; k += C2)
#pragma omp simd
            for (std::size_t o = 0; o < C2; ++o)
                g[b2 + o] += dz2_[k + o];
        for (std::size_t kr = 0; kr < K; ++kr)
            for (std::size_t kc = 0; kc < K; ++kc)
                for (std::size_t i0 = 0; i0 < C1; i0 += 4) {
                    float* gw = g + w2 + ((kr * K + kc) * C1 + i0) * C2;
                    vec8 acc[4][2];
                    for (std::size_t j = 0; j < 4; ++j) {
                        load8(acc[j][0], gw + j * C2);
                        load8(acc[j][1], gw + j * C2 + 8);
                    }
                    for (std::size_t r = 0; r < S1; ++r)
                        for (std::size_t c = 0; c < S1; ++c) {
                            vec8 d[2];
                            load8(d[0], dz2_ + (r * S1 + c) * C2);
                            load8(d[1], dz2_ + (r * S1 + c) * C2 + 8);
                            const float* h = h1_ + padded_at<S1, C1>(r + kr, c + kc) + i0;
                            for (std::size_t j = 0; j < 4; ++j) {
                                acc[j][0] += h[j] * d[0];
                                acc[j][1] += h[j] * d[1];
                            }
                        }
                    for (std::size_t j = 0; j < 4; ++j) {
                        store8(gw + j * C2, acc[j][0]);
                        store8(gw + j * C2 + 8, acc[j][1]);
                    }
                }
        std::fill_n(dh1_, std::size(dh1_), 0.0f);
        for (std::size_t r = 0; r < S1; ++r)
            for (std::size_t c = 0; c < S1; ++c) {
                const float* __restrict d = dz2_ + (r * S1 + c) * C2;
                // the 9 pixels the taps read: 9 independent sums over the outputs
                vec8 acc[T] = {};
                for (std::size_t o = 0; o < C2; ++o)
                    for (std::size_t tap = 0; tap < T; ++tap) {
                        vec8 wt;
                        load8(wt, w2t_.data() + (tap * C2 + o) * C1);
                        acc[tap] += d[o] * wt;
                    }
                for (std::size_t tap = 0; tap < T; ++tap) {
                    float* dh = dh1_ + padded_at<S1, C1>(r + tap / K, c + tap % K);
                    vec8 v;
                    load8(v, dh);
                    store8(dh, v + acc[tap]);
                }
            }
        // dh1 without its border, then through the pool and relu
        float dh1[S1 * S1 * C1];
        for (std::size_t r = 0; r < S1; ++r)
            for (std::size_t c = 0; c < S1; ++c)
                std::copy_n(dh1_ + at<S1, C1>(r, c), C1, dh1 + (r * S1 + c) * C1);
        relu_pool_backward<S0, C1>(dh1, from1_, dz1_);
        // conv1: gb1 += dz1; gw1[tap][:] += sum_pixels x(pixel + tap) dz1[pixel], the 9 taps at once
        vec8 gb, acc[T];
        load8(gb, g + b1);
        for (std::size_t tap = 0; tap < T; ++tap)
            load8(acc[tap], g + w1 + tap * C1);
        for (std::size_t r = 0; r < S0; ++r)
            for (std::size_t c = 0; c < S0; ++c) {
                vec8 d;
                load8(d, dz1_ + (r * S0 + c) * C1);
                gb += d;
                for (std::size_t tap = 0; tap < T; ++tap)
                    acc[tap] += x_[padded_at<S0, 1>(r + tap / K, c + tap % K)] * d;
            }
        store8(g + b1, gb);
        for (std::size_t tap = 0; tap < T; ++tap)
            store8(g + w1 + tap * C1, acc[tap]);
    }

    const tb::workload& w_;
    buffer p_, g_;  // parameters and gradients, flat, this file's layouts
    buffer w2t_;    // conv2's weight as [tap][out][in], for the input gradient
    adam_state adam_;
    // One sample's images: the padded ones zero on their border (never written there).
    alignas(64) float x_[(S0 + 2) * (S0 + 2)] = {};
    alignas(64) float z1_[S0 * S0 * C1], dz1_[S0 * S0 * C1];
    alignas(64) float h1_[(S1 + 2) * (S1 + 2) * C1] = {}, dh1_[(S1 + 2) * (S1 + 2) * C1];
    alignas(64) float z2_[S1 * S1 * C2], dz2_[S1 * S1 * C2];
    alignas(64) float h2_[F];
    unsigned char from1_[S1 * S1 * C1], from2_[F];
};

// ---------------------------------------------------------------------------------------------
// The wide MLP 64-256-256-10, relu, cross-entropy: W7 (full batch), W8 (batches of 256), Adam.

// R rows x V vectors of 8 columns of c[m*ldc + p] (+)= sum_{k<K} a[m*am + k*ak] * b[k*ldb + p],
// held in R * V registers while k runs; without `accumulate` c starts from bias (or 0).
template <std::size_t R, std::size_t V>
void tile(std::size_t K, const float* __restrict a, std::size_t am, std::size_t ak, const float* __restrict b,
          std::size_t ldb, float* __restrict c, std::size_t ldc, const float* __restrict bias, bool accumulate) {
    vec8 acc[R][V];
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t v = 0; v < V; ++v)
            if (accumulate)
                load8(acc[r][v], c + r * ldc + 8 * v);
            else if (bias)
                load8(acc[r][v], bias + 8 * v);
            else
                acc[r][v] = vec8{};
    for (std::size_t k = 0; k < K; ++k) {
        vec8 bk[V];
        for (std::size_t v = 0; v < V; ++v)
            load8(bk[v], b + k * ldb + 8 * v);
        for (std::size_t r = 0; r < R; ++r) {
            const float s = a[r * am + k * ak];
            for (std::size_t v = 0; v < V; ++v)
                acc[r][v] += s * bk[v];
        }
    }
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t v = 0; v < V; ++v)
            store8(c + r * ldc + 8 * v, acc[r][v]);
}

// c (+)= a * b for M rows, K terms and P columns (P a multiple of 8 * V), tile by tile.
template <std::size_t R, std::size_t V>
void gemm_tiled(std::size_t M, std::size_t K, std::size_t P, const float* a, std::size_t am, std::size_t ak,
                const float* b, std::size_t ldb, float* c, std::size_t ldc, const float* bias, bool accumulate) {
    for (std::size_t p0 = 0; p0 < P; p0 += 8 * V) {
        const float* bias0 = bias ? bias + p0 : nullptr;
        // Row pointers, not m * am: GCC 12 otherwise warns that a huge iteration would overflow.
        const float* am_ = a;
        float* cm = c + p0;
        std::size_t m = 0;
        for (; m + R <= M; m += R, am_ += R * am, cm += R * ldc)
            tile<R, V>(K, am_, am, ak, b + p0, ldb, cm, ldc, bias0, accumulate);
        for (; m < M; ++m, am_ += am, cm += ldc)
            tile<1, V>(K, am_, am, ak, b + p0, ldb, cm, ldc, bias0, accumulate);
    }
}

// The same product for any P that is a multiple of 16: 6 x 32 tiles (24 accumulators), 8 x 16
// for P = 16.
inline void gemm_any(std::size_t M, std::size_t K, std::size_t P, const float* a, std::size_t am, std::size_t ak,
                     const float* b, std::size_t ldb, float* c, std::size_t ldc, const float* bias, bool accumulate) {
    if (P % 32 == 0)
        gemm_tiled<6, 4>(M, K, P, a, am, ak, b, ldb, c, ldc, bias, accumulate);
    else
        gemm_tiled<8, 2>(M, K, P, a, am, ak, b, ldb, c, ldc, bias, accumulate);
}

class hand_wide {
    static constexpr std::size_t In = 64, H = 256, Out = 10, OP = padded(Out);
    // Flat parameters (and gradients, Adam state): weights transposed, [in][out (padded)].
    static constexpr std::size_t w1t = 0, b1 = w1t + In * H, w2t = b1 + H, b2 = w2t + H * H, w3t = b2 + H,
                                 b3 = w3t + H * OP, total = b3 + OP;
    static constexpr std::size_t chunk = 128;  // samples per pass through the network

    struct workspace {
        buffer h1, h2, dh1, dh2, out, dout;
        workspace() : h1(chunk * H), h2(chunk * H), dh1(chunk * H), dh2(chunk * H), out(chunk * OP), dout(chunk * OP) {}
    };

public:
    explicit hand_wide(const tb::workload& w, int threads = 1)
        : w_(w), rows_(w.d().rows()), threads_(threads), p_(total), w2_(H * H), w3_(Out * H), adam_(total) {
        for (int t = 0; t < threads_; ++t) {
            g_.emplace_back(total);
            ws_.emplace_back();
        }
    }

    void reset() {
        const std::vector<float> init = tb::initial_parameters(w_);
        p_.zero();
        const float* src = init.data();
        auto load = [&](std::size_t wt, std::size_t bias, std::size_t in, std::size_t out, std::size_t ld) {
            for (std::size_t o = 0; o < out; ++o)
                for (std::size_t j = 0; j < in; ++j)
                    p_[wt + j * ld + o] = *src++;
            for (std::size_t o = 0; o < out; ++o)
                p_[bias + o] = *src++;
        };
        load(w1t, b1, In, H, H);
        load(w2t, b2, H, H, H);
        load(w3t, b3, H, Out, OP);
        refresh();
        for (buffer& g : g_)
            g.zero();
        adam_.reset();
    }

    void run() {
        for (std::size_t s = 0; s < w_.steps_per_run; ++s) {
            auto [begin, n] = w_.batch_rows(s);
            step(begin, n);
        }
    }

    double loss() {
        double sum = 0;
        for (std::size_t begin = 0; begin < rows_; begin += chunk)
            sum += pass<false>(begin, std::min(chunk, rows_ - begin), rows_, nullptr, ws_[0]);
        return sum / static_cast<double>(rows_);
    }

    std::vector<double> parameters() const {
        std::vector<double> t;
        auto put = [&](std::size_t wt, std::size_t bias, std::size_t in, std::size_t out, std::size_t ld) {
            for (std::size_t o = 0; o < out; ++o)
                for (std::size_t j = 0; j < in; ++j)
                    t.push_back(p_[wt + j * ld + o]);
            for (std::size_t o = 0; o < out; ++o)
                t.push_back(p_[bias + o]);
        };
        put(w1t, b1, In, H, H);
        put(w2t, b2, H, H, H);
        put(w3t, b3, H, Out, OP);
        return t;
    }

private:
    // zero_grad, forward, backward and Adam over rows [begin, begin + n).
    void step(std::size_t begin, std::size_t n) {
        if (threads_ == 1) {
            g_[0].zero();
            for (std::size_t c = begin; c < begin + n; c += chunk)
                pass<true>(c, std::min(chunk, begin + n - c), n, g_[0].data(), ws_[0]);
            const auto coef = adam_.advance(w_.lr);
            adam_.update(p_.data(), g_[0].data(), 0, total, coef);
            refresh();
            return;
        }
#ifdef _OPENMP
        // Thread t takes the contiguous part [begin + t * part, ...) of the batch (a multiple of
        // 16 rows) into its own gradient buffer; the buffers are then added in thread order, so
        // the result is the same in every run.
        const std::size_t part =
            (n + static_cast<std::size_t>(threads_) * 16 - 1) / (static_cast<std::size_t>(threads_) * 16) * 16;
        const auto coef = adam_.advance(w_.lr);
#pragma omp parallel num_threads(threads_)
        {
            const auto t = static_cast<std::size_t>(omp_get_thread_num());
            float* g = g_[t].data();
            std::fill_n(g, total, 0.0f);
            const std::size_t first = begin + std::min(n, t * part);
            const std::size_t last = begin + std::min(n, (t + 1) * part);
            for (std::size_t c = first; c < last; c += chunk)
                pass<true>(c, std::min(chunk, last - c), n, g, ws_[t]);
#pragma omp barrier
            const std::size_t per =
                (total / 16 + static_cast<std::size_t>(threads_) - 1) / static_cast<std::size_t>(threads_) * 16;
            const std::size_t lo = std::min(total, t * per), hi = std::min(total, (t + 1) * per);
            float* __restrict g0 = g_[0].data();
            for (std::size_t u = 1; u < g_.size(); ++u) {
                const float* __restrict gu = g_[u].data();
#pragma omp simd
                for (std::size_t k = lo; k < hi; ++k)
                    g0[k] += gu[k];
            }
            adam_.update(p_.data(), g0, lo, hi, coef);
#pragma omp barrier
            refresh_rows(t, static_cast<std::size_t>(threads_));
        }
#endif
    }

    // The [out][in] copies of W2 and W3 that backward's input gradients read.
    void refresh() { refresh_rows(0, 1); }
    void refresh_rows(std::size_t t, std::size_t of) {
        for (std::size_t o = t; o < H; o += of)
            for (std::size_t j = 0; j < H; ++j)
                w2_[o * H + j] = p_[w2t + j * H + o];
        if (t == 0)
            for (std::size_t o = 0; o < Out; ++o)
                for (std::size_t j = 0; j < H; ++j)
                    w3_[o * H + j] = p_[w3t + j * OP + o];
    }

    // Forward over rows [begin, begin + n) (n <= chunk); returns the summed loss. With Grad, adds
    // the gradient of the batch's mean loss (batch of `batch` rows) into g.
    template <bool Grad>
    double pass(std::size_t begin, std::size_t n, std::size_t batch, float* __restrict g, workspace& ws) {
        const float* x = w_.d().row(begin);
        const float* y = w_.d().targets.data() + begin;
        float* __restrict h1 = ws.h1.data();
        float* __restrict h2 = ws.h2.data();
        float* __restrict out = ws.out.data();
        float* __restrict dout = ws.dout.data();
        const float* p = p_.data();
        gemm_any(n, In, H, x, In, 1, p + w1t, H, h1, H, p + b1, false);
        relu(h1, n * H);
        gemm_any(n, H, H, h1, H, 1, p + w2t, H, h2, H, p + b2, false);
        relu(h2, n * H);
        gemm_any(n, H, OP, h2, H, 1, p + w3t, OP, out, OP, p + b3, false);
        const float inv_n = 1.0f / static_cast<float>(batch);
        float total_loss = 0;
        // dout's padding lanes (Out to OP) stay as allocated, zero: the products over OP lanes add nothing.
        for (std::size_t i = 0; i < n; ++i)
            total_loss += cross_entropy_row<Out>(out + i * OP, static_cast<std::size_t>(y[i]), inv_n, dout + i * OP);
        if constexpr (Grad) {
            float* __restrict dh1 = ws.dh1.data();
            float* __restrict dh2 = ws.dh2.data();
            // layer 3: gW3t[h][o] += sum_i h2[i][h] dout[i][o]
            gemm_any(H, n, OP, h2, 1, H, dout, OP, g + w3t, OP, nullptr, true);
            column_sums(dout, n, OP, g + b3);
            gemm_any(n, Out, H, dout, OP, 1, w3_.data(), H, dh2, H, nullptr, false);
            relu_backward(dh2, h2, n * H);
            // layer 2
            gemm_any(H, n, H, h1, 1, H, dh2, H, g + w2t, H, nullptr, true);
            column_sums(dh2, n, H, g + b2);
            gemm_any(n, H, H, dh2, H, 1, w2_.data(), H, dh1, H, nullptr, false);
            relu_backward(dh1, h1, n * H);
            // layer 1
            gemm_any(In, n, H, x, 1, In, dh1, H, g + w1t, H, nullptr, true);
            column_sums(dh1, n, H, g + b1);
        }
        return total_loss;
    }

    static void relu(float* __restrict a, std::size_t n) {
#pragma omp simd
        for (std::size_t k = 0; k < n; ++k)
            a[k] = a[k] > 0.0f ? a[k] : 0.0f;  // std::max here: a branch per element (GCC 12)
    }
    static void relu_backward(float* __restrict d, const float* __restrict a, std::size_t n) {
#pragma omp simd
        for (std::size_t k = 0; k < n; ++k)
            d[k] = a[k] > 0.0f ? d[k] : 0.0f;
    }
    static void column_sums(const float* __restrict a, std::size_t n, std::size_t P, float* __restrict sum) {
        for (std::size_t i = 0; i < n; ++i)
#pragma omp simd
            for (std::size_t p = 0; p < P; ++p)
                sum[p] += a[i * P + p];
    }

    const tb::workload& w_;
    std::size_t rows_;
    int threads_;
    buffer p_;
    buffer w2_, w3_;         // W2, W3 in torch's [out][in] layout
    std::vector<buffer> g_;  // a gradient buffer per thread (g_[0]: the gradient)
    std::vector<workspace> ws_;
    adam_state adam_;
};

#ifdef _OPENMP
struct hand_wide_2t : hand_wide {
    explicit hand_wide_2t(const tb::workload& w) : hand_wide(w, 2) {}
};
#endif

using mlp_tanh = hand_mlp<10, 32, 1, tb::activation::tanh, tb::loss_kind::mse>;
using mlp_digits = hand_mlp<64, 64, 10, tb::activation::relu, tb::loss_kind::cross_entropy>;

#ifdef _OPENMP
// The OpenMP build (`hand_2t`): the wide MLP on two threads.
const bool registered = [] {
    constexpr const char* name = TYPEGRAD_BENCH_HAND_NAME;
    for (tb::workload_id id : tb::wide_workloads)
        tb::register_benchmark<hand_wide_2t>(id, name)->MeasureProcessCPUTime();
    return true;
}();
#else
const bool registered = [] {
    constexpr const char* name = TYPEGRAD_BENCH_HAND_NAME;
    tb::register_benchmark<hand_linear>(tb::workload_id::w1, name);
    tb::register_benchmark<hand_linear>(tb::workload_id::w2, name);
    tb::register_benchmark<mlp_tanh>(tb::workload_id::w3, name);
    tb::register_benchmark<mlp_digits>(tb::workload_id::w4, name);
    tb::register_benchmark<hand_linear>(tb::workload_id::w1fwd, name);
    tb::register_benchmark<hand_linear>(tb::workload_id::w5, name);
    tb::register_benchmark<mlp_tanh>(tb::workload_id::w3fwd, name);
    tb::register_benchmark<mlp_tanh>(tb::workload_id::w3grad, name);
    tb::register_benchmark<hand_wide>(tb::workload_id::w7, name);
    tb::register_benchmark<hand_wide>(tb::workload_id::w8, name);
    tb::register_benchmark<hand_cnn>(tb::workload_id::w9, name);
    return true;
}();
#endif

}  // namespace
