#pragma once
//! An expression written back as code, in the terms its user wrote it in:
//! `tg::to_string(tg::mse(tg::linear<"fc", 10, 1>(x), y) + 0.001_c * tg::sum(tg::square(w)))` is
//! `mse(linear<"fc", 10, 1>(x), y) + 0.001 * sum(square(w))`. Builders print without `tg::`, leaves
//! by their names, constants as the shortest number that `_c` reads back to the same value. A
//! builder that expands into several nodes is printed as the builder (`linear`, `mse`, `l1`,
//! `huber`, `smooth_l1`, `bce_with_logits`, `cross_entropy`), since the type cannot tell it from
//! the same nodes written by hand. Nothing here is instantiated unless it is called:
//! `tg::to_string(e)` at run time, `tg::expression_text<decltype(e)>` (a fixed_string) at compile
//! time.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/batch_norm.hpp>
#include <typegrad/ops/concat.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/dropout.hpp>
#include <typegrad/ops/embedding.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/minmax.hpp>
#include <typegrad/ops/norm.hpp>
#include <typegrad/ops/pool.hpp>
#include <typegrad/ops/rectifiers.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>

namespace TYPEGRAD_NS {
namespace detail::text {

//! The name of op `Op` as a builder spells it ("log", "+"); "op" for an op typegrad does not know.
template <class Op>
inline constexpr std::string_view op_name = "op";
template <>
inline constexpr std::string_view op_name<ops::add> = "+";
template <>
inline constexpr std::string_view op_name<ops::sub> = "-";
template <>
inline constexpr std::string_view op_name<ops::mul> = "*";
template <>
inline constexpr std::string_view op_name<ops::div> = "/";
template <>
inline constexpr std::string_view op_name<ops::neg> = "unary -";
template <>
inline constexpr std::string_view op_name<ops::square> = "square";
template <>
inline constexpr std::string_view op_name<ops::exp> = "exp";
template <>
inline constexpr std::string_view op_name<ops::log> = "log";
template <>
inline constexpr std::string_view op_name<ops::tanh> = "tanh";
template <>
inline constexpr std::string_view op_name<ops::sigmoid> = "sigmoid";
template <>
inline constexpr std::string_view op_name<ops::relu> = "relu";
template <>
inline constexpr std::string_view op_name<ops::softplus> = "softplus";
template <>
inline constexpr std::string_view op_name<ops::abs> = "abs";
template <>
inline constexpr std::string_view op_name<ops::sqrt> = "sqrt";
template <std::uint64_t B>
inline constexpr std::string_view op_name<ops::pow<B>> = "pow";
template <std::uint64_t L, std::uint64_t H>
inline constexpr std::string_view op_name<ops::clamp<L, H>> = "clamp";
template <>
inline constexpr std::string_view op_name<ops::maximum> = "max";
template <>
inline constexpr std::string_view op_name<ops::minimum> = "min";
template <>
inline constexpr std::string_view op_name<ops::sum> = "sum";
template <>
inline constexpr std::string_view op_name<ops::mean> = "mean";
template <>
inline constexpr std::string_view op_name<ops::dot> = "dot";
template <>
inline constexpr std::string_view op_name<ops::matvec> = "matvec";
template <>
inline constexpr std::string_view op_name<ops::logsumexp> = "logsumexp";
template <>
inline constexpr std::string_view op_name<ops::softmax> = "softmax";
template <>
inline constexpr std::string_view op_name<ops::log_softmax> = "log_softmax";
template <std::uint64_t B>
inline constexpr std::string_view op_name<ops::huber<B>> = "huber";
template <std::uint64_t B>
inline constexpr std::string_view op_name<ops::smooth_l1<B>> = "smooth_l1";
template <>
inline constexpr std::string_view op_name<ops::bce_with_logits> = "bce_with_logits";
template <>
inline constexpr std::string_view op_name<ops::nll> = "nll";
template <std::size_t G, std::size_t N, std::uint64_t E>
inline constexpr std::string_view op_name<ops::layer_norm<G, N, E>> = "layer_norm";
template <>
inline constexpr std::string_view op_name<ops::concat> = "concat";
template <std::size_t... Cs>
inline constexpr std::string_view op_name<ops::take<Cs...>> = sizeof...(Cs) == 1 ? "column" : "columns";
template <std::size_t Num, std::size_t Dim>
inline constexpr std::string_view op_name<ops::embedding<Num, Dim>> = "embedding";
template <>
inline constexpr std::string_view op_name<ops::gelu> = "gelu";
template <>
inline constexpr std::string_view op_name<ops::gelu_tanh> = "gelu";
template <>
inline constexpr std::string_view op_name<ops::silu> = "silu";
template <std::uint64_t A>
inline constexpr std::string_view op_name<ops::elu<A>> = "elu";
template <std::uint64_t S>
inline constexpr std::string_view op_name<ops::leaky_relu<S>> = "leaky_relu";
template <std::uint64_t P>
inline constexpr std::string_view op_name<ops::dropout<P>> = "dropout";
template <std::size_t C, std::size_t S, std::uint64_t E, std::uint64_t M>
inline constexpr std::string_view op_name<ops::batch_norm<C, S, E, M>> = "batch_norm";
template <class To>
inline constexpr std::string_view op_name<ops::reshape<To>> = To::rank == 1 ? "flatten" : "view";
template <std::size_t C, std::size_t O, class Win>
inline constexpr std::string_view op_name<ops::conv<C, O, Win>> = "conv";
template <std::size_t C, class Win, bool OneD>
inline constexpr std::string_view op_name<ops::max_pool<C, Win, OneD>> = OneD ? "max_pool1d" : "max_pool2d";
template <std::size_t C, class Win, bool OneD>
inline constexpr std::string_view op_name<ops::avg_pool<C, Win, OneD>> = OneD ? "avg_pool1d" : "avg_pool2d";
template <std::size_t C, std::size_t N, bool OneD>
inline constexpr std::string_view op_name<ops::global_avg_pool<C, N, OneD>> =
    OneD ? "adaptive_avg_pool1d" : "adaptive_avg_pool2d";

// A number as text: at most 32 characters.
struct number {
    char chars[32]{};
    std::size_t size = 0;
    constexpr std::string_view view() const noexcept { return {chars, size}; }
    constexpr void push(char c) noexcept { chars[size++] = c; }
};

// The decimal digits of m (m > 0 or a lone 0), most significant first, into n.
constexpr void push_digits(number& n, unsigned long long m) {
    char buffer[24]{};
    std::size_t k = 0;
    do {
        buffer[k++] = static_cast<char>('0' + m % 10);
        m /= 10;
    } while (m != 0);
    while (k > 0)
        n.push(buffer[--k]);
}

// m · 10^e10 with `digits` significant digits in m, as a fixed-point or scientific literal.
constexpr number spell(bool negative, unsigned long long m, int digits, int e10, bool scientific) {
    number n;
    if (negative)
        n.push('-');
    char d[24]{};
    for (int k = digits - 1; k >= 0; --k, m /= 10)
        d[k] = static_cast<char>('0' + m % 10);
    int last = digits;  // drop trailing zeros of the fraction
    while (last > 1 && d[last - 1] == '0')
        --last;
    if (scientific) {
        n.push(d[0]);
        if (last > 1) {
            n.push('.');
            for (int k = 1; k < last; ++k)
                n.push(d[k]);
        }
        n.push('e');
        if (e10 < 0)
            n.push('-');
        push_digits(n, static_cast<unsigned long long>(e10 < 0 ? -e10 : e10));
    } else if (e10 < 0) {
        n.push('0');
        n.push('.');
        for (int k = -1; k > e10; --k)
            n.push('0');
        for (int k = 0; k < last; ++k)
            n.push(d[k]);
    } else {
        for (int k = 0; k <= e10; ++k)
            n.push(k < digits ? d[k] : '0');
        if (last > e10 + 1) {
            n.push('.');
            for (int k = e10 + 1; k < last; ++k)
                n.push(d[k]);
        }
    }
    return n;
}

//! `v` as the shortest literal that `_c` reads back to exactly `v` ("0.001", "2.5", "-1", "1e-9").
constexpr number format_number(double v) {
    number n;
    if (v != v) {
        for (const char c : std::string_view("nan"))
            n.push(c);
        return n;
    }
    const bool negative = std::bit_cast<std::uint64_t>(v) >> 63;
    const double a = negative ? -v : v;
    if (a > 1.7976931348623157e308) {
        for (const char c : std::string_view(negative ? "-inf" : "inf"))
            n.push(c);
        return n;
    }
    if (a < 1e15 && a == static_cast<double>(static_cast<unsigned long long>(a))) {
        if (negative && a != 0)
            n.push('-');
        push_digits(n, static_cast<unsigned long long>(a));
        return n;
    }
    // The decimal exponent: 10^e10 <= a < 10^(e10 + 1).
    int e10 = 0;
    long double scaled = a;
    while (scaled >= 10) {
        scaled /= 10;
        ++e10;
    }
    while (scaled < 1) {
        scaled *= 10;
        --e10;
    }
    const auto power_of_ten = [](int e) {
        long double p = 1;
        for (int k = 0; k < (e < 0 ? -e : e); ++k)
            p *= 10;
        return p;
    };
    number best;
    for (int digits = 1; digits <= 17; ++digits) {
        // a / 10^(e10 - digits + 1), rounded: `digits` significant digits (the product or quotient
        // of exact long doubles, rounded once).
        const int shift = digits - 1 - e10;
        const long double m = shift >= 0 ? a * power_of_ten(shift) : a / power_of_ten(-shift);
        auto rounded = static_cast<unsigned long long>(m + 0.5L);
        int exponent = e10;
        if (rounded >= static_cast<unsigned long long>(power_of_ten(digits))) {  // 9.99 rounded up to 10.0
            rounded /= 10;
            ++exponent;
        }
        const bool scientific = exponent < -5 || exponent > 15;
        best = spell(negative, rounded, digits, exponent, scientific);
        if (parse_decimal(best.view().substr(negative ? 1 : 0)) == a)
            return best;
    }
    return best;
}

// Where text goes: counted (compile time, first pass), written (compile time, second pass) or
// appended to a std::string (run time).
struct counter {
    std::size_t size = 0;
    constexpr void put(std::string_view s) noexcept { size += s.size(); }
};
struct writer {
    char* p;
    constexpr void put(std::string_view s) noexcept {
        for (const char c : s)
            *p++ = c;
    }
};
struct appender {
    std::string& s;
    void put(std::string_view v) { s.append(v); }
};

// How tightly an expression binds, to parenthesise operands of + - * / and unary minus.
enum precedence : int { additive = 1, multiplicative = 2, unary = 3, primary = 4 };

template <class E>
struct printer;

// tg::linear<"fc", In, Out>(x): matvec by "fc.weight", plus "fc.bias".
template <fixed_string Weight, fixed_string Bias>
inline constexpr bool linear_names = [] {
    constexpr std::string_view w = Weight.view(), b = Bias.view(), dw = ".weight", db = ".bias";
    return w.size() > dw.size() && b.size() > db.size() && w.substr(w.size() - dw.size()) == dw &&
           b.substr(b.size() - db.size()) == db &&
           w.substr(0, w.size() - dw.size()) == b.substr(0, b.size() - db.size());
}();
template <class E>
inline constexpr bool is_linear = false;
template <class X, fixed_string Weight, std::size_t Out, std::size_t In, fixed_string Bias>
inline constexpr bool
    is_linear<node<ops::add, node<ops::matvec, X, param_leaf<Weight, shape<Out, In>>>, param_leaf<Bias, shape<Out>>>> =
        linear_names<Weight, Bias>;

template <class E>
inline constexpr int precedence_of = primary;
template <class A, class B>
inline constexpr int precedence_of<node<ops::add, A, B>> = is_linear<node<ops::add, A, B>> ? primary : additive;
template <class A, class B>
inline constexpr int precedence_of<node<ops::sub, A, B>> = additive;
template <class A, class B>
inline constexpr int precedence_of<node<ops::mul, A, B>> = multiplicative;
template <class A, class B>
inline constexpr int precedence_of<node<ops::div, A, B>> = multiplicative;
template <class A>
inline constexpr int precedence_of<node<ops::neg, A>> = unary;
template <std::uint64_t Bits>
inline constexpr int precedence_of<constant_leaf<Bits>> = (Bits >> 63) ? unary : primary;

template <class E, class Sink>
constexpr void print(Sink& out) {
    printer<E>::print(out);
}
template <class E, class Sink>
constexpr void print_operand(Sink& out, bool parenthesise) {
    if (parenthesise)
        out.put("(");
    print<E>(out);
    if (parenthesise)
        out.put(")");
}
template <class Sink>
constexpr void print_number(Sink& out, double v) {
    const number n = format_number(v);
    out.put(n.view());
}
template <class Sink>
constexpr void print_unsigned(Sink& out, std::size_t v) {
    number n;
    push_digits(n, v);
    out.put(n.view());
}
// name(A, B, ...)
template <class... Args, class Sink>
constexpr void print_call(Sink& out, std::string_view name) {
    out.put(name);
    out.put("(");
    bool first = true;
    ((out.put(first ? "" : ", "), first = false, print<Args>(out)), ...);
    out.put(")");
}

// Leaves: a parameter, an input or a target prints as its name.
template <fixed_string Name>
struct name_printer {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put(Name.view());
    }
};
template <fixed_string Name, class S>
struct printer<param_leaf<Name, S>> : name_printer<Name> {};
template <fixed_string Name, std::size_t N>
struct printer<input_leaf<Name, N>> : name_printer<Name> {};
template <fixed_string Name, class S>
struct printer<target_leaf<Name, S>> : name_printer<Name> {};
template <fixed_string Name, std::size_t K>
struct printer<class_target_leaf<Name, K>> : name_printer<Name> {};
template <std::uint64_t Bits>
struct printer<constant_leaf<Bits>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_number(out, constant_leaf<Bits>::value);
    }
};

