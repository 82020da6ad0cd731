#pragma once
//! Anomaly mode: one sample re-run in a checked scalar evaluation that computes every node's value,
//! then every node's adjoint, and stops at the first op that turns finite numbers into a NaN or an
//! infinity (torch: `torch.autograd.set_detect_anomaly(True)`, which names the backward function).
//! Opt-in, as torch's: `tg::detect_anomaly(trainer)` makes the trainer run it on its failure path,
//! for the first data row whose sample gives the non-finite loss or gradient, and put what it finds
//! into the non_finite_error. It costs nothing at run time until a number is non-finite, but its
//! evaluator is a second, scalar compilation of the loss, so only programs that ask for it
//! compile it (this header is not in typegrad.hpp). `tg::find_anomaly(loss, params, features,
//! target)` runs it on any sample.
#include <cmath>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/program.hpp>
#include <typegrad/autodiff/samples.hpp>
#include <typegrad/autodiff/sweep.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/to_string.hpp>
#include <typegrad/train/anomaly_report.hpp>
#include <typegrad/train/trainer.hpp>

namespace TYPEGRAD_NS {

namespace detail::anomaly {

inline constexpr std::size_t none = static_cast<std::size_t>(-1);

// The elements of a node's value or adjoint, as the checks read them.
template <class T>
struct elements {
    const T* p = nullptr;
    std::size_t size = 0;
};

template <class T>
std::size_t first_non_finite(elements<T> e) {
    for (std::size_t i = 0; i < e.size; ++i)
        if (!std::isfinite(e.p[i]))
            return i;
    return none;
}

// An operand as the message shows it: its element `at` when it has the result's size, its only
// element, or its first elements.
template <class T>
std::string describe(elements<T> e, std::size_t result_size, std::size_t at) {
    if (e.size == 1)
        return anomaly_report::number(static_cast<double>(e.p[0]));
    if (e.size == result_size && at < e.size)
        return anomaly_report::number(static_cast<double>(e.p[at])) + " at element " + std::to_string(at);
    std::string s = "[";
    for (std::size_t i = 0; i < e.size && i < 4; ++i)
        s += (i ? ", " : "") + anomaly_report::number(static_cast<double>(e.p[i]));
    return s + (e.size > 4 ? ", ...]" : "]");
}

template <class N, class T>
inline constexpr T constant_value = static_cast<T>(N::value);

//! The checked evaluation of one sample of `Loss` in T.
template <class Loss, class T>
struct checked {
    using graph_type = autodiff::graph<Loss>;
    using nodes = typename graph_type::nodes;
    using reversed = typename graph_type::reversed;
    using layout = autodiff::param_layout<typename graph_type::params>;
    using input = typename autodiff::first_or_void<typename graph_type::inputs>::type;
    using target = typename autodiff::first_or_void<typename graph_type::targets>::type;
    using workspace = autodiff::workspace_for<T, T, Loss>;

    template <class N>
    static elements<T> values(workspace& ws) {
        if constexpr (ParamLeaf<N>)
            return {ws.params + layout::template offset_of<N>, size_of<N>};
        else if constexpr (ConstantLeaf<N>)
            return {&constant_value<N, T>, 1};
        else
            return {ws.template value<N>().v, size_of<N>};
    }
    template <class N>
    static elements<T> adjoints(workspace& ws) {
        if constexpr (ParamLeaf<N>)
            return {ws.param_adjoints + layout::template offset_of<N>, size_of<N>};
        else
            return {ws.template adjoint<N>().v, size_of<N>};
    }
    template <class P>
    static std::string element_name(std::size_t i) {
        return std::string(P::name.view()) + "[" + std::to_string(i) + "]";
    }

    // Computes node N's value; records it when it is the first non-finite one.
    template <class N>
    static bool forward_checked(workspace& ws, std::optional<anomaly_report>& found) {
        autodiff::forward_node<N>(ws);
        const elements<T> v = values<N>(ws);
        const std::size_t bad = first_non_finite(v);
        if (bad == none)
            return false;
        anomaly_report r;
        r.pass = anomaly_pass::forward;
        r.op = std::string(op_name(N{}));
        r.expression = to_string(N{});
        r.element = bad;
        r.value = static_cast<double>(v.p[bad]);
        if constexpr (ParamLeaf<N>) {
            r.param = element_name<N>(bad);
        } else if constexpr (!Leaf<N>) {
            [&]<class Op, class... Args>(node<Op, Args...>*) {
                const elements<T> operands[] = {values<Args>(ws)...};
                for (std::size_t k = 0; k < sizeof...(Args); ++k)
                    r.from += (k ? "; " : "") + describe(operands[k], v.size, bad);
            }(static_cast<N*>(nullptr));
        }
        found = std::move(r);
        return true;
    }

