#pragma once
// How tg::export_header writes each op's forward pass as plain C++: the trait `deploy::emit<Op>`,
// specialised here for every op of ops/ that a model computes (not the losses, which read a
// target), and the plumbing the emitters share (elementwise loops, broadcasting, literals). The
// ops themselves know nothing of deployment; this folder reads them.
//
// An emitter writes statements that compute its node's value `y` from its operands exactly as the
// op's forward does, in the model's element type `value_type`, calling the generated header's own
// constexpr math (deploy/math_source.hpp) where the op needs a transcendental function.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <typegrad/deploy/math_source.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/batch_norm.hpp>
#include <typegrad/ops/concat.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/dropout.hpp>
#include <typegrad/ops/embedding.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/minmax.hpp>
#include <typegrad/ops/norm.hpp>
#include <typegrad/ops/pool.hpp>
#include <typegrad/ops/rectifiers.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>

namespace TYPEGRAD_NS::deploy {

//! A value of the generated forward pass: the array that holds it and its number of elements.
struct operand {
    std::string name;
    std::size_t size = 1;

    //! The text of element `i` (an index expression); a scalar's only element for any `i`, so that
    //! a scalar operand broadcasts as in typegrad's elementwise ops.
    std::string at(std::string_view i) const { return name + "[" + std::string(size == 1 ? "0" : i) + "]"; }
};

//! What the emitters write into: the statements of predict's body and the math they call.
struct code {
    std::string text;
    unsigned needs = 0;  //!< math_fn bits

    //! One line at `depth` levels of indentation inside predict (1 is the body itself).
    void line(std::string_view s, int depth = 1) {
        text.append(static_cast<std::size_t>(depth) * 4, ' ');
        text.append(s);
        text.push_back('\n');
    }
    //! `statement(i)` for every i below n: one statement for a single element, else a loop over i.
    template <class Statement>
    void each(std::size_t n, Statement statement, int depth = 1) {
        if (n == 1) {
            line(statement("0"), depth);
        } else {
            line("for (std::size_t i = 0; i < " + std::to_string(n) + "; ++i)", depth);
            line(statement("i"), depth + 1);
        }
    }
    //! `detail::<fn>(args)` rounded to value_type, recording that `fn` is needed.
    std::string call(std::string_view fn, unsigned bit, std::string_view args) {
        needs |= bit;
        return "static_cast<value_type>(detail::" + std::string(fn) + "(" + std::string(args) + "))";
    }
};

//! The shortest decimal text that reads back as exactly `v` (a C++ floating literal, never an
//! integer one), or the generated header's inf / nan for a non-finite `v`.
inline std::string literal(code& c, double v) {
    if (v != v || v - v != 0) {
        c.needs |= math_constants;
        return v != v ? "detail::nan" : (v < 0 ? "-detail::inf" : "detail::inf");
    }
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".e") == std::string::npos)
        s += ".0";
    return s;
}

//! The emitter of the op `Op`. Specialisations say `supported = true`, give the op's `name` (as the
//! generated header's comment and docs/deploy.md list it) and write its forward pass:
//! `static void forward(code&, const operand& y, std::span<const operand> operands)`. The operands
//! are the node's, in the op's order, and for a batch-level op (batch normalisation) then its
//! running statistics, each an array of the header. The primary template is an op export_header
//! cannot write (yet).
template <class Op>
struct emit {
    static constexpr bool supported = false;
};

//! Base of the emitter of an elementwise op of one operand: `Derived::f(c, a)` is the text of the
//! value at the element whose text is `a`.
template <class Derived>
struct unary_elementwise {
    static constexpr bool supported = true;
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        c.each(y.size, [&](std::string_view i) { return y.at(i) + " = " + Derived::f(c, in[0].at(i)) + ";"; });
    }
};

//! Base of the emitter of an elementwise op of two operands, a scalar broadcasting over the other.
template <class Derived>
struct binary_elementwise {
    static constexpr bool supported = true;
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        c.each(y.size,
               [&](std::string_view i) { return y.at(i) + " = " + Derived::f(c, in[0].at(i), in[1].at(i)) + ";"; });
    }
};