// An op applied to its operands: `name(a, b)`; the fallback for every op not printed otherwise.
template <class Op, class... Args>
struct printer<node<Op, Args...>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_call<Args...>(out, op_name<Op>);
    }
};

// a + b, a - b, a * b, a / b: the left operand in parentheses when it binds less tightly, the
// right one also when it binds as tightly (the nodes nest as the user grouped them).
template <class Op, class A, class B>
requires(precedence_of<node<Op, A, B>> != primary) struct printer<node<Op, A, B>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        constexpr int p = precedence_of<node<Op, A, B>>;
        print_operand<A>(out, precedence_of<A> < p);
        out.put(" ");
        out.put(op_name<Op>);
        out.put(" ");
        print_operand<B>(out, precedence_of<B> <= p);
    }
};
template <class A>
struct printer<node<ops::neg, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put("-");
        print_operand<A>(out, precedence_of<A> <= unary);
    }
};

// matvec's operands are stored (x, W); the builder takes (W, x).
template <class X, class W>
struct printer<node<ops::matvec, X, W>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_call<W, X>(out, "matvec");
    }
};

// Ops with constants in the type: pow(x, c), clamp(x, lo, hi).
template <std::uint64_t Bits, class A>
struct printer<node<ops::pow<Bits>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put("pow(");
        detail::text::print<A>(out);
        out.put(", ");
        print_number(out, ops::pow<Bits>::c);
        out.put(")");
    }
};
template <std::uint64_t Lo, std::uint64_t Hi, class A>
struct printer<node<ops::clamp<Lo, Hi>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put("clamp(");
        detail::text::print<A>(out);
        out.put(", ");
        print_number(out, ops::clamp<Lo, Hi>::lo);
        out.put(", ");
        print_number(out, ops::clamp<Lo, Hi>::hi);
        out.put(")");
    }
};

