#pragma once
// One case per op and loss: a small scalar loss that uses it with parameters, the input x and (for
// losses) a target. Vector results meet a parameter vector `v` through dot or an elementwise product,
// so that the op's vector-Jacobian product sees an upstream gradient other than all ones.
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/minmax.hpp>
#include <typegrad/ops/rectifiers.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>

#include "laws.hpp"

namespace typegrad_test::cases {

using namespace typegrad::literals;

inline constexpr auto x = tg::input<"x", 3>;
inline constexpr auto y = tg::target<"y">;
inline constexpr auto label = tg::class_target<"y", 3>;
inline constexpr auto w = tg::param<"w", 3>;
inline constexpr auto v = tg::param<"v", 3>;
inline constexpr auto b = tg::param<"b">;

struct positive : case_defaults {
    static constexpr double lo = 0.5, hi = 2;
};

// Arithmetic, with scalar broadcast on one side of each.
struct add : case_defaults {
    static constexpr auto loss = tg::dot(w + x + b, v);
};
struct sub : case_defaults {
    static constexpr auto loss = tg::dot(b - w * x, v) + tg::sum(w - b);
};
struct mul : case_defaults {
    static constexpr auto loss = tg::dot(w * x * b, v);
};
struct div : positive {
    static constexpr auto loss = tg::dot(x / w, v) + tg::sum(b / w);
};
struct neg : case_defaults {
    static constexpr auto loss = tg::dot(-(w * x), v);
};

// Elementwise functions.
struct square : case_defaults {
    static constexpr auto loss = tg::dot(tg::square(w * x), v);
};
struct exp : case_defaults {
    static constexpr auto loss = tg::dot(tg::exp(w * x), v);
};
struct log : positive {
    static constexpr auto loss = tg::dot(tg::log(w * x), v);
};
struct tanh : case_defaults {
    static constexpr auto loss = tg::dot(tg::tanh(w * x), v);
};
struct sigmoid : case_defaults {
    static constexpr auto loss = tg::dot(tg::sigmoid(w * x), v);
};
struct relu : case_defaults {
    static constexpr auto loss = tg::dot(tg::relu(w * x + b), v);
};
struct softplus : case_defaults {
    static constexpr auto loss = tg::dot(tg::softplus(w * x), v);
};
struct abs : case_defaults {
    static constexpr auto loss = tg::dot(tg::abs(w * x + b), v);
};
struct sqrt : positive {
    static constexpr auto loss = tg::dot(tg::sqrt(w * x), v);
};
struct pow_int : case_defaults {
    static constexpr auto loss = tg::dot(tg::pow<3>(w * x + b), v);
};
struct pow_real : positive {
    static constexpr auto loss = tg::dot(tg::pow(w * x, 1.5_c), v);
};
struct pow_negative : positive {
    static constexpr auto loss = tg::dot(tg::pow(w * x, -0.5_c), v);
};
struct clamp : case_defaults {
    static constexpr auto loss = tg::dot(tg::clamp(w * x, -1_c, 1.5_c), v);
};
struct max : case_defaults {
    static constexpr auto loss = tg::dot(tg::max(w * x, v), v) + tg::sum(tg::max(b, w));
};
struct min : case_defaults {
    static constexpr auto loss = tg::dot(tg::min(w * x, v), v) + tg::sum(tg::min(w, b));
};

// The relu variants (ops/rectifiers.hpp), with an offset b so that both sides of a kink are met.
struct gelu : case_defaults {
    static constexpr auto loss = tg::dot(tg::gelu(w * x + b), v);
};
struct gelu_tanh : case_defaults {
    static constexpr auto loss = tg::dot(tg::gelu<"tanh">(w * x + b), v);
};
struct silu : case_defaults {
    static constexpr auto loss = tg::dot(tg::silu(w * x + b), v);
};
struct elu : case_defaults {
    static constexpr auto loss = tg::dot(tg::elu(w * x + b), v);
};
struct elu_alpha : case_defaults {
    static constexpr auto loss = tg::dot(tg::elu(w * x + b, 0.5_c), v);
};
struct leaky_relu : case_defaults {
    static constexpr auto loss = tg::dot(tg::leaky_relu(w * x + b), v);
};
struct leaky_relu_slope : case_defaults {
    static constexpr auto loss = tg::dot(tg::leaky_relu(w * x + b, 0.2_c), v);
};

// Reductions and products.
struct sum : case_defaults {
    static constexpr auto loss = tg::square(tg::sum(w * x) - b);
};
struct mean : case_defaults {
    static constexpr auto loss = tg::square(tg::mean(w * x) - b);
};
struct dot : case_defaults {
    static constexpr auto loss = tg::square(tg::dot(w, x) + b);
};
struct matvec : case_defaults {
    static constexpr auto loss = tg::dot(tg::matvec(tg::param<"W", 3, 3>, x), v);
};
struct linear : case_defaults {
    static constexpr auto loss = tg::dot(tg::tanh(tg::linear<"fc", 3, 3>(x)), v);
};

// Normalised exponentials.
struct logsumexp : case_defaults {
    static constexpr auto loss = tg::logsumexp(w * x) * b;
};
struct softmax : case_defaults {
    static constexpr auto loss = tg::dot(tg::softmax(w * x), v);
};
struct log_softmax : case_defaults {
    static constexpr auto loss = tg::dot(tg::log_softmax(w * x), v);
};

// Losses.
struct mse : case_defaults {
    static constexpr auto loss = tg::mse(tg::dot(w, x) + b, y);
};
struct l1 : case_defaults {
    static constexpr auto loss = tg::l1(tg::dot(w, x) + b, y);
};
struct huber : case_defaults {
    static constexpr auto loss = tg::huber(tg::dot(w, x) + b, y);
};
struct huber_half : case_defaults {
    static constexpr auto loss = tg::huber(tg::dot(w, x) + b, y, 0.5_c);
};
struct smooth_l1 : case_defaults {
    static constexpr auto loss = tg::smooth_l1(tg::dot(w, x) + b, y, 0.5_c);
};
struct smooth_l1_beta0 : case_defaults {
    static constexpr auto loss = tg::smooth_l1(tg::dot(w, x) + b, y, 0_c);
};
struct bce_with_logits : case_defaults {
    static constexpr bool binary = true;
    static constexpr auto loss = tg::bce_with_logits(tg::dot(w, x) + b, y);
};
struct nll : case_defaults {
    static constexpr auto loss = tg::nll(tg::log_softmax(tg::linear<"fc", 3, 3>(x)), label);
};
struct cross_entropy : case_defaults {
    static constexpr auto loss = tg::cross_entropy(tg::linear<"fc", 3, 3>(tg::tanh(w * x)), label);
};

}  // namespace typegrad_test::cases

// The case lists the law files apply the laws to, in two halves (two translation units).
#define TYPEGRAD_OP_CASES                                                                                           \
    cases::add, cases::sub, cases::mul, cases::div, cases::neg, cases::square, cases::exp, cases::log, cases::tanh, \
        cases::sigmoid, cases::relu, cases::softplus, cases::abs, cases::sqrt, cases::pow_int, cases::pow_real,     \
        cases::pow_negative, cases::clamp, cases::max, cases::min
#define TYPEGRAD_LOSS_CASES                                                                              \
    cases::sum, cases::mean, cases::dot, cases::matvec, cases::linear, cases::logsumexp, cases::softmax, \
        cases::log_softmax, cases::mse, cases::l1, cases::huber, cases::huber_half, cases::smooth_l1,    \
        cases::smooth_l1_beta0, cases::bce_with_logits, cases::nll, cases::cross_entropy
#define TYPEGRAD_RECTIFIER_CASES \
    cases::gelu, cases::gelu_tanh, cases::silu, cases::elu, cases::elu_alpha, cases::leaky_relu, cases::leaky_relu_slope
