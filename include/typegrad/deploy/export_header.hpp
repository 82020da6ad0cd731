#pragma once
// A trained model written out as a self-contained C++ header: its parameters as constexpr arrays
// and a constexpr, noexcept `predict` that computes the model's forward pass in straight-line
// loops, one per node, including nothing of typegrad (<array> and <cstddef> only). Not part of the
// umbrella header (it brings <fstream> and <filesystem>, and a deployment step is a program of its
// own): `#include <typegrad/deploy/export_header.hpp>`.
#include <array>
#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/autodiff/buffers.hpp>
#include <typegrad/autodiff/graph.hpp>
#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/deploy/emit.hpp>
#include <typegrad/deploy/math_source.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/parameters.hpp>

namespace TYPEGRAD_NS {

//! How tg::export_header writes the header.
struct export_options {
    //! The namespace that holds the generated code, e.g. "iris" or "models::iris". Empty: the file
    //! name's stem made an identifier ("iris-mlp.hpp" gives iris_mlp), or "model" when there is none.
    std::string namespace_name;
};

namespace deploy::detail {

inline constexpr std::array<std::string_view, 97> keywords{
    "alignas",     "alignof",   "and",        "and_eq",    "asm",      "auto",         "bitand",
    "bitor",       "bool",      "break",      "case",      "catch",    "char",         "char8_t",
    "char16_t",    "char32_t",  "class",      "compl",     "concept",  "const",        "consteval",
    "constexpr",   "constinit", "const_cast", "continue",  "co_await", "co_return",    "co_yield",
    "decltype",    "default",   "delete",     "do",        "double",   "dynamic_cast", "else",
    "enum",        "explicit",  "export",     "extern",    "false",    "float",        "for",
    "friend",      "goto",      "if",         "inline",    "int",      "long",         "mutable",
    "namespace",   "new",       "noexcept",   "not",       "not_eq",   "nullptr",      "operator",
    "or",          "or_eq",     "private",    "protected", "public",   "register",     "reinterpret_cast",
    "requires",    "return",    "short",      "signed",    "sizeof",   "static",       "static_assert",
    "static_cast", "struct",    "switch",     "template",  "this",     "thread_local", "throw",
    "true",        "try",       "typedef",    "typeid",    "typename", "union",        "unsigned",
    "using",       "virtual",   "void",       "volatile",  "wchar_t",  "while",        "xor",
    "xor_eq",      "final",     "override",   "import",    "module",   "std"};

// The names the generated header declares itself, and predict's locals (the emitters').
inline constexpr std::array<std::string_view, 34> reserved{
    "value_type", "inputs", "outputs", "predict", "detail", "feature_mean", "feature_std", "x",  "y",     "z",
    "i",          "o",      "s",       "m",       "lse",    "standardizes", "g",           "j",  "shift", "offset",
    "q",          "d",      "rstd",    "invstd",  "alpha",  "beta",         "row",         "oy", "ox",    "ch",
    "ky",         "kx",     "iy",      "ix"};

inline bool is_identifier(std::string_view s) {
    auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (s.empty() || !alpha(s[0]) || s.starts_with("__") || (s.size() > 1 && s[0] == '_' && s[1] >= 'A' && s[1] <= 'Z'))
        return false;
    for (char c : s)
        if (!alpha(c) && !digit(c))
            return false;
    for (auto k : keywords)
        if (s == k)
            return false;
    return true;
}

//! `name` with every character that cannot be part of an identifier replaced by '_', and `prefix`
//! before it when it starts with a digit.
inline std::string sanitized(std::string_view name, std::string_view prefix) {
    std::string s;
    for (char c : name)
        s.push_back((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
    if (s.empty() || (s[0] >= '0' && s[0] <= '9'))
        s.insert(0, prefix);
    while (s.starts_with("__"))
        s.erase(0, 1);
    return s;
}

//! The namespace of the generated code: the option, checked, or one made from the file name.
inline std::string namespace_for(const export_options& options, const std::filesystem::path& path) {
    if (!options.namespace_name.empty()) {
        std::string_view rest = options.namespace_name;
        for (;;) {
            const std::size_t sep = rest.find("::");
            if (!is_identifier(rest.substr(0, sep)))
                typegrad::detail::raise(
                    std::invalid_argument("typegrad: export_header: the namespace name '" + options.namespace_name +
                                          "' is not a C++ identifier (nor identifiers joined by ::)"));
            if (sep == std::string_view::npos)
                break;
            rest.remove_prefix(sep + 2);
        }
        return options.namespace_name;
    }
    std::string stem = path.stem().string();
    if (stem.empty())
        return "model";
    stem = sanitized(stem, "model_");
    return is_identifier(stem) ? stem : "model_" + stem;
}

//! The identifiers of the parameters' arrays: their torch names made identifiers ("0.weight" gives
//! layer0_weight, "fc.bias" fc_bias), each distinct and clear of the generated header's own names.
inline std::vector<std::string> array_names(const std::vector<std::string_view>& names) {
    std::vector<std::string> out;
    for (auto name : names) {
        std::string s = sanitized(name, "layer");
        auto taken = [&](const std::string& t) {
            for (auto r : reserved)
                if (t == r)
                    return true;
            for (const auto& o : out)
                if (t == o)
                    return true;
            // v<k> and c<k> are predict's node values.
            if (t.size() > 1 && (t[0] == 'v' || t[0] == 'c') &&
                t.find_first_not_of("0123456789", 1) == std::string::npos)
                return true;
            return !is_identifier(t);
        };
        while (taken(s))
            s += '_';
        out.push_back(std::move(s));
    }
    return out;
}

//! The shortest text that reads back as exactly `v` in T: a float literal with its suffix for float.
template <class T>
std::string exact_literal(T v) {
    char buf[40];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".e") == std::string::npos)
        s += ".0";
    if constexpr (std::is_same_v<T, float>)
        s += 'f';
    return s;
}

//! `values` as the initialiser of a constexpr array, eight to a line.
template <class T>
std::string initialiser(const T* values, std::size_t n, std::string_view what) {
    std::string s = "{";
    for (std::size_t i = 0; i < n; ++i) {
        if (values[i] != values[i] || values[i] - values[i] != 0)
            typegrad::detail::raise(std::invalid_argument("typegrad: export_header: " + std::string(what) +
                                                          " holds a non-finite value at index " + std::to_string(i) +
                                                          "; a deployed model needs finite numbers"));
        s += i % 8 == 0 ? "\n    " : " ";
        s += exact_literal(values[i]);
        s += ',';
    }
    return s + "\n}";
}

template <class S>
struct dims_of;
template <std::size_t... D>
struct dims_of<shape<D...>> {
    static std::string text() {
        std::string s = "[";
        ((s += (s.size() > 1 ? ", " : "") + std::to_string(D)), ...);
        return s + "]";
    }
};

template <class T, class... Ts>
constexpr std::size_t index_in(type_list<Ts...>) {
    std::size_t i = 0, found = sizeof...(Ts);
    ((found = (found == sizeof...(Ts) && std::is_same_v<T, Ts>) ? i : found, ++i), ...);
    return found;
}

template <class N>
inline constexpr bool emittable = true;
template <class Op, class... Args>
inline constexpr bool emittable<node<Op, Args...>> = emit<Op>::supported;

template <class... Ts>
constexpr std::size_t first_unsupported(type_list<Ts...>) {
    constexpr std::array<bool, sizeof...(Ts)> ok{emittable<Ts>...};
    for (std::size_t i = 0; i < ok.size(); ++i)
        if (!ok[i])
            return i;
    return ok.size();
}

template <class S, class... A>
inline constexpr bool one_of = (std::is_same_v<S, A> || ...);
template <class Sub, class All>
struct held_by;
template <class... S, class... A>
struct held_by<type_list<S...>, type_list<A...>> : std::bool_constant<(one_of<S, A...> && ...)> {};

//! The first type of the list Sub that the list All does not hold (Sub must have one).
template <class Sub, class All>
struct first_not_held;
template <class... S, class... A>
struct first_not_held<type_list<S...>, type_list<A...>> {
    static constexpr std::size_t index = [] {
        constexpr std::array<bool, sizeof...(S)> held{one_of<S, A...>...};
        std::size_t i = 0;
        while (held[i])
            ++i;
        return i;
    }();
    using type = autodiff::walk::at<index, S...>;
};

template <class List>
struct first_of;
template <class First, class... Rest>
struct first_of<type_list<First, Rest...>> {
    using type = First;
};
template <std::size_t I, class List>
struct at_of;
template <std::size_t I, class... Ts>
struct at_of<I, type_list<Ts...>> {
    using type = autodiff::walk::at<I, Ts...>;
};

template <class... Ts>
constexpr std::size_t count(type_list<Ts...>) {
    return sizeof...(Ts);
}

//! The batch-level nodes (batch normalisation) of a node list.
template <class Nodes>
using batch_level_nodes = autodiff::walk::filter<autodiff::is_batch_level_node, Nodes>;

//! Whether `Model` can be written with the parameters of `Loss`: one message for the first fault.
//! Each check takes its own (dependent) condition, so that Clang instantiates none ahead of time.
template <class Model, class Loss>
constexpr bool check_exportable() {
    using graph = autodiff::graph<Model>;
    constexpr bool no_target = count(typename graph::targets{}) == 0;
    constexpr std::size_t inputs = count(typename graph::inputs{});
    constexpr bool one_input = inputs == 1;
    constexpr bool params_held = held_by<typename graph::params, typename autodiff::graph<Loss>::params>::value;
    constexpr bool buffers_held =
        held_by<batch_level_nodes<typename graph::nodes>, typename autodiff::graph<Loss>::nodes>::value;
    if constexpr (!no_target) {
        using target = typename first_of<typename graph::targets>::type;
        return error::check<no_target>(
            error::fault<error::export_header_needs_a_model_not_a_loss<error::spelled<target::name>>>);
    } else if constexpr (!one_input) {
        return error::check<one_input>(error::fault<error::export_header_needs_one_input<error::inputs_read<inputs>>>);
    } else if constexpr (!params_held) {
        return error::check<params_held>(error::fault<error::export_header_parameters_of_another_model>);
    } else if constexpr (!buffers_held) {
        using weight =
            typename autodiff::weight_of<typename first_not_held<batch_level_nodes<typename graph::nodes>,
                                                                 typename autodiff::graph<Loss>::nodes>::type>::type;
        return error::check<buffers_held>(
            error::fault<error::export_header_running_statistics_of_another_model<error::spelled<weight::name>>>);
    } else {
        constexpr std::size_t bad = first_unsupported(typename graph::nodes{});
        constexpr bool supported = bad == count(typename graph::nodes{});
        if constexpr (!supported) {
            using unsupported = typename at_of<bad, typename graph::nodes>::type;
            return error::check<supported>(
                error::fault<error::export_header_does_not_support_op<typename unsupported::op>>);
        } else {
            return true;
        }
    }
}

template <class Node>
struct describe;
template <class Op, class... Args>
struct describe<node<Op, Args...>> {
    static std::string_view name() { return emit<Op>::name; }
};

//! The source of the header: `Model` computed with the values of `params`, features standardised
//! first by `scaler` when there is one.
template <class Model, class L, class T>
std::string source(const Parameters<L, T>& params, const data::standardizer<T>* scaler, const std::string& ns) {
    using graph = autodiff::graph<Model>;
    using nodes = typename graph::nodes;
    using model_params = typename graph::params;
    using input = typename first_of<typename graph::inputs>::type;
    using layout = typename Parameters<L, T>::layout;
    constexpr std::size_t n_in = size_of<input>, n_out = size_of<Model>;
    const std::string type = std::is_same_v<T, float> ? "float" : "double";

    if (scaler && (scaler->mean.size() != n_in || scaler->std.size() != n_in))
        typegrad::detail::raise(
            std::invalid_argument("typegrad: export_header: the standardizer has " +
                                  std::to_string(scaler->mean.size()) + " feature columns, the model's input '" +
                                  std::string(input::name.view()) + "' has " + std::to_string(n_in) + " features"));

    // The parameters (name, shape, offset in params.values(), array), then the running statistics
    // of the model's batch normalisations (offset in params.buffers()), running_mean and
    // running_var of each (num_batches_tracked plays no part in evaluation).
    struct param_entry {
        std::string name;
        std::string dims;
        std::size_t offset, size;
        bool buffer = false;
    };
    std::vector<param_entry> entries;
    [&]<class... Ps>(type_list<Ps...>) {
        (entries.push_back({std::string(Ps::name.view()), dims_of<typename Ps::shape_type>::text(),
                            layout::template offset_of<Ps>, size_of<Ps>}),
         ...);
    }(model_params{});
    const std::size_t n_params = entries.size();
    [&]<class... Bs>(type_list<Bs...>) {
        [[maybe_unused]] const auto add = [&]<class B>(std::type_identity<B>) {
            constexpr std::string_view weight = autodiff::weight_of<B>::type::name.view();
            const std::string layer(weight.substr(0, weight.size() - 7));  // without ".weight"
            constexpr std::size_t channels = B::op::channels;
            const std::string dims = "[" + std::to_string(channels) + "]";
            constexpr std::size_t offset = Parameters<L, T>::buffer_layout::template offset_of<B>;
            entries.push_back({layer + ".running_mean", dims, offset, channels, true});
            entries.push_back({layer + ".running_var", dims, offset + channels, channels, true});
        };
        (add(std::type_identity<Bs>{}), ...);
    }(batch_level_nodes<nodes>{});
    std::vector<std::string_view> names;
    std::size_t total = 0;
    for (const auto& e : entries) {
        names.push_back(e.name);
        if (!e.buffer)
            total += e.size;
    }
    const std::vector<std::string> arrays = array_names(names);

    // Each node's value, named; then predict's body, node after node.
    std::vector<operand> values;
    std::string listing;
    code body;
    const std::string x_name = scaler ? "z" : "x";
    [&]<class... Ns>(type_list<Ns...>) {
        std::size_t k = 0, batch_level = 0;
        auto visit = [&]<class N>(std::type_identity<N>) {
            const std::string index = std::to_string(k);
            constexpr bool root = std::is_same_v<N, Model>;
            if constexpr (InputLeaf<N>) {
                values.push_back({x_name, size_of<N>});
            } else if constexpr (ParamLeaf<N>) {
                values.push_back({arrays[index_in<N>(model_params{})], size_of<N>});
            } else if constexpr (ConstantLeaf<N>) {
                values.push_back({"c" + index, 1});
                body.line("const value_type c" + index + "[1] = {value_type(" + literal(body, N::value) + ")};");
            } else {
                values.push_back({root ? "y" : "v" + index, size_of<N>});
                std::vector<operand> operands = [&]<class... Args>(type_list<Args...>) {
                    return std::vector<operand>{values[index_in<Args>(nodes{})]...};
                }(typename N::children{});
                if constexpr (autodiff::is_batch_level<N>) {
                    // Its running mean and variance, after its own operands.
                    for (std::size_t part = 0; part < 2; ++part) {
                        const std::size_t e = n_params + 2 * batch_level + part;
                        operands.push_back({arrays[e], entries[e].size});
                    }
                    ++batch_level;
                }
                std::string line = "//   " + values.back().name + " " + dims_of<typename N::shape_type>::text() +
                                   " = " + std::string(describe<N>::name()) + "(";
                for (std::size_t a = 0; a < operands.size(); ++a)
                    line += (a ? ", " : "") + operands[a].name;
                listing += line + ")\n";
                if (!root)
                    body.line("value_type v" + index + "[" + std::to_string(size_of<N>) + "]{};");
                emit<typename N::op>::forward(body, values.back(), operands);
            }
            ++k;
        };
        (visit(std::type_identity<Ns>{}), ...);
    }(nodes{});
    if constexpr (!requires { typename Model::op; }) {
        // The model is a leaf (an input or a parameter): its value is copied out.
        body.each(n_out,
                  [&](std::string_view i) { return "y[" + std::string(i) + "] = " + values.back().at(i) + ";"; });
    }

    std::string h;
    h += "#pragma once\n";
    h += "// Generated by typegrad's tg::export_header: a trained model, self-contained. Do not edit; export\n";
    h += "// the model again instead. predict is constexpr and noexcept, allocates nothing and includes nothing\n";
    h += "// but <array> and <cstddef>; its math is its own (detail::), the same at compile and at run time.\n";
    h += "//\n";
    h += "// Input '" + std::string(input::name.view()) + "' [" + std::to_string(n_in) + "] -> output [" +
         std::to_string(n_out) + "], " + type + ", " + std::to_string(total) + " parameter values:\n";
    for (std::size_t p = 0; p < entries.size(); ++p) {
        if (p == n_params)
            h += "// and the running statistics of its batch normalisations, which predict normalises by (torch's\n"
                 "// model.eval()):\n";
        h += "//   " + entries[p].name + " " + entries[p].dims + " as " + arrays[p] + "\n";
    }
    if (scaler)
        h += "// The raw features are standardised first, z = (x - feature_mean) / feature_std (0 where the\n"
             "// std is 0), as tg::data::standardizer does.\n";
    h += "// The forward pass, one node a line:\n" + listing;
    h += "\n#include <array>\n#include <cstddef>\n\nnamespace " + ns + " {\n\n";
    h += "//! The element type of the parameters and of predict's features and outputs.\n";
    h += "using value_type = " + type + ";\n";
    h += "//! How many features predict takes and how many values it returns.\n";
    h += "inline constexpr std::size_t inputs = " + std::to_string(n_in) + ", outputs = " + std::to_string(n_out) +
         ";\n";
    h += "//! Whether predict standardises its features first (with feature_mean and feature_std).\n";
    h += std::string("inline constexpr bool standardizes = ") + (scaler ? "true" : "false") + ";\n\n";
    h += "// The parameters in torch's layouts (a weight [out, in] row-major), every digit needed to read\n"
         "// back the trained value exactly.\n";
    for (std::size_t p = 0; p < entries.size(); ++p) {
        const auto& e = entries[p];
        if (p == n_params)
            h += "\n// The running statistics, as training left them (buffers, not parameters).\n";
        const T* data = e.buffer ? params.buffers().data() : params.values().data();
        h += "inline constexpr " + type + " " + arrays[p] + "[" + std::to_string(e.size) + "] = " +
             initialiser(data + e.offset, e.size,
                         (e.buffer ? "the running statistic '" : "the parameter '") + e.name + "'") +
             ";  // " + e.name + " " + e.dims + "\n";
    }
    if (scaler) {
        h += "\n// The standardizer the model was trained behind: each feature's mean and population std.\n";
        h += "inline constexpr double feature_mean[" + std::to_string(n_in) +
             "] = " + initialiser(scaler->mean.data(), n_in, "the standardizer's mean") + ";\n";
        h += "inline constexpr double feature_std[" + std::to_string(n_in) +
             "] = " + initialiser(scaler->std.data(), n_in, "the standardizer's std") + ";\n";
    }
    const std::string math = math_source(body.needs);
    if (!math.empty())
        h += "\nnamespace detail {\n\n" + math + "\n}  // namespace detail\n";
    h += "\n//! The model's outputs for one sample's features";
    h += scaler ? ", raw as in the data it was trained on (standardised here).\n" : ".\n";
    h += "constexpr std::array<value_type, outputs> predict(const std::array<value_type, inputs>& x) noexcept {\n";
    h += "    std::array<value_type, outputs> y{};\n";
    if (scaler) {
        h += "    value_type z[inputs]{};\n";
        h += "    for (std::size_t i = 0; i < inputs; ++i)\n";
        h += "        z[i] = feature_std[i] == 0.0 ? value_type(0)\n";
        h += "                                     : static_cast<value_type>((x[i] - feature_mean[i]) / "
             "feature_std[i]);\n";
    }
    h += body.text;
    h += "    return y;\n}\n\n}  // namespace " + ns + "\n";
    return h;
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out)
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out)
        typegrad::detail::raise(
            std::runtime_error("typegrad: export_header: cannot write the header '" + path.string() + "'"));
}