// tg::linear<"fc", In, Out>(x).
template <class X, fixed_string Weight, std::size_t Out, std::size_t In, fixed_string Bias>
requires linear_names<Weight, Bias>
struct printer<node<ops::add, node<ops::matvec, X, param_leaf<Weight, shape<Out, In>>>, param_leaf<Bias, shape<Out>>>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put("linear<\"");
        out.put(Weight.view().substr(0, Weight.size() - 7));
        out.put("\", ");
        print_unsigned(out, In);
        out.put(", ");
        print_unsigned(out, Out);
        out.put(">(");
        detail::text::print<X>(out);
        out.put(")");
    }
};

// tg::column<C>(x), tg::columns<C...>(x) and tg::embedding<"emb", Num, Dim>(index).
template <std::size_t... Cs, class X>
struct printer<node<ops::take<Cs...>, X>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put(sizeof...(Cs) == 1 ? "column<" : "columns<");
        bool first = true;
        for (const std::size_t c : {Cs...}) {
            if (!first)
                out.put(", ");
            first = false;
            print_unsigned(out, c);
        }
        out.put(">(");
        detail::text::print<X>(out);
        out.put(")");
    }
};
template <std::size_t Num, std::size_t Dim, class I, fixed_string Weight>
requires(Weight.view().ends_with(
    ".weight")) struct printer<node<ops::embedding<Num, Dim>, I, param_leaf<Weight, shape<Num, Dim>>>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put("embedding<\"");
        out.put(Weight.view().substr(0, Weight.size() - 7));
        out.put("\", ");
        print_unsigned(out, Num);
        out.put(", ");
        print_unsigned(out, Dim);
        out.put(">(");
        detail::text::print<I>(out);
        out.put(")");
    }
};