// Dropout (ops/dropout.hpp): an exported model evaluates, and there dropout is the identity.
template <std::uint64_t PBits>
struct emit<ops::dropout<PBits>> : unary_elementwise<emit<ops::dropout<PBits>>> {
    static constexpr std::string_view name = "dropout";
    static std::string f(code&, const std::string& a) { return a; }
};

// Elementwise functions (ops/activations.hpp).

template <>
struct emit<ops::square> : unary_elementwise<emit<ops::square>> {
    static constexpr std::string_view name = "square";
    static std::string f(code&, const std::string& a) { return a + " * " + a; }
};
template <>
struct emit<ops::exp> : unary_elementwise<emit<ops::exp>> {
    static constexpr std::string_view name = "exp";
    static std::string f(code& c, const std::string& a) { return c.call("exp", math_exp, a); }
};
template <>
struct emit<ops::log> : unary_elementwise<emit<ops::log>> {
    static constexpr std::string_view name = "log";
    static std::string f(code& c, const std::string& a) { return c.call("log", math_log, a); }
};
template <>
struct emit<ops::tanh> : unary_elementwise<emit<ops::tanh>> {
    static constexpr std::string_view name = "tanh";
    static std::string f(code& c, const std::string& a) { return c.call("tanh", math_tanh, a); }
};
template <>
struct emit<ops::sigmoid> : unary_elementwise<emit<ops::sigmoid>> {
    static constexpr std::string_view name = "sigmoid";
    static std::string f(code& c, const std::string& a) { return c.call("sigmoid", math_sigmoid, a); }
};
template <>
struct emit<ops::softplus> : unary_elementwise<emit<ops::softplus>> {
    static constexpr std::string_view name = "softplus";
    static std::string f(code& c, const std::string& a) { return c.call("softplus", math_softplus, a); }
};
template <>
struct emit<ops::sqrt> : unary_elementwise<emit<ops::sqrt>> {
    static constexpr std::string_view name = "sqrt";
    static std::string f(code& c, const std::string& a) { return c.call("sqrt", math_sqrt, a); }
};
// relu and abs as the op selects, so that NaN passes through relu and -0 through abs alike.
template <>
struct emit<ops::relu> : unary_elementwise<emit<ops::relu>> {
    static constexpr std::string_view name = "relu";
    static std::string f(code&, const std::string& a) {
        return "(" + a + " <= value_type(0) ? value_type(0) : " + a + ")";
    }
};
template <>
struct emit<ops::abs> : unary_elementwise<emit<ops::abs>> {
    static constexpr std::string_view name = "abs";
    static std::string f(code&, const std::string& a) { return "(" + a + " < value_type(0) ? -" + a + " : " + a + ")"; }
};
template <std::uint64_t Bits>
struct emit<ops::pow<Bits>> : unary_elementwise<emit<ops::pow<Bits>>> {
    static constexpr std::string_view name = "pow";
    static std::string f(code& c, const std::string& a) {
        using op = ops::pow<Bits>;
        if constexpr (op::integral) {
            c.needs |= math_powi;
            return "detail::powi(" + a + ", " + std::to_string(static_cast<long long>(op::c)) + ")";
        } else {
            return c.call("pow", math_pow, a + ", " + literal(c, op::c));
        }
    }
};
template <std::uint64_t LoBits, std::uint64_t HiBits>
struct emit<ops::clamp<LoBits, HiBits>> : unary_elementwise<emit<ops::clamp<LoBits, HiBits>>> {
    static constexpr std::string_view name = "clamp";
    static std::string f(code& c, const std::string& a) {
        using op = ops::clamp<LoBits, HiBits>;
        const std::string lo = "value_type(" + literal(c, op::lo) + ")", hi = "value_type(" + literal(c, op::hi) + ")";
        return "(" + a + " < " + lo + " ? " + lo + " : (" + a + " > " + hi + " ? " + hi + " : " + a + "))";
    }
};

