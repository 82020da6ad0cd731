#pragma once
// Checkpoints: everything a resumed run needs, in one safetensors file (io/safetensors.hpp) laid
// out as PyTorch names it, so that the same file moves a model and its optimiser to and from
// torch (tools/interop/typegrad_torch.py; the names: docs/interop.md).
//
//   tg::save("run.safetensors", params, trainer, scheduler, scaler, tg::data_position{epoch, 0, seed});
//   ...                                                     // a new process, the same objects made
//   tg::load("run.safetensors", params, trainer, scheduler, scaler, position);
//   tg::save("fit.safetensors", params, lbfgs);           // an LBFGS instead of a Trainer
//
// What is written:
// - each parameter under torch's state_dict name (`0.weight`), in its dtype (F32 or F64);
// - the optimiser's state as `optimizer.state.<parameter>.<key>` with torch's keys (`exp_avg`,
//   `step`, ...): a tensor shaped like the parameter, or a 0-d tensor for a scalar; only the keys
//   torch's state holds at that moment;
// - what typegrad keeps beside torch's state so that a resume is bit-identical (Adam's running
//   powers of beta) as `optimizer.typegrad.<parameter>.<name>`, which torch ignores;
// - the standardiser's mean and std as `standardizer.mean`, `standardizer.std` (F64), a target
//   scaler's as `target_scaler.mean`, `target_scaler.std` (F64, shape [1]);
// - in `__metadata__`: `format` (typegrad.checkpoint), `format.version` (1), `parameters` (their
//   names in order, JSON), `optimizer` (torch's class name), `optimizer.param_groups` (JSON: each
//   group's options by torch's names and its parameters by name), `trainer.steps`, `trainer.seed`
//   (the seed of dropout's masks, for a model with dropout), `scheduler`
//   (JSON {"name", "state"}: torch's state_dict entries that change as it steps), `training`
//   (JSON {"epoch", "batch", "seed"}), and the user's own entries as `user.<key>`.
//
// load checks the whole file against the objects given before it changes any of them: a file that
// does not fit (names, shapes, dtypes, optimiser, groups, options, scheduler state) is a
// checkpoint_error that lists every difference, and the objects keep their values.

#include <typegrad/core/error.hpp>
#include <typegrad/core/result.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/target_scaler.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/io/safetensors.hpp>
#include <typegrad/optim/lbfgs.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/train/position.hpp>
#include <typegrad/train/trainer.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS {

//! The user's own entries of a checkpoint (strings), stored as `user.<key>`.
struct checkpoint_metadata {
    std::map<std::string, std::string> values;
};

//! A checkpoint that does not fit the objects it is loaded into: every difference, one per line.
class checkpoint_error : public std::runtime_error {
public:
    checkpoint_error(const std::filesystem::path& file, std::vector<std::string> differences)
        : std::runtime_error(message(file, differences)), differences_(std::move(differences)) {}
    //! One line per difference, e.g. "0.weight: shape [10, 64] in the file, [64, 10] in the model".
    const std::vector<std::string>& differences() const noexcept { return differences_; }

private:
    static std::string message(const std::filesystem::path& file, const std::vector<std::string>& d) {
        std::string s = "typegrad: load: " + file.string() + " does not fit what it is loaded into (" +
                        std::to_string(d.size()) + (d.size() == 1 ? " difference" : " differences") + "):";
        for (const auto& line : d)
            s += "\n  " + line;
        return s;
    }
    std::vector<std::string> differences_;
};

namespace checkpoint_detail {

using json = nlohmann::json;
inline constexpr std::string_view format_name = "typegrad.checkpoint";
inline constexpr int format_version = 1;

inline std::string shape_text(std::span<const std::size_t> shape) { return io::detail::shape_string(shape); }

template <class X>
inline constexpr bool is_trainer_v = false;
template <class L, class P, class T>
inline constexpr bool is_trainer_v<Trainer<L, P, T>> = true;
// The options type of the first Trainer among the parts (none_given when there is none).
struct none_given {};
template <class X>
struct options_of {
    using type = typename X::options_type;
};
template <class... X>
struct trainer_options {
    using type = none_given;
};
template <class X, class... R>
struct trainer_options<X, R...>
    : std::conditional_t<is_trainer_v<std::remove_cv_t<X>>, options_of<X>, trainer_options<R...>> {};

template <class X>
inline constexpr bool is_lbfgs_v = false;
template <class T>
inline constexpr bool is_lbfgs_v<optim::LBFGS<T>> = true;
template <class X>
inline constexpr bool is_standardizer_v = false;
template <class T>
inline constexpr bool is_standardizer_v<data::standardizer<T>> = true;
template <class X>
inline constexpr bool is_target_scaler_v = false;
template <class T>
inline constexpr bool is_target_scaler_v<data::target_scaler<T>> = true;

// A scheduler: anything with visit_state (every scheduler of optim/schedulers/).
struct probe_visitor {
    template <class V>
    void operator()(std::string_view, V&) const {}
    template <class S>
    void nested(std::string_view, std::size_t, S&) const {}
};
template <class X>
concept Scheduler = requires(X& s, probe_visitor& v) {
    s.visit_state(v);
};

template <class X>
inline constexpr bool known_part_v =
    is_trainer_v<X> || is_lbfgs_v<X> || is_standardizer_v<X> || is_target_scaler_v<X> || Scheduler<X> ||
    std::is_same_v<X, data_position> || std::is_same_v<X, checkpoint_metadata>;

template <class X>
constexpr bool check_part() {
    static_assert(known_part_v<X>,
                  "typegrad: save and load take, after the parameters, a Trainer or an LBFGS, a scheduler, a "
                  "standardizer, a target_scaler, a tg::data_position and tg::checkpoint_metadata (each at most "
                  "once, in any order)");
    return true;
}
template <class... X>
constexpr bool check_parts() {
    static_assert((check_part<X>() && ...));
    static_assert(((is_trainer_v<X> || is_lbfgs_v<X>)+... + 0) <= 1,
                  "typegrad: save and load take at most one optimiser: a Trainer or an LBFGS");
    return true;
}

// What load gathers before it changes anything.
struct reading {
    const io::tensor_file& file;
    std::vector<std::string> differences;