// The losses that expand into several nodes, printed as their builders when the target is a
// target leaf (the shape the builder gives; the same nodes on other operands print as written).
template <class P, class Y>
requires TargetLeaf<Y>
struct printer<node<ops::mean, node<ops::square, node<ops::sub, P, Y>>>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_call<P, Y>(out, "mse");
    }
};
template <class P, class Y>
requires TargetLeaf<Y>
struct printer<node<ops::mean, node<ops::abs, node<ops::sub, P, Y>>>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_call<P, Y>(out, "l1");
    }
};
// huber, smooth_l1 and bce_with_logits: only their builders make these nodes, always inside a
// mean, which then prints as its operand.
template <class Op, class P, class Y>
struct loss_printer {
    static constexpr double parameter = [] {
        if constexpr (requires { Op::delta; })
            return Op::delta;
        else if constexpr (requires { Op::beta; })
            return Op::beta;
        else
            return 1.0;
    }();
    template <class Sink>
    static constexpr void print(Sink& out) {
        out.put(op_name<Op>);
        out.put("(");
        detail::text::print<P>(out);
        out.put(", ");
        detail::text::print<Y>(out);
        if (parameter != 1.0) {
            out.put(", ");
            print_number(out, parameter);
        }
        out.put(")");
    }
};
template <std::uint64_t Bits, class P, class Y>
struct printer<node<ops::huber<Bits>, node<ops::sub, P, Y>>> : loss_printer<ops::huber<Bits>, P, Y> {};
template <std::uint64_t Bits, class P, class Y>
struct printer<node<ops::smooth_l1<Bits>, node<ops::sub, P, Y>>> : loss_printer<ops::smooth_l1<Bits>, P, Y> {};
template <class Z, class Y>
struct printer<node<ops::bce_with_logits, Z, Y>> : loss_printer<ops::bce_with_logits, Z, Y> {};
template <class Op, class A>
requires(
    requires { Op::delta; } || requires { Op::beta; }) struct printer<node<ops::mean, node<Op, A>>>
    : printer<node<Op, A>> {
};
template <class Z, class Y>
struct printer<node<ops::mean, node<ops::bce_with_logits, Z, Y>>> : printer<node<ops::bce_with_logits, Z, Y>> {};
template <class L, class Y>
struct printer<node<ops::nll, node<ops::log_softmax, L>, Y>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_call<L, Y>(out, "cross_entropy");
    }
};