// The relu variants (ops/rectifiers.hpp). gelu (both forms) and silu in double, whole, as sigmoid
// and softplus: rounded once, and x³ or e⁻ˣ cannot overflow on the way for a float x. elu and
// leaky_relu as the op selects and computes them, in value_type (eˣ rounded before 1 is taken
// away, so that elu(-2⁻²⁷) is 0 in float, as the op's and torch's), their constant written with
// every digit; NaN and -0 go through each as through the op.
template <>
struct emit<ops::gelu> : unary_elementwise<emit<ops::gelu>> {
    static constexpr std::string_view name = "gelu";
    static std::string f(code& c, const std::string& a) { return c.call("gelu", math_gelu, a); }
};
template <>
struct emit<ops::gelu_tanh> : unary_elementwise<emit<ops::gelu_tanh>> {
    static constexpr std::string_view name = "gelu_tanh";
    static std::string f(code& c, const std::string& a) { return c.call("gelu_tanh", math_gelu_tanh, a); }
};
template <>
struct emit<ops::silu> : unary_elementwise<emit<ops::silu>> {
    static constexpr std::string_view name = "silu";
    static std::string f(code& c, const std::string& a) { return c.call("silu", math_silu, a); }
};
template <std::uint64_t AlphaBits>
struct emit<ops::elu<AlphaBits>> : unary_elementwise<emit<ops::elu<AlphaBits>>> {
    static constexpr std::string_view name = "elu";
    static std::string f(code& c, const std::string& a) {
        return "(" + a + " <= value_type(0) ? (" + c.call("exp", math_exp, a) + " - value_type(1)) * value_type(" +
               literal(c, ops::elu<AlphaBits>::alpha) + ") : " + a + ")";
    }
};
template <std::uint64_t SlopeBits>
struct emit<ops::leaky_relu<SlopeBits>> : unary_elementwise<emit<ops::leaky_relu<SlopeBits>>> {
    static constexpr std::string_view name = "leaky_relu";
    static std::string f(code& c, const std::string& a) {
        return "(" + a + " > value_type(0) ? " + a + " : " + a + " * value_type(" +
               literal(c, ops::leaky_relu<SlopeBits>::slope) + "))";
    }
};

// Arithmetic (ops/arithmetic.hpp) and elementwise extrema (ops/minmax.hpp).

template <>
struct emit<ops::add> : binary_elementwise<emit<ops::add>> {
    static constexpr std::string_view name = "add";
    static std::string f(code&, const std::string& a, const std::string& b) { return a + " + " + b; }
};
template <>
struct emit<ops::sub> : binary_elementwise<emit<ops::sub>> {
    static constexpr std::string_view name = "sub";
    static std::string f(code&, const std::string& a, const std::string& b) { return a + " - " + b; }
};
template <>
struct emit<ops::mul> : binary_elementwise<emit<ops::mul>> {
    static constexpr std::string_view name = "mul";
    static std::string f(code&, const std::string& a, const std::string& b) { return a + " * " + b; }
};
template <>
struct emit<ops::div> : binary_elementwise<emit<ops::div>> {
    static constexpr std::string_view name = "div";
    static std::string f(code&, const std::string& a, const std::string& b) { return a + " / " + b; }
};
template <>
struct emit<ops::neg> : unary_elementwise<emit<ops::neg>> {
    static constexpr std::string_view name = "neg";
    static std::string f(code&, const std::string& a) { return "-" + a; }
};
// The op's selects, NaN in either operand giving NaN.
template <>
struct emit<ops::maximum> : binary_elementwise<emit<ops::maximum>> {
    static constexpr std::string_view name = "maximum";
    static std::string f(code&, const std::string& a, const std::string& b) {
        return "(" + a + " < " + b + " ? " + b + " : (" + b + " <= " + a + " ? " + a + " : " + a + " + " + b + "))";
    }
};
template <>
struct emit<ops::minimum> : binary_elementwise<emit<ops::minimum>> {
    static constexpr std::string_view name = "minimum";
    static std::string f(code&, const std::string& a, const std::string& b) {
        return "(" + b + " < " + a + " ? " + b + " : (" + a + " <= " + b + " ? " + a + " : " + a + " + " + b + "))";
    }
};

// Products (ops/linalg.hpp).