template <class L, class T>
void check_element_type() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "typegrad: export_header: the parameters must be float or double");
}

}  // namespace deploy::detail

//! The text of the header tg::export_header writes (see there), in namespace `options.namespace_name`
//! or "model".
template <Expression Model, class L, class T>
[[nodiscard]] std::string header_source(Model, const Parameters<L, T>& params, export_options options = {}) {
    using M = std::remove_cv_t<Model>;
    deploy::detail::check_element_type<L, T>();
    constexpr bool ok = deploy::detail::check_exportable<M, std::remove_cv_t<L>>();
    if constexpr (ok)
        return deploy::detail::source<M>(params, static_cast<const data::standardizer<T>*>(nullptr),
                                         deploy::detail::namespace_for(options, {}));
    else
        return {};
}
//! As above, with the features standardised by `scaler` before the model reads them.
template <Expression Model, class L, class T>
[[nodiscard]] std::string header_source(Model, const Parameters<L, T>& params, const data::standardizer<T>& scaler,
                                        export_options options = {}) {
    using M = std::remove_cv_t<Model>;
    deploy::detail::check_element_type<L, T>();
    constexpr bool ok = deploy::detail::check_exportable<M, std::remove_cv_t<L>>();
    if constexpr (ok)
        return deploy::detail::source<M>(params, &scaler, deploy::detail::namespace_for(options, {}));
    else
        return {};
}