// tg::layer_norm<"ln", Dims...>(x[, eps][, elementwise_affine<false>]): the name and normalized
// shape from the weight; without one, any name gives the same node, and the shape is x's trailing
// dimensions of N elements.
template <class X, class... P>
struct layer_norm_spelling;
template <class X, fixed_string Weight, class NS, class B>
struct layer_norm_spelling<X, param_leaf<Weight, NS>, B> {
    static constexpr std::string_view name = Weight.view().substr(0, Weight.size() - 7);  // less ".weight"
    using normalized = NS;
};
template <class X>
struct layer_norm_spelling<X> {
    static constexpr std::string_view name = "";
    using normalized = void;
};
template <class Sink, std::size_t... D>
constexpr void print_dims(Sink& out, shape<D...>*) {
    ((out.put(", "), print_unsigned(out, D)), ...);
}
template <class Sink, std::size_t... D>
constexpr void print_trailing_dims(Sink& out, std::size_t n, shape<D...>*) {
    constexpr std::size_t rank = sizeof...(D);
    const std::size_t dims[rank + 1] = {D..., 1};
    std::size_t k = rank, size = 1;
    while (k > 0 && size < n)
        size *= dims[--k];
    for (; k < rank; ++k) {
        out.put(", ");
        print_unsigned(out, dims[k]);
    }
}
template <std::size_t G, std::size_t N, std::uint64_t EpsBits, class X, class... P>
struct printer<node<ops::layer_norm<G, N, EpsBits>, X, P...>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        using spelling = layer_norm_spelling<X, P...>;
        constexpr double eps = ops::layer_norm<G, N, EpsBits>::eps;
        out.put("layer_norm<\"");
        out.put(spelling::name);
        out.put("\"");
        if constexpr (sizeof...(P) == 2)
            print_dims(out, static_cast<typename spelling::normalized*>(nullptr));
        else
            print_trailing_dims(out, N, static_cast<typename X::shape_type*>(nullptr));
        out.put(">(");
        detail::text::print<X>(out);
        if (eps != 1e-5 || sizeof...(P) == 0) {
            out.put(", ");
            print_number(out, eps);
        }
        if (sizeof...(P) == 0)
            out.put(", elementwise_affine<false>");
        out.put(")");
    }
};