    // Adds node N's contribution to each operand's adjoint, operand after operand; records the
    // first contribution that makes a finite adjoint non-finite.
    template <class N>
    static bool reverse_checked(workspace& ws, std::optional<anomaly_report>& found) {
        if constexpr (!Leaf<N> && autodiff::needs_adjoint_v<N>) {
            return [&]<class Op, class... Args>(node<Op, Args...>*) {
                bool hit = false;
                [&]<std::size_t... I>(std::index_sequence<I...>) {
                    const bool each[] = {false, (hit = hit || operand_checked<N, Op, I, Args...>(ws, found))...};
                    (void)each;
                }
                (std::index_sequence_for<Args...>{});
                return hit;
            }(static_cast<N*>(nullptr));
        } else {
            return false;
        }
    }
    template <class N, class Op, std::size_t I, class... Args>
    static bool operand_checked(workspace& ws, std::optional<anomaly_report>& found) {
        using A = std::tuple_element_t<I, std::tuple<Args...>>;
        if constexpr (!autodiff::needs_adjoint_v<A>) {
            return false;
        } else {
            const elements<T> before = adjoints<A>(ws);
            const bool finite_before = first_non_finite(before) == none;
            auto&& ga = ws.template adjoint<A>();  // a view for a parameter, the node's lanes otherwise
            autodiff::node_vjp<N, I>(ws, ga, ws.template adjoint<N>(), ws.template value<N>(),
                                     ws.template value<Args>()...);
            const std::size_t bad = first_non_finite(adjoints<A>(ws));
            if (!finite_before || bad == none)
                return false;
            anomaly_report r;
            r.pass = anomaly_pass::backward;
            r.op = std::string(op_name(N{}));
            r.expression = to_string(N{});
            r.operand = to_string(A{});
            r.element = bad;
            r.value = static_cast<double>(adjoints<A>(ws).p[bad]);
            if constexpr (ParamLeaf<A>)
                r.param = element_name<A>(bad);
            const elements<T> gy = adjoints<N>(ws), y = values<N>(ws), a = values<A>(ws);
            // An elementwise op's element `bad` of the operand meets the same element of the result.
            const std::size_t at = a.size == y.size ? bad : 0;
            r.from = "incoming gradient " + describe(gy, y.size, at) + "; result " + describe(y, y.size, at) +
                     "; operand " + describe(a, a.size, bad);
            found = std::move(r);
            return true;
        }
    }

    template <class... Ns>
    static bool forward_all(type_list<Ns...>, workspace& ws, std::optional<anomaly_report>& found) {
        bool hit = false;
        const bool each[] = {false, (hit = hit || forward_checked<Ns>(ws, found))...};
        (void)each;
        return hit;
    }
    template <class... Ns>
    static bool reverse_all(type_list<Ns...>, workspace& ws, std::optional<anomaly_report>& found) {
        const int cleared[] = {0, (std::is_same_v<Ns, Loss> ? void() : autodiff::clear_adjoint<Ns>(ws), 0)...};
        (void)cleared;
        bool hit = false;
        const bool each[] = {false, (hit = hit || reverse_checked<Ns>(ws, found))...};
        (void)each;
        return hit;
    }

    //! The first anomaly of the sample (x, y) (x: the input's features; y: the target), if any.
    [[gnu::cold, gnu::noinline]] static std::optional<anomaly_report> run(const T* params, const T* x, T y) {
        std::optional<anomaly_report> found;
        std::vector<T> param_adjoints(layout::total > 0 ? layout::total : 1, T(0));
        const auto owner = std::make_unique<workspace>();  // a large model's workspace is no stack's
        workspace& ws = *owner;
        ws.params = params;
        ws.param_adjoints = param_adjoints.data();
        autodiff::load_sample<input, target>(ws, x, y);
        if (!forward_all(nodes{}, ws, found)) {
            if constexpr (!Leaf<Loss> && autodiff::needs_adjoint_v<Loss>) {
                ws.template adjoint<Loss>()[0] = T(1);
                reverse_all(reversed{}, ws, found);
            }
        }
        if (found)
            found->loss = to_string(Loss{});
        return found;
    }
};

}  // namespace detail::anomaly

//! Anomaly mode on one sample: `features` (the input's width) and `target` (ignored when the loss
//! reads none) through the checked evaluation of `loss` with the values of `params`. The first op
//! that makes a NaN or an infinity from finite numbers, in the forward pass and then the backward
//! pass, or nothing when every value and gradient is finite.
template <Expression E, Expression L, class T>
requires SameExpression<E, L> std::optional<anomaly_report> find_anomaly(E, const Parameters<L, T>& params,
                                                                         std::span<const T> features, T target = T(0)) {
    using check = detail::anomaly::checked<std::remove_cv_t<L>, T>;
    constexpr std::size_t width = [] {
        if constexpr (std::is_void_v<typename check::input>)
            return std::size_t{0};
        else
            return size_of<typename check::input>;
    }();
    if (features.size() != width)
        typegrad::detail::raise(std::invalid_argument("typegrad: find_anomaly: the model's input has " +
                                                      std::to_string(width) + " features, the sample " +
                                                      std::to_string(features.size())));
    return check::run(params.values().data(), features.data(), target);
}

}  // namespace TYPEGRAD_NS

namespace TYPEGRAD_NS {

//! Anomaly mode on (or off, `on = false`) for `trainer`: when backward() meets a non-finite loss or
//! (with `trainer_checks::finite`) gradient, the first data row at fault is re-run in the checked
//! evaluation, and the non_finite_error's message and `anomaly()` say which op made the first NaN
//! or infinity, where it stands in the loss, and for which parameter. torch:
//! `torch.autograd.set_detect_anomaly(True)`.
template <class Loss, class Policy, class T>
void detect_anomaly(Trainer<Loss, Policy, T>& trainer, bool on = true) {
    using check = detail::anomaly::checked<typename Trainer<Loss, Policy, T>::loss_type, T>;
    trainer.set_anomaly_detector(on ? &check::run : nullptr);
}

}  // namespace TYPEGRAD_NS
