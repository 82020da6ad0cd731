#pragma once
// The gradient of a per-sample scalar with respect to the sample's input, on the existing sweeps:
// the expression's type is rewritten so that the input leaf carries an adjoint and the parameters
// carry none, and the forward and reverse sweeps of sweep.hpp then run unchanged, a sample per
// lane. A file of its own because the rewrite is the whole idea: the training path, its types and
// its generated code stay as they are.
//
// The rewrite, node by node (a node is its type, so shared subexpressions stay shared):
// - the input leaf becomes `sensitive_input<X>`: still the input the loader fills, but with an
//   adjoint (needs_adjoint is true);
// - every parameter leaf becomes `frozen_param<P>`: still read from the parameters' flat buffer
//   (same name, shape and offset), but with no adjoint, so the sweep computes no parameter
//   gradient;
// - every op becomes `frozen_op<Op>`, the same op (shape rule, forward, VJPs) without the block
//   kernels that write a parameter's gradient (`block_kernel` has none for it).
#include <cstddef>
#include <type_traits>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/program.hpp>
#include <typegrad/autodiff/samples.hpp>
#include <typegrad/autodiff/sweep.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::autodiff {

namespace gradient_of_input {

//! The input leaf X, with an adjoint.
template <class X>
struct sensitive_input : named_leaf<leaf_kind::input, X::name, typename X::shape_type> {};

//! The parameter leaf P, read as P is, without an adjoint.
template <class P>
struct frozen_param : named_leaf<leaf_kind::param, P::name, typename P::shape_type> {};

//! The op Op without its block kernels (which only ever write a parameter's gradient).
template <class Op>
struct frozen_op : Op {};

template <class N>
struct rewrite {
    using type = N;  // targets and constants
};
template <class N>
requires ParamLeaf<N>
struct rewrite<N> {
    using type = frozen_param<N>;
};
template <class N>
requires InputLeaf<N>
struct rewrite<N> {
    using type = sensitive_input<N>;
};
template <class Op, class... Args>
struct rewrite<node<Op, Args...>> {
    using type = node<frozen_op<Op>, typename rewrite<Args>::type...>;
};

template <class List>
struct frozen_list;
template <class... Ps>
struct frozen_list<type_list<Ps...>> {
    using type = type_list<frozen_param<Ps>...>;
};

}  // namespace gradient_of_input

template <class X>
struct needs_adjoint<gradient_of_input::sensitive_input<X>> : std::true_type {};
template <class P>
struct needs_adjoint<gradient_of_input::frozen_param<P>> : std::false_type {};

//! d(Expr)/d(input) for each sample of a batch: `Expr` a scalar per sample, evaluated with the
//! parameters laid out as `Params` (the list of a larger expression it is part of, e.g. the loss a
//! model lives in). The batch runs a block of samples at a time, a sample per lane; nothing is
//! allocated.
template <Expression Expr, class T, class Params = typename graph<std::remove_cv_t<Expr>>::params>
struct input_gradient_of {
    using root_type = typename gradient_of_input::rewrite<std::remove_cv_t<Expr>>::type;
    using eval = evaluator<root_type, T, typename gradient_of_input::frozen_list<Params>::type>;
    using input = typename eval::input;
    using lane = typename eval::lane;
    static constexpr std::size_t lanes = eval::lanes;
    static constexpr std::size_t width = [] {
        if constexpr (std::is_void_v<input>)
            return std::size_t{0};
        else
            return size_of<input>;
    }();

    //! Writes d(expr)/d(x) of the sample i of `rows` to out[i * width + f], f over the input's
    //! features; `params` the flat parameter values of the layout `Params`.
    static void run(const T* params, const sample_source<T>& rows, T* out) {
        static_assert(!std::is_void_v<input>, "typegrad: input_gradient: the expression reads no input");
        using nodes = typename eval::nodes;
        using reversed = typename eval::reversed;
        workspace<lane, T, nodes, typename gradient_of_input::frozen_list<Params>::type> ws;
        ws.params = params;
        for (std::size_t start = 0; start < rows.count; start += lanes) {
            const std::size_t valid = eval::load_block(ws, rows, start);
            alignas(64) T tmp[lanes];
            if constexpr (needs_adjoint_v<root_type>) {
                forward(nodes{}, ws);
                auto& gx = ws.template adjoint<input>();
                for (std::size_t f = 0; f < width; ++f)
                    gx[f] = lane(T(0));  // a leaf's adjoint is added to, never assigned first
                ws.template adjoint<root_type>()[0] = lane(T(1));
                reverse<root_type>(reversed{}, ws);
                for (std::size_t f = 0; f < width; ++f) {
                    gx[f].store_aligned(tmp);
                    for (std::size_t l = 0; l < valid; ++l)
                        out[(start + l) * width + f] = tmp[l];
                }
            } else {
                // The expression does not depend on the input: its gradient is zero.
                for (std::size_t l = 0; l < valid; ++l)
                    for (std::size_t f = 0; f < width; ++f)
                        out[(start + l) * width + f] = T(0);
            }
        }
    }
};

}  // namespace TYPEGRAD_NS::autodiff