// tg::batch_norm<"bn", C>(x[, eps, momentum]): the name from the weight, eps and momentum when
// either is not the default.
template <std::size_t C, std::size_t S, std::uint64_t E, std::uint64_t M, class X, fixed_string Weight, class W,
          class B>
struct printer<node<ops::batch_norm<C, S, E, M>, X, param_leaf<Weight, W>, B>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        using op = ops::batch_norm<C, S, E, M>;
        out.put("batch_norm<\"");
        out.put(Weight.view().substr(0, Weight.size() - 7));  // less ".weight"
        out.put("\", ");
        print_unsigned(out, C);
        out.put(">(");
        detail::text::print<X>(out);
        if (op::eps != 1e-5 || op::momentum != 0.1) {
            out.put(", ");
            print_number(out, op::eps);
            out.put(", ");
            print_number(out, op::momentum);
        }
        out.put(")");
    }
};

// name(a) or name(a, c): the constant of elu, leaky_relu and dropout when it is not the builder's
// default (the same node either way).
template <class A, class Sink>
constexpr void print_with_constant(Sink& out, std::string_view name, double value, double builder_default) {
    out.put(name);
    out.put("(");
    print<A>(out);
    if (value != builder_default) {
        out.put(", ");
        print_number(out, value);
    }
    out.put(")");
}
template <class A>
struct printer<node<ops::gelu_tanh, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_call<A>(out, "gelu<\"tanh\">");
    }
};
template <std::uint64_t Bits, class A>
struct printer<node<ops::elu<Bits>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_with_constant<A>(out, "elu", ops::elu<Bits>::alpha, detail::default_elu_alpha::value);
    }
};
template <std::uint64_t Bits, class A>
struct printer<node<ops::leaky_relu<Bits>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_with_constant<A>(out, "leaky_relu", ops::leaky_relu<Bits>::slope, detail::default_negative_slope::value);
    }
};
template <std::uint64_t Bits, class A>
struct printer<node<ops::dropout<Bits>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_with_constant<A>(out, "dropout", ops::dropout<Bits>::p, detail::default_dropout_p::value);
    }
};

// name<"quoted", v0, v1, ...>(a): a name (if any), then the template arguments up to the last that
// differs from its default (a default of `none` has none: always printed); the argument at
// `boolean_at` as true or false.
inline constexpr std::size_t none = ~std::size_t{0};
template <class A, std::size_t N, class Sink>
constexpr void print_builder(Sink& out, std::string_view name, std::string_view quoted, const std::size_t (&values)[N],
                             const std::size_t (&defaults)[N], std::size_t boolean_at = none) {
    std::size_t shown = N;
    while (shown > 0 && values[shown - 1] == defaults[shown - 1])
        --shown;
    out.put(name);
    out.put("<");
    bool first = true;
    if (!quoted.empty()) {
        out.put("\"");
        out.put(quoted);
        out.put("\"");
        first = false;
    }
    for (std::size_t k = 0; k < shown; ++k) {
        out.put(first ? "" : ", ");
        first = false;
        if (k == boolean_at)
            out.put(values[k] != 0 ? "true" : "false");
        else
            print_unsigned(out, values[k]);
    }
    out.put(">(");
    print<A>(out);
    out.put(")");
}

// tg::view<D...>(x), tg::flatten(x).
template <std::size_t... D, class A>
struct printer<node<ops::reshape<shape<D...>>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        if constexpr (sizeof...(D) == 1) {
            print_call<A>(out, "flatten");
        } else {
            const std::size_t dims[] = {D...};
            print_builder<A>(out, "view", "", dims, {(static_cast<void>(D), none)...});
        }
    }
};

