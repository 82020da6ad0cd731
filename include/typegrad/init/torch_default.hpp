#pragma once
// torch.nn.Linear's and torch.nn.Conv*d's default initialisation: weight and bias uniform in ±1/√fan_in;
// the constants of the ops that state their parameters' initial values (LayerNorm's ones and zeros).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <typegrad/autodiff/graph.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/param_info.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/mt19937_64.hpp>
#include <typegrad/parameters.hpp>

namespace TYPEGRAD_NS::init {

//! A double in [0, 1) from the top 53 bits of one draw of a 64-bit engine such as std::mt19937_64
//! (the same on every compiler).
template <class Engine>
double unit_uniform(Engine& rng) {
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

namespace detail {
// What an op states of its parameter's initial values: a constant (`Op::initial_value<I>` for
// operand I, as torch.nn.LayerNorm's weight 1 and bias 0) or a normal distribution of mean 0
// (`Op::initial_normal_std<I>`, as torch.nn.Embedding's N(0, 1)).
struct stated_init {
    double value = 0;     // the constant, or the standard deviation
    bool normal = false;  // drawn from N(0, value²)
};
// The parameters whose op states their initial values, each given to `set(name, stated_init)`. Function templates
// and a partial specialisation rather than nested generic lambdas: Clang 14 looks up a member in a
// discarded `if constexpr` branch of a lambda nested in a generic lambda.
template <class Op, std::size_t I, class A, class Set>
void set_stated_value(Set& set) {
    if constexpr (ParamLeaf<A>) {
        if constexpr (requires { Op::template initial_value<I>; })
            set(A::name.view(), stated_init{Op::template initial_value<I>, false});
        else if constexpr (requires { Op::template initial_normal_std<I>; })
            set(A::name.view(), stated_init{Op::template initial_normal_std<I>, true});
    }
}
template <class N>
struct stated_values_of {
    template <class Set>
    static void apply(Set&) {}
};
template <class Op, class... Args>
struct stated_values_of<node<Op, Args...>> {
    template <class Set>
    static void apply(Set& set) {
        each(set, std::index_sequence_for<Args...>{});
    }
    template <class Set, std::size_t... I>
    static void each(Set& set, std::index_sequence<I...>) {
        (set_stated_value<Op, I, Args>(set), ...);
    }
};
// An array initialiser rather than a fold: Clang 14 caps a fold's nesting at 256 operands.
template <class... Ns, class Set>
void stated_initial_values(type_list<Ns...>, Set set) {
    const int in_order[] = {0, (stated_values_of<Ns>::apply(set), 0)...};
    (void)in_order;
}
}  // namespace detail

//! Fills every parameter with the rule of `torch.nn.Linear.reset_parameters`: `X.weight` [Out, In]
//! uniform in ±1/√In (kaiming_uniform with a = √5), `X.bias` uniform in ±1/√In of its `X.weight`.
//! A weight of more dimensions (a convolution's [Out, In, K, K]) takes torch's fan_in, the product of
//! all but its first dimension (In·K·K), and so does its bias. Any other parameter takes fan_in =
//! its last dimension. The draws come from std::mt19937_64(seed),
//! parameter after parameter in order, element after element; they are not torch's random numbers
//! (load torch's tensors by name to reproduce a torch run exactly). A parameter whose op states its
//! initial value takes that value and no draw: torch.nn.LayerNorm's `weight` 1 and `bias` 0; one
//! whose op states a normal distribution takes draws of it in its turn: torch.nn.Embedding's `weight`
//! N(0, 1) (standard_normal, two draws per element).
//! torch's fan_in of a parameter: size(1) · size(2) · ... for two dimensions or more.
inline std::size_t fan_in_of(const param_info& p) {
    return p.rank >= 2 && p.dims[0] > 0 ? p.size / p.dims[0] : p.columns;
}

namespace detail {
// Whether `name` is among `names`: a loop, one function for every model.
inline bool listed(const std::vector<std::string_view>& names, std::string_view name) noexcept {
    for (const std::string_view n : names)
        if (n == name)
            return true;
    return false;
}
}  // namespace detail

//! A draw of N(0, 1) from two draws of `rng` (Box-Muller: √(-2 ln(1 - u)) cos(2πv)).
template <class Engine>
double standard_normal(Engine& rng) {
    const double u = unit_uniform(rng), v = unit_uniform(rng);
    return std::sqrt(-2.0 * std::log(1.0 - u)) * std::cos(6.283185307179586477 * v);
}

template <class Loss, class T>
void torch_default(Parameters<Loss, T>& params, std::uint64_t seed) {
    typegrad::detail::mt19937_64 rng(seed);  // std::mt19937_64, without <random>
    std::vector<std::string_view> stated;
    std::vector<std::pair<std::string_view, double>> normal;  // (name, standard deviation), drawn in order
    detail::stated_initial_values(typename autodiff::graph<Loss>::nodes{},
                                  [&](std::string_view name, detail::stated_init s) {
                                      stated.push_back(name);
                                      if (s.normal) {
                                          normal.emplace_back(name, s.value);
                                          return;
                                      }
                                      for (auto& element : params.value(name))
                                          element = static_cast<T>(s.value);
                                  });
    const auto info = params.info();
    for (const auto& p : info) {
        const auto drawn = std::find_if(normal.begin(), normal.end(), [&](const auto& n) { return n.first == p.name; });
        if (drawn != normal.end()) {
            for (auto& v : params.value(p.name))
                v = static_cast<T>(drawn->second * standard_normal(rng));
            continue;
        }
        if (detail::listed(stated, p.name))
            continue;
        std::size_t fan_in = fan_in_of(p);
        const std::string_view name = p.name;
        if (name.ends_with(".bias")) {
            const std::string weight = std::string(name.substr(0, name.size() - 5)) + ".weight";
            for (const auto& q : info)
                if (q.name == weight)
                    fan_in = fan_in_of(q);
        }
        const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
        auto values = params.value(p.name);
        for (auto& v : values)
            v = static_cast<T>((2.0 * unit_uniform(rng) - 1.0) * bound);
    }
}

}  // namespace TYPEGRAD_NS::init