template <>
struct emit<ops::dot> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "dot";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand &a = in[0], &b = in[1];
        c.line("{");
        c.line("value_type s = " + a.at("0") + " * " + b.at("0") + ";", 2);
        if (a.size > 1) {
            c.line("for (std::size_t i = 1; i < " + std::to_string(a.size) + "; ++i)", 2);
            c.line("s += " + a.at("i") + " * " + b.at("i") + ";", 3);
        }
        c.line(y.at("0") + " = s;", 2);
        c.line("}");
    }
};
// y = W x, W [Out, In] row-major; the operands are (x, W), as the op orders them.
template <>
struct emit<ops::matvec> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "matvec";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand &x = in[0], &w = in[1];
        const std::string n = std::to_string(x.size);
        c.line("for (std::size_t o = 0; o < " + std::to_string(y.size) + "; ++o) {");
        c.line("value_type s = " + w.name + "[o * " + n + "] * " + x.at("0") + ";", 2);
        if (x.size > 1) {
            c.line("for (std::size_t i = 1; i < " + n + "; ++i)", 2);
            c.line("s += " + w.name + "[o * " + n + " + i] * " + x.at("i") + ";", 3);
        }
        c.line(y.name + "[o] = s;", 2);
        c.line("}");
    }
};

// Concatenation (ops/concat.hpp): a's elements, then b's.

template <>
struct emit<ops::concat> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "concat";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand &a = in[0], &b = in[1];
        const std::string offset = std::to_string(a.size);
        c.each(a.size, [&](std::string_view i) { return y.name + "[" + std::string(i) + "] = " + a.at(i) + ";"; });
        c.each(b.size, [&](std::string_view i) {
            return y.name + "[" + offset + " + " + std::string(i) + "] = " + b.at(i) + ";";
        });
    }
};

// Reductions (ops/reduce.hpp).

//! Writes `s`, the sum of a's elements, inside a block the caller closes.
inline void open_sum(code& c, const operand& a) {
    c.line("{");
    c.line("value_type s = " + a.at("0") + ";", 2);
    if (a.size > 1) {
        c.line("for (std::size_t i = 1; i < " + std::to_string(a.size) + "; ++i)", 2);
        c.line("s += " + a.at("i") + ";", 3);
    }
}
template <>
struct emit<ops::sum> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "sum";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        open_sum(c, in[0]);
        c.line(y.at("0") + " = s;", 2);
        c.line("}");
    }
};
template <>
struct emit<ops::mean> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "mean";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        open_sum(c, in[0]);
        c.line(y.at("0") + " = s / value_type(" + std::to_string(in[0].size) + ");", 2);
        c.line("}");
    }
};

// Normalised exponentials (ops/softmax.hpp): the same shift m as typegrad's, the largest element or
// 0 when that is infinite.

//! Opens a block holding `m`, the shift of a's elements; the caller closes it.
inline void open_shift(code& c, const operand& a) {
    c.needs |= math_is_inf;
    c.line("{");
    c.line("value_type m = " + a.at("0") + ";", 2);
    if (a.size > 1) {
        c.line("for (std::size_t i = 1; i < " + std::to_string(a.size) + "; ++i)", 2);
        c.line("m = m < " + a.at("i") + " ? " + a.at("i") + " : m;", 3);
    }
    c.line("if (detail::is_inf(m))", 2);
    c.line("m = value_type(0);", 3);
}
//! Writes `s`, the sum of e^(aᵢ - m), inside the block of open_shift.
inline void shifted_sum(code& c, const operand& a) {
    c.line("value_type s = " + c.call("exp", math_exp, a.at("0") + " - m") + ";", 2);
    if (a.size > 1) {
        c.line("for (std::size_t i = 1; i < " + std::to_string(a.size) + "; ++i)", 2);
        c.line("s += " + c.call("exp", math_exp, a.at("i") + " - m") + ";", 3);
    }
}
template <>
struct emit<ops::logsumexp> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "logsumexp";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        open_shift(c, in[0]);
        shifted_sum(c, in[0]);
        c.line(y.at("0") + " = m + " + c.call("log", math_log, "s") + ";", 2);
        c.line("}");
    }
};
template <>
struct emit<ops::log_softmax> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "log_softmax";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        open_shift(c, in[0]);
        shifted_sum(c, in[0]);
        c.line("const value_type lse = m + " + c.call("log", math_log, "s") + ";", 2);
        c.each(
            y.size, [&](std::string_view i) { return y.at(i) + " = " + in[0].at(i) + " - lse;"; }, 2);
        c.line("}");
    }
};
template <>
struct emit<ops::softmax> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "softmax";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand& a = in[0];
        open_shift(c, a);
        c.line("value_type s = value_type(0);", 2);
        c.line("for (std::size_t i = 0; i < " + std::to_string(y.size) + "; ++i) {", 2);
        c.line(y.at("i") + " = " + c.call("exp", math_exp, a.at("i") + " - m") + ";", 3);
        c.line("s += " + y.at("i") + ";", 3);
        c.line("}", 2);
        c.line("for (std::size_t i = 0; i < " + std::to_string(y.size) + "; ++i)", 2);
        c.line(y.at("i") + " /= s;", 3);
        c.line("}");
    }
};