//! Writes to `path` a C++ header that computes the model `model` (an expression without a target,
//! e.g. the prediction inside a loss) with the values `params` holds now: the parameters as
//! constexpr arrays and `constexpr std::array<T, outputs> predict(const std::array<T, inputs>&)
//! noexcept` in namespace `options.namespace_name` (default: from the file name). The header
//! includes only `<array>` and `<cstddef>`, throws nothing, allocates nothing, and predict works in
//! constant expressions (`static_assert(iris::predict({...})[0] > 0)`). Every op of the model must
//! have an emitter (docs/deploy.md lists them); a loss, a model without exactly one input or an op
//! without an emitter does not compile. Throws std::invalid_argument for a non-finite parameter or
//! a bad namespace name, std::runtime_error naming the path when the file cannot be written.
//! torch: what `torch.jit.save(torch.jit.script(model))` is for, with no runtime to link.
template <Expression Model, class L, class T>
void export_header(const std::filesystem::path& path, Model model, const Parameters<L, T>& params,
                   export_options options = {}) {
    const std::string text = header_source(model, params, export_options{deploy::detail::namespace_for(options, path)});
    deploy::detail::write_file(path, text);
}
//! As above, with a standardizer: the generated predict takes the raw features, as the data held
//! them before `scaler.apply`, and standardises them exactly as the standardizer does.
template <Expression Model, class L, class T>
void export_header(const std::filesystem::path& path, Model model, const Parameters<L, T>& params,
                   const data::standardizer<T>& scaler, export_options options = {}) {
    const std::string text =
        header_source(model, params, scaler, export_options{deploy::detail::namespace_for(options, path)});
    deploy::detail::write_file(path, text);
}

}  // namespace TYPEGRAD_NS