    void differ(std::string line) { differences.push_back(std::move(line)); }
    const std::string* meta(std::string_view key) const {
        const auto it = file.metadata().find(key);
        return it == file.metadata().end() ? nullptr : &it->second;
    }
    std::optional<json> meta_json(std::string_view key) {
        const std::string* text = meta(key);
        if (!text) {
            differ("metadata '" + std::string(key) + "': missing in the file");
            return std::nullopt;
        }
        json j = json::parse(*text, nullptr, false);
        if (j.is_discarded()) {
            differ("metadata '" + std::string(key) + "': not JSON");
            return std::nullopt;
        }
        return j;
    }
    // A tensor of `shape` whose dtype converts: F32/F64 to float or double (integer false), I64 to
    // std::int64_t (integer true), any of them (std::nullopt: a scalar of the optimiser's state,
    // which torch keeps as a float tensor or a Python int depending on the optimiser and version).
    bool fits(const io::tensor_info& t, std::span<const std::size_t> shape, std::optional<bool> integer,
              std::string_view what) {
        bool ok = true;
        if (!std::equal(t.shape.begin(), t.shape.end(), shape.begin(), shape.end())) {
            differ(t.name + ": shape " + shape_text(t.shape) + " in the file, " + shape_text(shape) + " in the " +
                   std::string(what));
            ok = false;
        }
        if (integer && *integer != (t.type == io::dtype::i64)) {
            differ(t.name + ": dtype " + std::string(io::dtype_name(t.type)) + " in the file, " +
                   (*integer ? "I64" : "F32 or F64") + " in the " + std::string(what));
            ok = false;
        }
        return ok;
    }
};

// ---- parameters ---------------------------------------------------------------------------------

// One tensor of the buffers of the batch-level layers, by torch's name: `1.running_mean` [C] and
// `1.running_var` [C] in the parameters' dtype, `1.num_batches_tracked` a scalar I64.
struct buffer_tensor {
    std::string name;
    std::vector<std::size_t> shape;
    std::size_t offset = 0, size = 0;  // in params.buffers()
    bool integer = false;
};

template <class L, class T>
std::vector<buffer_tensor> buffer_tensors(const Parameters<L, T>&) {
    std::vector<buffer_tensor> out;
    for (const auto& b : Parameters<L, T>::buffer_layout::slots) {
        const std::string layer(b.layer);
        out.push_back({layer + ".running_mean", {b.channels}, b.offset, b.channels, false});
        out.push_back({layer + ".running_var", {b.channels}, b.offset + b.channels, b.channels, false});
        out.push_back({layer + ".num_batches_tracked", {}, b.offset + 2 * b.channels, 1, true});
    }
    return out;
}

template <class L, class T>
void save_parameters(io::tensor_writer& w, const Parameters<L, T>& params) {
    json names = json::array();
    for (const auto& p : params.info()) {
        const auto shape = p.shape();
        w.add(std::string(p.name), std::vector<std::size_t>(shape.begin(), shape.end()),
              std::span<const T>(params.values().data() + p.offset, p.size));
        names.push_back(std::string(p.name));
    }
    w.metadata("parameters", names.dump());
    for (const auto& b : buffer_tensors(params)) {
        if (b.integer) {
            const auto v = static_cast<std::int64_t>(params.buffers()[b.offset]);
            w.add(b.name, {}, std::span<const std::int64_t>(&v, 1));
        } else {
            w.add(b.name, b.shape, std::span<const T>(params.buffers().data() + b.offset, b.size));
        }
    }
}

template <class L, class T>
void check_parameters(reading& r, const Parameters<L, T>& params) {
    for (const auto& p : params.info()) {
        const io::tensor_info* t = r.file.find(p.name);
        if (!t)
            r.differ(std::string(p.name) + ": missing in the file (the model's " + shape_text(p.shape()) + ")");
        else
            r.fits(*t, p.shape(), false, "model");
    }
    for (const auto& b : buffer_tensors(params)) {
        const io::tensor_info* t = r.file.find(b.name);
        if (!t)
            r.differ(b.name + ": missing in the file (the model's running statistics, " + shape_text(b.shape) + ")");
        else
            r.fits(*t, b.shape, b.integer, "model");
    }
}

template <class L, class T>
void load_parameters(const io::tensor_file& f, Parameters<L, T>& params) {
    for (const auto& p : params.info())
        f.read(p.name, std::span<T>(params.values().data() + p.offset, p.size));
    for (const auto& b : buffer_tensors(params)) {
        if (b.integer) {
            std::int64_t v = 0;
            f.read(b.name, std::span<std::int64_t>(&v, 1));
            params.buffers()[b.offset] = static_cast<T>(v);
        } else {
            f.read(b.name, std::span<T>(params.buffers().data() + b.offset, b.size));
        }
    }
}

// ---- the optimiser ------------------------------------------------------------------------------

inline std::string state_key(std::string_view param, std::string_view key) {
    return "optimizer.state." + std::string(param) + "." + std::string(key);
}
inline std::string scratch_key(std::string_view param, std::string_view key) {
    return "optimizer.typegrad." + std::string(param) + "." + std::string(key);
}

template <class M>
json option_json(const M& v) {
    if constexpr (std::is_same_v<M, std::array<double, 2>>)
        return json::array({v[0], v[1]});
    else
        return v;
}

template <class L, class P, class T>
void save_trainer(io::tensor_writer& w, const Trainer<L, P, T>& trainer) {
    const auto& opt = trainer.optimizer();
    const auto layout = opt.layout();
    json groups = json::array();
    for (const auto& g : opt.param_groups()) {
        json j = json::object();
        optim::detail::for_each_option<P>(
            g.options, [&](std::string_view name, const auto& v) { j[std::string(name)] = option_json(v); });
        if (g.initial_lr)
            j["initial_lr"] = *g.initial_lr;
        json names = json::array();
        for (std::size_t i : g.params)
            names.push_back(std::string(layout[i].name));
        j["params"] = std::move(names);
        groups.push_back(std::move(j));
    }
    w.metadata("optimizer", std::string(P::name));
    w.metadata("optimizer.param_groups", groups.dump());
    w.metadata("trainer.steps", std::to_string(trainer.steps()));
    if constexpr (std::remove_cvref_t<decltype(trainer)>::has_training_mode)
        w.metadata("trainer.seed", std::to_string(trainer.seed()));

    const auto& st = opt.state();
    for (std::size_t i = 0; i < layout.size(); ++i) {
        const auto& p = layout[i];
        const auto shape = p.shape();
        st.for_each_entry([&](const optim::detail::state_entry_info& e) {
            if (!st.has(e.name, i))
                return;
            if (e.is_buffer) {
                w.add(state_key(p.name, e.name), std::vector<std::size_t>(shape.begin(), shape.end()),
                      std::span<const T>(st.buffer(e.name).data() + p.offset, p.size));
            } else if (e.dtype == "I64") {
                const auto v = static_cast<std::int64_t>(st.scalar(e.name, i));
                w.add(state_key(p.name, e.name), {}, std::span<const std::int64_t>(&v, 1));
            } else {
                const double v = st.scalar(e.name, i);
                w.add(state_key(p.name, e.name), e.dtype == "F32" ? io::dtype::f32 : io::dtype::f64, {},
                      std::span<const double>(&v, 1));
            }
        });
        st.for_each_scratch([&](std::string_view name, const auto& values) {
            const auto saved = values[i].saved();
            w.add(scratch_key(p.name, name), {saved.size()}, std::span<const double>(saved.data(), saved.size()));
        });
    }
}

// Each group of the file: its parameters (indices in the layout), its options as read and checked,
// and its initial_lr (set by a scheduler). Read once by the check; load applies it as it is.
template <class Options>
struct file_groups {
    std::vector<std::vector<std::size_t>> params;
    std::vector<Options> options;
    std::vector<std::optional<double>> initial_lr;
};

template <class L, class P, class T>
std::optional<file_groups<typename P::options>> check_groups(reading& r, const Trainer<L, P, T>& trainer) {
    const auto& opt = trainer.optimizer();
    const auto layout = opt.layout();
    const auto groups = r.meta_json("optimizer.param_groups");
    if (!groups)
        return std::nullopt;
    if (!groups->is_array() || groups->empty()) {
        r.differ("optimizer.param_groups: expected a non-empty JSON list of groups");
        return std::nullopt;
    }
    file_groups<typename P::options> out;
    std::vector<int> seen(layout.size(), -1);
    for (std::size_t g = 0; g < groups->size(); ++g) {
        const json& j = (*groups)[g];
        const std::string where = "optimizer.param_groups[" + std::to_string(g) + "]";
        if (!j.is_object() || !j.contains("params") || !j["params"].is_array()) {
            r.differ(where + ": expected an object with a list 'params'");
            return std::nullopt;
        }
        std::vector<std::size_t> members;
        for (const json& n : j["params"]) {
            const std::string name = n.is_string() ? n.get<std::string>() : n.dump();
            std::size_t k = 0;
            while (k < layout.size() && layout[k].name != name)
                ++k;
            if (k == layout.size())
                r.differ(where + ": parameter '" + name + "' that the model does not have");
            else if (seen[k] >= 0)
                r.differ(where + ": parameter '" + name + "' is also in group " + std::to_string(seen[k]));
            else
                seen[k] = static_cast<int>(g), members.push_back(k);
        }
        // The options: every one the policy has, by torch's name; torch's switches that do not
        // change CPU numerics are ignored, as the replay tool ignores them.
        typename P::options o = opt.defaults();
        optim::detail::for_each_option<P>(o, [&](std::string_view name, auto& v) {
            const std::string key(name);
            if (!j.contains(key))
                return r.differ(where + ": no option '" + key + "' (" + std::string(P::name) + " has it)");
#if TYPEGRAD_EXCEPTIONS
            try {
                if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, std::array<double, 2>>)
                    v = {j[key].at(0).template get<double>(), j[key].at(1).template get<double>()};
                else
                    v = j[key].template get<std::remove_cvref_t<decltype(v)>>();
            } catch (const json::exception&) {
                r.differ(where + ": option '" + key + "' is " + j[key].dump() + ", not of the type " +
                         std::string(P::name) + " expects");
            }
#else
            // The same outcome as the exception build: the types nlohmann-json converts from.
            using V = std::remove_cvref_t<decltype(v)>;
            if (!json_fits<V>(j[key]))
                r.differ(where + ": option '" + key + "' is " + j[key].dump() + ", not of the type " +
                         std::string(P::name) + " expects");
            else if constexpr (std::is_same_v<V, std::array<double, 2>>)
                v = {j[key].at(0).template get<double>(), j[key].at(1).template get<double>()};
            else
                v = j[key].template get<V>();
#endif
        });
        for (auto it = j.begin(); it != j.end(); ++it) {
            static constexpr std::array<std::string_view, 6> ignored{"params",     "initial_lr",     "foreach",
                                                                     "capturable", "differentiable", "fused"};
            bool known = std::find(ignored.begin(), ignored.end(), it.key()) != ignored.end();
            optim::detail::for_each_option<P>(o,
                                              [&](std::string_view name, auto&) { known = known || name == it.key(); });
            if (!known)
                r.differ(where + ": option '" + it.key() + "' that " + std::string(P::name) + " does not have");
        }
#if TYPEGRAD_EXCEPTIONS
        try {
            P::validate(o);
        } catch (const std::invalid_argument& e) {
            r.differ(where + ": " + e.what());
        }
#else
        P::validate(o);  // without exceptions an invalid option in the file reaches the error handler
#endif
        out.params.push_back(std::move(members));
        out.options.push_back(o);
        out.initial_lr.push_back(j.contains("initial_lr") && j["initial_lr"].is_number()
                                     ? std::optional<double>(j["initial_lr"].get<double>())
                                     : std::nullopt);
    }
    for (std::size_t k = 0; k < layout.size(); ++k)
        if (seen[k] < 0)
            r.differ("optimizer.param_groups: no group holds the model's parameter '" + std::string(layout[k].name) +
                     "'");
    // The trainer's groups must be the file's, or one group that load splits as the file does.
    const auto mine = opt.param_groups();
    if (mine.size() != 1 && mine.size() != out.params.size())
        r.differ("optimizer.param_groups: " + std::to_string(out.params.size()) + " groups in the file, " +
                 std::to_string(mine.size()) + " in the trainer");
    else if (mine.size() == out.params.size())
        for (std::size_t g = 0; g < mine.size(); ++g) {
            auto a = mine[g].params;
            auto b = out.params[g];
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            if (a != b)
                r.differ("optimizer.param_groups[" + std::to_string(g) +
                         "]: other parameters than the trainer's group");
        }
    return out;
}