// tg::conv2d<"name", In, Out, K, Stride, Padding, Dilation, Bias>(x) (conv1d for a weight of rank 3),
// when the parameters are named as the builder names them; other operands print as the op.
template <fixed_string Weight, fixed_string Bias>
inline constexpr bool conv_names = Weight.size() > 7 && Weight.view().substr(Weight.size() - 7) == ".weight" &&
                                   (Bias.size() == 0 || linear_names<Weight, Bias>);
template <class Win, std::size_t C, std::size_t O, bool OneD, bool HasBias, fixed_string Weight, class X>
struct conv_printer {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_builder<X>(out, OneD ? "conv1d" : "conv2d", Weight.view().substr(0, Weight.size() - 7),
                         {C, O, Win::kw, Win::stride, Win::pw, Win::dilation, HasBias ? 1u : 0u},
                         {none, none, none, 1, 0, 1, 1}, /*boolean_at=*/6);
    }
};
template <std::size_t C, std::size_t O, class Win, class X, fixed_string Weight, class WS, fixed_string Bias>
requires conv_names<Weight, Bias>
struct printer<node<ops::conv<C, O, Win>, X, param_leaf<Weight, WS>, param_leaf<Bias, shape<O>>>>
    : conv_printer<Win, C, O, WS::rank == 3, true, Weight, X> {
};
template <std::size_t C, std::size_t O, class Win, class X, fixed_string Weight, class WS>
requires conv_names<Weight, fixed_string("")>
struct printer<node<ops::conv<C, O, Win>, X, param_leaf<Weight, WS>>>
    : conv_printer<Win, C, O, WS::rank == 3, false, Weight, X> {
};

// tg::max_pool2d<K, Stride, Padding>(x) and the other pools; adaptive_avg_pool2d<1>(x).
template <class Op, class Win, class A>
struct pool_printer {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_builder<A>(out, op_name<Op>, "", {Win::kw, Win::stride, Win::pw}, {none, Win::kw, 0});
    }
};
template <std::size_t C, class Win, bool OneD, class A>
struct printer<node<ops::max_pool<C, Win, OneD>, A>> : pool_printer<ops::max_pool<C, Win, OneD>, Win, A> {};
template <std::size_t C, class Win, bool OneD, class A>
struct printer<node<ops::avg_pool<C, Win, OneD>, A>> : pool_printer<ops::avg_pool<C, Win, OneD>, Win, A> {};
template <std::size_t C, std::size_t N, bool OneD, class A>
struct printer<node<ops::global_avg_pool<C, N, OneD>, A>> {
    template <class Sink>
    static constexpr void print(Sink& out) {
        print_builder<A>(out, op_name<ops::global_avg_pool<C, N, OneD>>, "", {1}, {none});
    }
};

template <class E>
constexpr auto render() {
    constexpr std::size_t n = [] {
        counter c;
        print<E>(c);
        return c.size;
    }();
    fixed_string<n> s;
    writer w{s.chars};
    print<E>(w);
    return s;
}

}  // namespace detail::text

//! The expression `E` written back as code, as a compile-time string:
//! `static_assert(tg::expression_text<decltype(loss)> == tg::fixed_string("mse(linear<\"fc\", 10, 1>(x), y)"))`.
template <Expression E>
inline constexpr auto expression_text = detail::text::render<std::remove_cvref_t<E>>();

//! The expression `e` written back as code, in the terms of its builders:
//! `tg::to_string(tg::bce_with_logits(tg::linear<"fc", 30, 1>(x), y))` is
//! `bce_with_logits(linear<"fc", 30, 1>(x), y)`. Computed at run time (instantiates one small
//! function per node); `tg::expression_text` is the compile-time spelling.
template <Expression E>
std::string to_string(E) {
    std::string s;
    detail::text::appender out{s};
    detail::text::print<std::remove_cvref_t<E>>(out);
    return s;
}

//! The name of the op at the top of `e` ("log", "+", "linear" is "+" of "matvec"), or the kind of a
//! leaf ("parameter", "input", "target", "constant").
template <Expression E>
constexpr std::string_view op_name(E) {
    using N = std::remove_cvref_t<E>;
    if constexpr (ParamLeaf<N>)
        return "parameter";
    else if constexpr (InputLeaf<N>)
        return "input";
    else if constexpr (TargetLeaf<N>)
        return "target";
    else if constexpr (ConstantLeaf<N>)
        return "constant";
    else
        return detail::text::op_name<typename N::op>;
}

}  // namespace TYPEGRAD_NS