// Layer normalisation (ops/norm.hpp): per group of N, the mean as shift + offset and the biased
// variance of the differences, as the op computes them; the square root in double, rounded.
template <std::size_t G, std::size_t N, std::uint64_t EpsBits>
struct emit<ops::layer_norm<G, N, EpsBits>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "layer_norm";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand& x = in[0];
        const std::string n = std::to_string(N), base = "g * " + n;
        const auto xs = [&](std::string_view j) { return x.at(base + " + " + std::string(j)); };
        c.line("for (std::size_t g = 0; g < " + std::to_string(G) + "; ++g) {");
        c.line("const value_type shift = " + xs("0") + ";", 2);
        c.line("value_type s = value_type(0);", 2);
        c.line("for (std::size_t j = 0; j < " + n + "; ++j)", 2);
        c.line("s += " + xs("j") + " - shift;", 3);
        c.line("const value_type offset = s / value_type(" + n + ");", 2);
        c.line("value_type q = value_type(0);", 2);
        c.line("for (std::size_t j = 0; j < " + n + "; ++j) {", 2);
        c.line("const value_type d = (" + xs("j") + " - shift) - offset;", 3);
        c.line("q += d * d;", 3);
        c.line("}", 2);
        c.line("const value_type rstd = value_type(1) / " +
                   c.call("sqrt", math_sqrt,
                          "q / value_type(" + n + ") + value_type(" + literal(c, ops::layer_norm<G, N, EpsBits>::eps) +
                              ")") +
                   ";",
               2);
        c.line("for (std::size_t j = 0; j < " + n + "; ++j)", 2);
        std::string value = "((" + xs("j") + " - shift) - offset) * rstd";
        if (in.size() == 3)
            value = value + " * " + in[1].at("j") + " + " + in[2].at("j");
        c.line(y.at(base + " + j") + " = " + value + ";", 3);
        c.line("}");
    }
};

// Batch normalisation (ops/batch_norm.hpp) as torch's model.eval() computes it: with the running
// statistics, operands (x, weight, bias, running_mean, running_var), and per channel the op's
// evaluation forward, alpha = weight / √(running_var + eps) (the square root in double, rounded),
// beta = bias - running_mean · alpha, y = x · alpha + beta over the channel's S elements.
template <std::size_t C, std::size_t S, std::uint64_t EpsBits, std::uint64_t MomentumBits>
struct emit<ops::batch_norm<C, S, EpsBits, MomentumBits>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "batch_norm";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand &x = in[0], &w = in[1], &b = in[2], &mean = in[3], &var = in[4];
        const std::string eps = "value_type(" + literal(c, ops::batch_norm<C, S, EpsBits, MomentumBits>::eps) + ")";
        c.line("for (std::size_t i = 0; i < " + std::to_string(C) + "; ++i) {");
        c.line(
            "const value_type invstd = value_type(1) / " + c.call("sqrt", math_sqrt, var.at("i") + " + " + eps) + ";",
            2);
        c.line("const value_type alpha = invstd * " + w.at("i") + ";", 2);
        c.line("const value_type beta = " + b.at("i") + " - " + mean.at("i") + " * alpha;", 2);
        if constexpr (S == 1) {
            c.line(y.at("i") + " = " + x.at("i") + " * alpha + beta;", 2);
        } else {
            const std::string at = "i * " + std::to_string(S) + " + o";
            c.line("for (std::size_t o = 0; o < " + std::to_string(S) + "; ++o)", 2);
            c.line(y.at(at) + " = " + x.at(at) + " * alpha + beta;", 3);
        }
        c.line("}");
    }
};