template <class L, class P, class T>
void check_trainer(reading& r, const Trainer<L, P, T>& trainer,
                   std::optional<file_groups<typename P::options>>& groups) {
    const std::string* name = r.meta("optimizer");
    if (!name)
        return r.differ("metadata 'optimizer': missing in the file (it holds no optimiser)");
    if (*name != P::name)
        return r.differ("optimizer: " + *name + " in the file, " + std::string(P::name) + " in the trainer");
    groups = check_groups(r, trainer);
    if (const std::string* steps = r.meta("trainer.steps");
        steps && (steps->empty() || steps->find_first_not_of("0123456789") != std::string::npos))
        r.differ("metadata 'trainer.steps': expected a count, found '" + *steps + "'");
    if (const std::string* seed = r.meta("trainer.seed");
        seed && (seed->empty() || seed->find_first_not_of("0123456789") != std::string::npos))
        r.differ("metadata 'trainer.seed': expected a count, found '" + *seed + "'");

    const auto& opt = trainer.optimizer();
    const auto layout = opt.layout();
    const auto& st = opt.state();
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < layout.size(); ++i) {
        const auto& p = layout[i];
        st.for_each_entry([&](const optim::detail::state_entry_info& e) {
            const std::string key = state_key(p.name, e.name);
            expected.push_back(key);
            if (const io::tensor_info* t = r.file.find(key)) {
                const std::array<std::size_t, 0> none{};
                if (e.is_buffer)
                    r.fits(*t, p.shape(), false, "model");
                else
                    r.fits(*t, none, std::nullopt, "optimizer (a 0-d tensor)");
            }
        });
        st.for_each_scratch([&](std::string_view n, const auto& values) {
            const std::string key = scratch_key(p.name, n);
            expected.push_back(key);
            if (const io::tensor_info* t = r.file.find(key)) {
                const std::array<std::size_t, 1> shape{values[i].saved().size()};
                r.fits(*t, shape, false, "optimizer");
            }
        });
    }
    for (const auto& t : r.file.tensors())
        if (t.name.starts_with("optimizer.") && std::find(expected.begin(), expected.end(), t.name) == expected.end())
            r.differ(t.name + ": unexpected (" + std::string(P::name) + " keeps no such state for this model)");
}

template <class L, class P, class T>
void load_trainer(const io::tensor_file& f, Trainer<L, P, T>& trainer, const file_groups<typename P::options>& groups) {
    auto& opt = trainer.optimizer();
    const auto layout = opt.layout();
    if (opt.param_groups().size() == 1 && groups.params.size() > 1)
        for (std::size_t g = 1; g < groups.params.size(); ++g) {
            std::vector<std::string_view> names;
            for (std::size_t k : groups.params[g])
                names.push_back(layout[k].name);
            opt.add_param_group(std::span<const std::string_view>(names), opt.defaults());
        }
    auto mine = opt.param_groups();
    for (std::size_t g = 0; g < mine.size(); ++g) {
        mine[g].options = groups.options[g];
        mine[g].initial_lr = groups.initial_lr[g];
    }
    if (const auto it = f.metadata().find("trainer.steps"); it != f.metadata().end())
        trainer.set_steps(std::stoull(it->second));
    if constexpr (std::remove_cvref_t<decltype(trainer)>::has_training_mode)
        if (const auto it = f.metadata().find("trainer.seed"); it != f.metadata().end())
            trainer.set_seed(std::stoull(it->second));

    auto& st = opt.state();
    for (std::size_t i = 0; i < layout.size(); ++i) {
        const auto& p = layout[i];
        st.for_each_entry([&](const optim::detail::state_entry_info& e) {
            const std::string key = state_key(p.name, e.name);
            const bool present = f.find(key) != nullptr;
            if (e.is_buffer) {
                auto slice = st.buffer(e.name).subspan(p.offset, p.size);
                if (present)
                    f.read(key, slice);
                else
                    std::fill(slice.begin(), slice.end(), T(0));
            } else {
                // Converted to the type the policy keeps (a float step from torch's int, or back).
                double v = 0;
                if (present && f.find(key)->type == io::dtype::i64) {
                    std::int64_t n = 0;
                    f.read(key, std::span<std::int64_t>(&n, 1));
                    v = static_cast<double>(n);
                } else if (present) {
                    f.read(key, std::span<double>(&v, 1));
                }
                st.set_scalar(e.name, i, v);
            }
            st.set_present(e.name, i, present);
        });
        st.for_each_scratch([&](std::string_view n, auto& values) {
            using X = typename std::remove_cvref_t<decltype(values)>::value_type;
            const std::string key = scratch_key(p.name, n);
            values[i] = X{};
            if (f.find(key)) {
                auto saved = values[i].saved();
                f.read(key, std::span<double>(saved.data(), saved.size()));
                values[i].restore(saved);
            }
        });
    }
}

// ---- L-BFGS -------------------------------------------------------------------------------------
// torch keeps LBFGS's state, which is global, under its first parameter; `d` and `prev_flat_grad`
// are flat over every parameter, the pairs one [history, n] tensor each (torch's lists of tensors),
// `ro` a [history] tensor, the scalars 0-d tensors (counts I64, prev_loss F64, torch's Python
// numbers). The options are one group with torch's names; LBFGS's are fixed at construction, so
// load checks them rather than sets them.

// The state type of the first LBFGS among the parts (none_given when there is none).
template <class X>
struct state_of {
    using type = optim::lbfgs_state<typename X::value_type>;
};
template <class... X>
struct lbfgs_parts {
    using type = none_given;
};
template <class X, class... R>
struct lbfgs_parts<X, R...> : std::conditional_t<is_lbfgs_v<std::remove_cv_t<X>>, state_of<X>, lbfgs_parts<R...>> {};