// Integer feature columns (ops/embedding.hpp): the columns selected, and the table's row at the
// index the operand holds, NaN for a value that is not an integer in [0, Num) as the op gives
// (typegrad's data check rejects such a row before a sweep; predict has no error to report).

template <std::size_t... Cs>
struct emit<ops::take<Cs...>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "take";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        std::size_t k = 0;
        for (std::size_t col : ops::take<Cs...>::columns)
            c.line(y.at(std::to_string(k++)) + " = " + in[0].at(std::to_string(col)) + ";");
    }
};
template <std::size_t Num, std::size_t Dim>
struct emit<ops::embedding<Num, Dim>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "embedding";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand &index = in[0], &w = in[1];
        const std::string num = std::to_string(Num), dim = std::to_string(Dim);
        c.needs |= math_constants;
        c.line("{");
        c.line("const value_type row = " + index.at("0") + ";", 2);
        c.line("if (row >= value_type(0) && row < value_type(" + num +
                   ") && static_cast<value_type>(static_cast<std::size_t>(row)) == row) {",
               2);
        c.line("for (std::size_t i = 0; i < " + dim + "; ++i)", 3);
        c.line(y.at("i") + " = " + w.name + "[static_cast<std::size_t>(row) * " + dim + " + i];", 4);
        c.line("} else {", 2);
        c.line("for (std::size_t i = 0; i < " + dim + "; ++i)", 3);
        c.line(y.at("i") + " = static_cast<value_type>(detail::nan);", 4);
        c.line("}", 2);
        c.line("}");
    }
};

//! Opens the loop over the kernel taps of one axis of the window `Win`: rows (tap ky, input row iy of
//! output row oy) or, when !Rows, columns (kx, ix, ox); the taps in the zero padding are skipped (an
//! unsigned index below the padding wraps above the extent). each_tap closes it.
template <class Win, bool Rows>
void open_taps(code& c, int depth) {
    const std::size_t taps = Rows ? Win::kh : Win::kw, extent = Rows ? Win::h : Win::w,
                      padding = Rows ? Win::ph : Win::pw;
    const std::string k = Rows ? "ky" : "kx", in = Rows ? "iy" : "ix", out = Rows ? "oy" : "ox";
    c.line("for (std::size_t " + k + " = 0; " + k + " < " + std::to_string(taps) + "; ++" + k + ") {", depth);
    c.line("const std::size_t " + in + " = " + out + " * " + std::to_string(Win::stride) + " + " + k + " * " +
               std::to_string(Win::dilation) + (padding > 0 ? " - " + std::to_string(padding) : std::string()) + ";",
           depth + 1);
    if (padding > 0) {
        c.line("if (" + in + " >= " + std::to_string(extent) + ")", depth + 1);
        c.line("continue;", depth + 2);
    }
}

//! The loops over the taps of one output's window, rows then columns, the padding's taps skipped,
//! and in them `per_tap(depth)`, the statements of one tap (input element iy, ix).
template <class Win>
void each_tap(code& c, int depth, const auto& per_tap) {
    open_taps<Win, true>(c, depth);
    open_taps<Win, false>(c, depth + 1);
    per_tap(depth + 2);
    c.line("}", depth + 1);
    c.line("}", depth);
}

//! The loops over the outputs of a window op, channel `ch` of `channels`, row `oy`, column `ox`, and
//! in them `per_window(depth)`, the statements of one output.
template <class Win>
void each_window(code& c, std::size_t channels, const auto& per_window) {
    c.line("for (std::size_t ch = 0; ch < " + std::to_string(channels) + "; ++ch)");
    c.line("for (std::size_t oy = 0; oy < " + std::to_string(Win::oh) + "; ++oy)", 2);
    c.line("for (std::size_t ox = 0; ox < " + std::to_string(Win::ow) + "; ++ox) {", 3);
    per_window(4);
    c.line("}", 3);
}

//! The text of element (channel, row, column) of an image [.., h, w] held by `a`.
inline std::string pixel(const operand& a, std::string_view channel, std::string_view row, std::string_view col,
                         std::size_t h, std::size_t w) {
    return a.name + "[(" + std::string(channel) + " * " + std::to_string(h) + " + " + std::string(row) + ") * " +
           std::to_string(w) + " + " + std::string(col) + "]";
}