inline json lbfgs_group(const optim::lbfgs_options& o) {
    return json{{"lr", o.lr},
                {"max_iter", o.max_iter},
                {"max_eval", o.max_eval ? *o.max_eval : o.max_iter * 5 / 4},
                {"tolerance_grad", o.tolerance_grad},
                {"tolerance_change", o.tolerance_change},
                {"history_size", o.history_size},
                {"line_search_fn",
                 o.line_search_fn == optim::line_search::strong_wolfe ? json("strong_wolfe") : json(nullptr)}};
}

template <class L, class T>
json parameter_names(const Parameters<L, T>& params) {
    json names = json::array();
    for (const auto& p : params.info())
        names.push_back(std::string(p.name));
    return names;
}

template <class L, class T>
std::string lbfgs_size_difference(const Parameters<L, T>& params, std::size_t n) {
    if (n == params.values().size())
        return {};
    return "LBFGS: over " + std::to_string(n) + " values, the model has " + std::to_string(params.values().size());
}

template <class L, class T, class U>
void save_lbfgs(io::tensor_writer& w, const Parameters<L, T>& params, const optim::LBFGS<U>& lbfgs) {
    if (const std::string d = lbfgs_size_difference(params, lbfgs.size()); !d.empty())
        typegrad::detail::raise(std::invalid_argument("typegrad: save: " + d));
    json group = lbfgs_group(lbfgs.get_options());
    group["params"] = parameter_names(params);
    w.metadata("optimizer", std::string(optim::LBFGS<U>::name));
    w.metadata("optimizer.param_groups", json::array({std::move(group)}).dump());

    const auto s = lbfgs.state();
    if (s.func_evals == 0 && s.n_iter == 0)
        return;  // torch's state is empty before the first step
    const std::string first(params.info()[0].name);
    const auto count = [&](std::string_view key, long v) {
        const auto n = static_cast<std::int64_t>(v);
        w.add(state_key(first, key), {}, std::span<const std::int64_t>(&n, 1));
    };
    const auto scalar = [&](std::string_view key, const auto& v) {
        w.add(state_key(first, key), {}, std::span<const std::remove_cvref_t<decltype(v)>>(&v, 1));
    };
    count("func_evals", s.func_evals);
    count("n_iter", s.n_iter);
    if (s.n_iter == 0)
        return;
    const std::size_t n = lbfgs.size(), h = s.history();
    w.add(state_key(first, "d"), {n}, std::span<const U>(s.d));
    scalar("t", s.t);
    w.add(state_key(first, "old_dirs"), {h, n}, std::span<const U>(s.old_dirs));
    w.add(state_key(first, "old_stps"), {h, n}, std::span<const U>(s.old_stps));
    w.add(state_key(first, "ro"), {h}, std::span<const U>(s.ro));
    scalar("H_diag", s.h_diag);
    w.add(state_key(first, "prev_flat_grad"), {n}, std::span<const U>(s.prev_flat_grad));
    scalar("prev_loss", s.prev_loss);
}

// A 0-d entry of the optimiser's state as a double, from F32, F64 or I64 (torch's Python ints).
inline double state_scalar(const io::tensor_file& f, std::string_view key) {
    if (f.find(key)->type == io::dtype::i64) {
        std::int64_t n = 0;
        f.read(key, std::span<std::int64_t>(&n, 1));
        return static_cast<double>(n);
    }
    double v = 0;
    f.read(key, std::span<double>(&v, 1));
    return v;
}

inline void check_lbfgs_options(reading& r, const json& groups, const json& names, const optim::lbfgs_options& o) {
    if (!groups.is_array() || groups.size() != 1 || !groups[0].is_object())
        return r.differ("optimizer.param_groups: expected a JSON list of one group (LBFGS has no others)");
    const json& g = groups[0];
    const json mine = lbfgs_group(o);
    for (auto it = mine.begin(); it != mine.end(); ++it) {
        const std::string where = "optimizer.param_groups[0]: option '" + it.key() + "'";
        if (!g.contains(it.key()))
            r.differ(where + ": missing in the file (LBFGS has it)");
        else if (g[it.key()] != it.value() && !(it.value().is_number() && g[it.key()].is_number() &&
                                                g[it.key()].get<double>() == it.value().get<double>()))
            r.differ(where + ": " + g[it.key()].dump() + " in the file, " + it.value().dump() + " in the LBFGS");
    }
    for (auto it = g.begin(); it != g.end(); ++it)
        if (it.key() != "params" && !mine.contains(it.key()))
            r.differ("optimizer.param_groups[0]: option '" + it.key() + "' that LBFGS does not have");
    if (!g.contains("params") || g["params"] != names)
        r.differ("optimizer.param_groups[0]: params " + (g.contains("params") ? g["params"].dump() : "missing") +
                 " in the file; LBFGS runs over all of the model's, " + names.dump());
}

// Checks the file's LBFGS options and state and reads the state into `out`.
template <class L, class T, class U>
void check_lbfgs(reading& r, const Parameters<L, T>& params, const optim::LBFGS<U>& lbfgs,
                 std::optional<optim::lbfgs_state<U>>& out) {
    const std::string* name = r.meta("optimizer");
    if (!name)
        return r.differ("metadata 'optimizer': missing in the file (it holds no optimiser)");
    if (*name != optim::LBFGS<U>::name)
        return r.differ("optimizer: " + *name + " in the file, LBFGS given");
    if (const std::string d = lbfgs_size_difference(params, lbfgs.size()); !d.empty())
        return r.differ(d);
    if (const auto groups = r.meta_json("optimizer.param_groups"))
        check_lbfgs_options(r, *groups, parameter_names(params), lbfgs.get_options());

    const std::string first(params.info()[0].name);
    const std::size_t before = r.differences.size(), n = lbfgs.size();
    const std::array<std::size_t, 0> none{};
    const auto scalar = [&](std::string_view key) {
        const io::tensor_info* t = r.file.find(state_key(first, key));
        if (!t) {
            r.differ(state_key(first, key) + ": missing in the file (n_iter is not 0)");
            return false;
        }
        return r.fits(*t, none, std::nullopt, "optimizer (a 0-d tensor)");
    };
    std::vector<std::string> expected;
    for (std::string_view key :
         {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss"})
        expected.push_back(state_key(first, key));
    for (const auto& t : r.file.tensors())
        if (t.name.starts_with("optimizer.") && std::find(expected.begin(), expected.end(), t.name) == expected.end())
            r.differ(t.name + ": unexpected (LBFGS keeps its state under the first parameter, '" + first + "')");

    optim::lbfgs_state<U> s;
    if (!r.file.find(expected[0]) && !r.file.find(expected[1]))
        return void(out = s);  // before the first step: no state
    if (!scalar("func_evals") || !scalar("n_iter"))
        return;
    const double evals = state_scalar(r.file, expected[0]), iters = state_scalar(r.file, expected[1]);
    for (const auto& [key, v] : {std::pair{expected[0], evals}, std::pair{expected[1], iters}})
        if (!(v >= 0 && v == static_cast<double>(static_cast<long>(v))))
            r.differ(key + ": " + std::to_string(v) + " in the file, expected a count");
    if (r.differences.size() != before)
        return;
    s.func_evals = static_cast<long>(evals);
    s.n_iter = static_cast<long>(iters);
    if (s.n_iter > 0) {
        const auto vector = [&](std::string_view key, std::span<const std::size_t> shape) {
            const io::tensor_info* t = r.file.find(state_key(first, key));
            if (!t) {
                r.differ(state_key(first, key) + ": missing in the file (n_iter is not 0)");
                return false;
            }
            return r.fits(*t, shape, false, "LBFGS");
        };
        const io::tensor_info* dirs = r.file.find(state_key(first, "old_dirs"));
        const std::size_t h = dirs && dirs->shape.size() == 2 ? dirs->shape[0] : 0;
        const std::size_t flat[1] = {n}, pairs[2] = {h, n}, each[1] = {h};
        // Each checked, so that every difference is listed.
        const bool fit[] = {vector("d", flat),         vector("prev_flat_grad", flat),
                            vector("old_dirs", pairs), vector("old_stps", pairs),
                            vector("ro", each),        scalar("t"),
                            scalar("H_diag"),          scalar("prev_loss")};
        if (h > static_cast<std::size_t>(lbfgs.get_options().history_size))
            r.differ(state_key(first, "old_dirs") + ": " + std::to_string(h) +
                     " pairs in the file, more than the LBFGS's history_size " +
                     std::to_string(lbfgs.get_options().history_size));
        if (std::find(std::begin(fit), std::end(fit), false) != std::end(fit) || r.differences.size() != before)
            return;
        s.d = r.file.read_as<U>(expected[2]);
        s.t = static_cast<U>(state_scalar(r.file, expected[3]));
        s.old_dirs = r.file.read_as<U>(expected[4]);
        s.old_stps = r.file.read_as<U>(expected[5]);
        s.ro = r.file.read_as<U>(expected[6]);
        s.h_diag = static_cast<U>(state_scalar(r.file, expected[7]));
        s.prev_flat_grad = r.file.read_as<U>(expected[8]);
        s.prev_loss = state_scalar(r.file, expected[9]);
    }
    out = std::move(s);
}

// ---- schedulers ---------------------------------------------------------------------------------

// JSON has no infinity nor NaN (ReduceLROnPlateau's best starts at inf): such a number is written
// {"__float__": "inf"} ("-inf", "nan"), as tools/interop/typegrad_torch.py writes it.
inline json number_json(double v) {
    if (v == v && v - v == 0)
        return v;
    return json{{"__float__", v != v ? "nan" : v > 0 ? "inf" : "-inf"}};
}
inline double number_of(const json& j) {
    if (j.is_object() && j.contains("__float__") && j["__float__"].is_string()) {
        const std::string s = j["__float__"].get<std::string>();
        if (s == "inf" || s == "-inf" || s == "nan")
            return s == "nan" ? std::numeric_limits<double>::quiet_NaN()
                              : (s == "inf" ? 1 : -1) * std::numeric_limits<double>::infinity();
    }
    return j.get<double>();
}

// Whether nlohmann-json's get<V> (number_of for double, a list of them for std::vector<double>)
// takes `j` without an exception: the check of a build without them.
template <class V>
bool json_fits(const json& j) {
    if constexpr (std::is_same_v<V, double>) {
        if (j.is_object() && j.contains("__float__") && j["__float__"].is_string()) {
            const std::string s = j["__float__"].get<std::string>();
            return s == "inf" || s == "-inf" || s == "nan";
        }
        return j.is_number() || j.is_boolean();
    } else if constexpr (std::is_same_v<V, std::vector<double>>) {
        return j.is_array() && std::all_of(j.begin(), j.end(), [](const json& x) { return json_fits<double>(x); });
    } else if constexpr (std::is_same_v<V, std::array<double, 2>>) {
        return j.is_array() && j.size() >= 2 && (j[0].is_number() || j[0].is_boolean()) &&
               (j[1].is_number() || j[1].is_boolean());
    } else if constexpr (std::is_same_v<V, bool>) {
        return j.is_boolean();
    } else if constexpr (std::is_arithmetic_v<V>) {
        return j.is_number() || j.is_boolean();
    } else {
        static_assert(std::is_same_v<V, std::string>, "typegrad: json_fits: a type of state not handled");
        return j.is_string();
    }
}
template <class V>
json value_json(const V& v) {
    if constexpr (std::is_same_v<V, double>) {
        return number_json(v);
    } else if constexpr (std::is_same_v<V, std::vector<double>>) {
        json a = json::array();
        for (double x : v)
            a.push_back(number_json(x));
        return a;
    } else {
        return v;
    }
}
template <class V>
V json_value(const json& j) {
    if constexpr (std::is_same_v<V, double>) {
        return number_of(j);
    } else if constexpr (std::is_same_v<V, std::vector<double>>) {
        if (!j.is_array())
            typegrad::detail::raise(std::invalid_argument("not a list"));
        V out;
        for (const json& x : j)
            out.push_back(number_of(x));
        return out;
    } else {
        return j.get<V>();
    }
}

struct scheduler_writer {
    json& out;
    template <class V>
    void operator()(std::string_view name, const V& v) const {
        out[std::string(name)] = value_json(v);
    }
    template <class S>
    void nested(std::string_view name, std::size_t k, S& s) const {
        json& list = out[std::string(name)];
        if (!list.is_array())
            list = json::array();
        json child = json::object();
        s.visit_state(scheduler_writer{child});
        if (list.size() <= k)
            list.push_back(std::move(child));
    }
};

// Reads (Apply) or checks (!Apply) a scheduler's state from torch's state_dict entries.
template <bool Apply>
struct scheduler_reader {
    const json& in;
    reading& r;
    std::string where;
    template <class V>
    void operator()(std::string_view name, V& v) const {
        const std::string key(name);
        if (!in.is_object() || !in.contains(key))
            return r.differ(where + ": no '" + key + "' in the file");
#if TYPEGRAD_EXCEPTIONS
        try {
            auto x = json_value<V>(in[key]);
            if constexpr (Apply)
                v = std::move(x);
        } catch (const std::exception&) {
            r.differ(where + ": '" + key + "' is " + in[key].dump().substr(0, 60) + ", not of the expected type");
        }
#else
        if (!json_fits<V>(in[key]))
            return r.differ(where + ": '" + key + "' is " + in[key].dump().substr(0, 60) +
                            ", not of the expected type");
        auto x = json_value<V>(in[key]);
        if constexpr (Apply)
            v = std::move(x);
#endif
    }
    template <class S>
    void nested(std::string_view name, std::size_t k, S& s) const {
        const std::string key(name);
        if (!in.contains(key) || !in[key].is_array() || in[key].size() <= k)
            return r.differ(where + ": no '" + key + "[" + std::to_string(k) + "]' in the file");
        s.visit_state(scheduler_reader{in[key][k], r, where + "." + key + "[" + std::to_string(k) + "]"});
    }
};

template <class S>
void save_scheduler(io::tensor_writer& w, S& s) {
    json state = json::object();
    s.visit_state(scheduler_writer{state});
    json j = {{"state", std::move(state)}};
    w.metadata("scheduler", j.dump());
}

template <bool Apply, class S>
void read_scheduler(reading& r, S& s) {
    const auto j = r.meta_json("scheduler");
    if (!j)
        return;
    if (!j->is_object() || !j->contains("state"))
        return r.differ("scheduler: expected a JSON object with 'state'");
    s.visit_state(scheduler_reader<Apply>{(*j)["state"], r, "scheduler"});
}

// ---- the standardiser, the data position, the user's entries --------------------------------------

template <class T>
void save_standardizer(io::tensor_writer& w, const data::standardizer<T>& s) {
    w.add("standardizer.mean", {s.mean.size()}, std::span<const double>(s.mean));
    w.add("standardizer.std", {s.std.size()}, std::span<const double>(s.std));
}

inline void check_standardizer(reading& r) {
    const io::tensor_info* mean = r.file.find("standardizer.mean");
    const io::tensor_info* sd = r.file.find("standardizer.std");
    if (!mean || !sd)
        return r.differ("standardizer.mean / standardizer.std: missing in the file (it holds no standardizer)");
    if (mean->shape.size() != 1 || sd->shape != mean->shape || mean->type == io::dtype::i64 ||
        sd->type == io::dtype::i64)
        r.differ("standardizer: mean " + shape_text(mean->shape) + " and std " + shape_text(sd->shape) +
                 " in the file, expected two float vectors of the same length");
}

template <class T>
void save_target_scaler(io::tensor_writer& w, const data::target_scaler<T>& s) {
    const double mean[1] = {s.mean}, sd[1] = {s.std};
    w.add("target_scaler.mean", {1}, std::span<const double>(mean));
    w.add("target_scaler.std", {1}, std::span<const double>(sd));
}

inline void check_target_scaler(reading& r) {
    const io::tensor_info* mean = r.file.find("target_scaler.mean");
    const io::tensor_info* sd = r.file.find("target_scaler.std");
    if (!mean || !sd)
        return r.differ("target_scaler.mean / target_scaler.std: missing in the file (it holds no target_scaler)");
    const std::vector<std::size_t> one{1};
    if (mean->shape != one || sd->shape != one || mean->type == io::dtype::i64 || sd->type == io::dtype::i64)
        r.differ("target_scaler: mean " + shape_text(mean->shape) + " and std " + shape_text(sd->shape) +
                 " in the file, expected two float tensors of shape [1]");
}

inline void check_position(reading& r) {
    const auto j = r.meta_json("training");
    if (j && !(j->is_object() && (*j)["epoch"].is_number_unsigned() && (*j)["batch"].is_number_unsigned() &&
               (*j)["seed"].is_number_unsigned()))
        r.differ("metadata 'training': expected {\"epoch\", \"batch\", \"seed\"} as counts");
}

}  // namespace checkpoint_detail

//! Saves `params` and, in any order, any of: the Trainer (optimiser state, every group's options,
//! the step count) or an LBFGS over `params` (its state and options), a scheduler, a standardizer, a tg::data_position,
//! tg::checkpoint_metadata, to a safetensors file at `path`, atomically (a process killed during save leaves the
//! previous file as it was) and with a CRC-32 checksum. Allocates; never call it inside a step. Throws io::file_error
//! when the file cannot be written.
template <class L, class T, class... Parts>
void save(const std::filesystem::path& path, const Parameters<L, T>& params, const Parts&... parts) {
    static_assert(checkpoint_detail::check_parts<Parts...>());
    namespace cd = checkpoint_detail;
    io::tensor_writer w;
    w.metadata("format", std::string(cd::format_name));
    w.metadata("format.version", std::to_string(cd::format_version));
    cd::save_parameters(w, params);
    [[maybe_unused]] const auto one = [&](const auto& part) {
        using X = std::remove_cvref_t<decltype(part)>;
        if constexpr (cd::is_trainer_v<X>)
            cd::save_trainer(w, part);
        else if constexpr (cd::is_lbfgs_v<X>)
            cd::save_lbfgs(w, params, part);
        else if constexpr (cd::is_standardizer_v<X>)
            cd::save_standardizer(w, part);
        else if constexpr (cd::is_target_scaler_v<X>)
            cd::save_target_scaler(w, part);
        else if constexpr (std::is_same_v<X, data_position>)
            w.metadata("training", cd::json{{"epoch", part.epoch}, {"batch", part.batch}, {"seed", part.seed}}.dump());
        else if constexpr (std::is_same_v<X, checkpoint_metadata>)
            for (const auto& [k, v] : part.values)
                w.metadata("user." + k, v);
        else
            cd::save_scheduler(w, const_cast<X&>(part));  // visit_state reads only, here
    };
    (one(parts), ...);
    w.save(path);
}

namespace checkpoint_detail {

// load and try_load: the file checked whole, then a checkpoint_error of the differences, or every
// part applied.
template <class L, class T, class... Parts>
result<void, checkpoint_error> load_checked(const std::filesystem::path& path, Parameters<L, T>& params,
                                            Parts&... parts) {
    static_assert(checkpoint_detail::check_parts<Parts...>());
    namespace cd = checkpoint_detail;
    const auto file = io::tensor_file::load(path);
    cd::reading r{file, {}};
    if (const std::string* f = r.meta("format"); f && *f != cd::format_name)
        r.differ("metadata 'format': '" + *f + "' in the file, expected '" + std::string(cd::format_name) + "'");
    if (const std::string* v = r.meta("format.version"); v && *v != std::to_string(cd::format_version))
        r.differ("metadata 'format.version': " + *v + " in the file; this typegrad reads version " +
                 std::to_string(cd::format_version));
    if (r.meta("format") && !file.has_checksum())
        r.differ("metadata 'typegrad.crc32': missing (a typegrad checkpoint always has its checksum)");
    cd::check_parameters(r, params);

    // Check every part, then apply them all.
    std::optional<cd::file_groups<typename cd::trainer_options<Parts...>::type>> groups;
    std::optional<typename cd::lbfgs_parts<Parts...>::type> lbfgs_state;
    [[maybe_unused]] const auto check = [&](auto& part) {
        using X = std::remove_cvref_t<decltype(part)>;
        if constexpr (cd::is_trainer_v<X>)
            cd::check_trainer(r, part, groups);
        else if constexpr (cd::is_lbfgs_v<X>)
            cd::check_lbfgs(r, params, part, lbfgs_state);
        else if constexpr (cd::is_standardizer_v<X>)
            cd::check_standardizer(r);
        else if constexpr (cd::is_target_scaler_v<X>)
            cd::check_target_scaler(r);
        else if constexpr (std::is_same_v<X, data_position>)
            cd::check_position(r);
        else if constexpr (std::is_same_v<X, checkpoint_metadata>)
            (void)part;
        else
            cd::read_scheduler<false>(r, part);
    };
    (check(parts), ...);
    const auto names = params.info();
    const auto buffers = cd::buffer_tensors(params);
    for (const auto& t : file.tensors()) {
        const bool param = std::any_of(names.begin(), names.end(), [&](const auto& p) { return p.name == t.name; }) ||
                           std::any_of(buffers.begin(), buffers.end(), [&](const auto& b) { return b.name == t.name; });
        const bool known = t.name.starts_with("optimizer.") || t.name.starts_with("standardizer.") ||
                           t.name.starts_with("target_scaler.");
        if (!param && !known)
            r.differ(t.name + ": unexpected (the model has no parameter of this name; its shape " +
                     cd::shape_text(t.shape) + ")");
    }
    if (!r.differences.empty())
        return checkpoint_error(path, std::move(r.differences));

    cd::load_parameters(file, params);
    [[maybe_unused]] const auto apply = [&](auto& part) {
        using X = std::remove_cvref_t<decltype(part)>;
        if constexpr (cd::is_trainer_v<X>) {
            cd::load_trainer(file, part, *groups);
        } else if constexpr (cd::is_lbfgs_v<X>) {
            part.set_state(*lbfgs_state);
        } else if constexpr (cd::is_standardizer_v<X>) {
            part.mean = file.read_as<double>("standardizer.mean");
            part.std = file.read_as<double>("standardizer.std");
        } else if constexpr (cd::is_target_scaler_v<X>) {
            part.mean = file.read_as<double>("target_scaler.mean").at(0);
            part.std = file.read_as<double>("target_scaler.std").at(0);
        } else if constexpr (std::is_same_v<X, data_position>) {
            const auto j = cd::json::parse(*r.meta("training"));
            part = {j["epoch"].get<std::uint64_t>(), j["batch"].get<std::uint64_t>(), j["seed"].get<std::uint64_t>()};
        } else if constexpr (std::is_same_v<X, checkpoint_metadata>) {
            part.values.clear();
            for (const auto& [k, v] : file.metadata())
                if (k.starts_with("user."))
                    part.values.emplace(k.substr(5), v);
        } else {
            cd::read_scheduler<true>(r, part);
        }
    };
    (apply(parts), ...);
    return {};
}

}  // namespace checkpoint_detail

//! Loads a checkpoint written by save (or by tools/interop/typegrad_torch.py) into `params` and
//! the parts given, which must be made as for the run that saved it (the same model, policy,
//! groups and scheduler; an LBFGS with the same options; F64 values load into a float model rounded to nearest, F32
//! into double exactly). The file is read and checked whole first: io::file_error if it cannot be read,
//! io::format_error if it is not a valid, uncorrupted safetensors file, checkpoint_error listing
//! every difference if it does not fit; in each case nothing given is changed. Tensors the parts
//! given do not read (e.g. the optimiser's, when no Trainer is given) are skipped.
template <class L, class T, class... Parts>
void load(const std::filesystem::path& path, Parameters<L, T>& params, Parts&... parts) {
    checkpoint_detail::load_checked(path, params, parts...).value();
}

//! load that returns the checkpoint_error of a file that does not fit instead of raising it, in a
//! build with or without exceptions; on that error nothing given is changed. A file that cannot
//! be read (io::file_error) or is not a valid safetensors file (io::format_error) is still raised.
//!
//! ```cpp
//! if (const auto r = tg::try_load("run.safetensors", params, trainer); !r)
//!     for (const std::string& d : r.error().differences())
//!         std::printf("%s\n", d.c_str());
//! ```
template <class L, class T, class... Parts>
[[nodiscard]] result<void, checkpoint_error> try_load(const std::filesystem::path& path, Parameters<L, T>& params,
                                                      Parts&... parts) {
    return checkpoint_detail::load_checked(path, params, parts...);
}

}  // namespace TYPEGRAD_NS