// Convolution (ops/conv.hpp: tg::conv2d, tg::conv1d, tg::Conv2d, tg::Conv1d), operands (x, weight[,
// bias]): each output starts from its bias (or 0) and adds w·x over the input channels, then the
// kernel's rows and columns, skipping the taps that fall in the zero padding, as the op does.
template <std::size_t C, std::size_t O, class Win>
struct emit<ops::conv<C, O, Win>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "conv";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const operand &x = in[0], &w = in[1];
        const auto n = [](std::size_t v) { return std::to_string(v); };
        each_window<Win>(c, O, [&](int d) {
            c.line("value_type s = " + (in.size() == 3 ? in[2].at("ch") : std::string("value_type(0)")) + ";", d);
            c.line("for (std::size_t i = 0; i < " + n(C) + "; ++i)", d);
            each_tap<Win>(c, d + 1, [&](int t) {
                c.line("s = " + w.name + "[((ch * " + n(C) + " + i) * " + n(Win::kh) + " + ky) * " + n(Win::kw) +
                           " + kx] * " + pixel(x, "i", "iy", "ix", Win::h, Win::w) + " + s;",
                       t);
            });
            c.line(pixel(y, "ch", "oy", "ox", Win::oh, Win::ow) + " = s;", d);
        });
    }
};

// Pooling (ops/pool.hpp: tg::max_pool2d, tg::avg_pool2d, ..., tg::MaxPool2d, tg::AvgPool2d, ...).

// The largest element of each window, padding -inf; a NaN taken as the op takes it (the last one).
template <std::size_t C, class Win, bool OneD>
struct emit<ops::max_pool<C, Win, OneD>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "max_pool";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        c.needs |= math_constants;
        each_window<Win>(c, C, [&](int d) {
            c.line("value_type m = static_cast<value_type>(-detail::inf);", d);
            each_tap<Win>(c, d, [&](int t) {
                c.line("const value_type s = " + pixel(in[0], "ch", "iy", "ix", Win::h, Win::w) + ";", t);
                c.line("if (s > m || s != s)", t);
                c.line("m = s;", t + 1);
            });
            c.line(pixel(y, "ch", "oy", "ox", Win::oh, Win::ow) + " = m;", d);
        });
    }
};
// The mean of each window, divided by the whole window, padding included (count_include_pad).
template <std::size_t C, class Win, bool OneD>
struct emit<ops::avg_pool<C, Win, OneD>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "avg_pool";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        each_window<Win>(c, C, [&](int d) {
            c.line("value_type s = value_type(0);", d);
            each_tap<Win>(c, d,
                          [&](int t) { c.line("s += " + pixel(in[0], "ch", "iy", "ix", Win::h, Win::w) + ";", t); });
            c.line(pixel(y, "ch", "oy", "ox", Win::oh, Win::ow) + " = s / value_type(" +
                       std::to_string(Win::kh * Win::kw) + ");",
                   d);
        });
    }
};
// The mean of each channel's N elements.
template <std::size_t C, std::size_t N, bool OneD>
struct emit<ops::global_avg_pool<C, N, OneD>> {
    static constexpr bool supported = true;
    static constexpr std::string_view name = "global_avg_pool";
    static void forward(code& c, const operand& y, std::span<const operand> in) {
        const std::string n = std::to_string(N);
        c.line("for (std::size_t ch = 0; ch < " + std::to_string(C) + "; ++ch) {");
        c.line("value_type s = " + in[0].name + "[ch * " + n + "];", 2);
        if (N > 1) {
            c.line("for (std::size_t i = 1; i < " + n + "; ++i)", 2);
            c.line("s += " + in[0].name + "[ch * " + n + " + i];", 3);
        }
        c.line(y.at("ch") + " = s / value_type(" + n + ");", 2);
        c.line("}");
    }
};

// A view under another shape (ops/conv.hpp: tg::view, tg::flatten, tg::Unflatten, tg::Flatten): the
// same elements in the same order.
template <class To>
struct emit<ops::reshape<To>> : unary_elementwise<emit<ops::reshape<To>>> {
    static constexpr std::string_view name = "reshape";
    static std::string f(code&, const std::string& a) { return a; }
};

}  // namespace TYPEGRAD_NS::deploy
