// tg::LBFGS in checkpoints: k steps, save, new objects load, k more steps is bit for bit the run of
// 2k steps that never stopped (float and double, both line searches, the history partly filled and
// full with its ring wrapped); the file holds torch's keys and shapes; load lists what does not fit
// (sizes, options, a history longer than history_size, another optimiser) and changes nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

#include "datasets.hpp"
#include "io/io_helpers.hpp"

namespace tg = typegrad;

namespace {

std::filesystem::path temp(const std::string& name) {
    static const typegrad_test::temp_dir dir("lbfgs_checkpoint");
    return dir / name;
}

// 48 rows of a smooth function of 4 features: curved enough that L-BFGS runs its iterations.
template <class T>
tg::data::basic_dataset<T> data() {
    std::vector<T> x, y;
    for (int r = 0; r < 48; ++r) {
        T sum = 0;
        for (int c = 0; c < 4; ++c) {
            const T v = static_cast<T>(std::sin(0.7 * r + 1.3 * c));
            x.push_back(v);
            sum += v * static_cast<T>(c + 1);
        }
        y.push_back(std::tanh(sum / 3) + static_cast<T>(0.1 * std::cos(r)));
    }
    return typegrad_test::make_dataset<T>(4, std::move(x), std::move(y));
}

[[maybe_unused]] const auto loss =
    tg::mse(tg::sequential<tg::Linear<4, 6>, tg::Tanh, tg::Linear<6, 1>>{}(tg::input<"x", 4>), tg::target<"y">);
using Loss = std::remove_cvref_t<decltype(loss)>;

template <class L, class T>
void fill(tg::Parameters<L, T>& p, double base) {
    auto v = p.values();
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<T>(base * std::sin(1.0 + 0.37 * static_cast<double>(i)));
}

// The same parameter names, other shapes.
[[maybe_unused]] const auto other =
    tg::mse(tg::sequential<tg::Linear<4, 5>, tg::Tanh, tg::Linear<5, 1>>{}(tg::input<"x", 4>), tg::target<"y">);
using Other = std::remove_cvref_t<decltype(other)>;

// A model, its trainer (for the closure) and an LBFGS over its parameters.
template <class T, class L = Loss>
struct fit {
    tg::Parameters<L, T> params;
    tg::Trainer<L, tg::SGD, T> trainer{params};
    tg::LBFGS<T> lbfgs;
    const tg::data::basic_dataset<T>& d;

    fit(const tg::data::basic_dataset<T>& dataset, tg::lbfgs_options o, double init) : lbfgs(params, o), d(dataset) {
        fill(params, init);
    }
    T step() {
        return lbfgs.step([&] {
            trainer.zero_grad();
            return trainer.backward(d.all());
        });
    }
    std::vector<T> values() const { return {params.values().begin(), params.values().end()}; }
};

template <class T>
void check_same_state(const tg::lbfgs_state<T>& a, const tg::lbfgs_state<T>& b) {
    CHECK(a.func_evals == b.func_evals);
    CHECK(a.n_iter == b.n_iter);
    CHECK(a.d == b.d);
    CHECK(a.t == b.t);
    CHECK(a.old_dirs == b.old_dirs);
    CHECK(a.old_stps == b.old_stps);
    CHECK(a.ro == b.ro);
    CHECK(a.h_diag == b.h_diag);
    CHECK(a.prev_flat_grad == b.prev_flat_grad);
    CHECK(a.prev_loss == b.prev_loss);
}

bool has_line(const tg::checkpoint_error& e, const std::string& text) {
    return std::any_of(e.differences().begin(), e.differences().end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

}  // namespace

TEMPLATE_TEST_CASE("LBFGS resumes from a checkpoint bit for bit", "", float, double) {
    using T = TestType;
    const auto d = data<T>();
    const bool wolfe = GENERATE(false, true);
    const bool full = GENERATE(false, true);
    tg::lbfgs_options o{.lr = wolfe ? 1 : 0.2,
                        .max_iter = full ? 7 : 3,
                        .tolerance_grad = 0,
                        .tolerance_change = 0,
                        .history_size = full ? 3 : 20};
    if (wolfe)
        o.line_search_fn = tg::line_search::strong_wolfe;
    const int k = 3;
    INFO((wolfe ? "strong_wolfe" : "no line search") << ", history " << (full ? "full" : "partly filled"));

    fit<T> whole(d, o, 0.5);
    std::vector<T> losses;
    tg::lbfgs_state<T> after_first;
    for (int s = 0; s < 2 * k; ++s) {
        losses.push_back(whole.step());
        if (s == 0)
            after_first = whole.lbfgs.state();
    }

    fit<T> first(d, o, 0.5);
    for (int s = 0; s < k; ++s)
        CHECK(first.step() == losses[static_cast<std::size_t>(s)]);
    const auto path = temp("resume.safetensors");
    tg::save(path, first.params, first.lbfgs);
    const auto saved = first.lbfgs.state();
    // The case the test names: a history partly filled, or full after dropping pairs (the oldest
    // pair held differs from the one held after the first step: the ring has moved on).
    if (full) {
        REQUIRE(saved.history() == 3);
        REQUIRE(after_first.history() == 3);
        CHECK(std::vector<T>(saved.old_stps.begin(),
                             saved.old_stps.begin() + static_cast<std::ptrdiff_t>(first.lbfgs.size())) !=
              std::vector<T>(after_first.old_stps.begin(),
                             after_first.old_stps.begin() + static_cast<std::ptrdiff_t>(first.lbfgs.size())));
    } else {
        REQUIRE(saved.history() > 0);
        REQUIRE(saved.history() < 20);
    }

    // New objects, other values and a stepped LBFGS: load replaces all of it.
    fit<T> resumed(d, o, -0.3);
    resumed.step();
    tg::load(path, resumed.params, resumed.lbfgs);
    CHECK(resumed.values() == first.values());
    check_same_state(resumed.lbfgs.state(), saved);
    for (int s = k; s < 2 * k; ++s)
        CHECK(resumed.step() == losses[static_cast<std::size_t>(s)]);
    CHECK(resumed.values() == whole.values());
    check_same_state(resumed.lbfgs.state(), whole.lbfgs.state());
}

TEST_CASE("an LBFGS checkpoint holds torch's state keys, shapes and options") {
    const auto d = data<float>();
    tg::lbfgs_options o{.lr = 0.5, .max_iter = 4, .history_size = 10, .line_search_fn = tg::line_search::strong_wolfe};
    fit<float> f(d, o, 0.5);
    const auto path = temp("layout.safetensors");
    tg::save(path, f.params, f.lbfgs);  // before the first step: options, no state
    {
        const auto file = tg::io::tensor_file::load(path);
        CHECK(file.metadata().at("optimizer") == "LBFGS");
        for (const auto& t : file.tensors())
            CHECK(!t.name.starts_with("optimizer."));
    }
    f.step();
    f.step();
    tg::save(path, f.params, f.lbfgs);
    const auto file = tg::io::tensor_file::load(path);
    const std::size_t n = f.lbfgs.size(), h = f.lbfgs.history();
    REQUIRE(n == 4 * 6 + 6 + 6 + 1);
    REQUIRE(h > 0);
    const auto shape = [&](const std::string& key) {
        const auto* t = file.find("optimizer.state.0.weight." + key);
        REQUIRE(t != nullptr);
        return t->shape;
    };
    using shape_t = std::vector<std::size_t>;
    CHECK(shape("d") == shape_t{n});
    CHECK(shape("prev_flat_grad") == shape_t{n});
    CHECK(shape("old_dirs") == shape_t{h, n});
    CHECK(shape("old_stps") == shape_t{h, n});
    CHECK(shape("ro") == shape_t{h});
    for (const char* scalar : {"t", "H_diag", "prev_loss", "func_evals", "n_iter"})
        CHECK(shape(scalar).empty());
    CHECK(file.find("optimizer.state.0.weight.n_iter")->type == tg::io::dtype::i64);
    CHECK(file.find("optimizer.state.0.weight.d")->type == tg::io::dtype::f32);
    CHECK(file.find("optimizer.state.0.weight.prev_loss")->type == tg::io::dtype::f64);
    CHECK(file.find("optimizer.state.0.weight.al") == nullptr);  // scratch, not saved
    CHECK(file.read_as<std::int64_t>("optimizer.state.0.weight.n_iter").at(0) == f.lbfgs.n_iter());
    CHECK(file.read_as<std::int64_t>("optimizer.state.0.weight.func_evals").at(0) == f.lbfgs.func_evals());
    // The pairs oldest first: the newest is the last row.
    const auto s = f.lbfgs.state();
    CHECK(file.read_as<float>("optimizer.state.0.weight.old_stps") == s.old_stps);

    const auto groups = nlohmann::json::parse(file.metadata().at("optimizer.param_groups"));
    REQUIRE(groups.size() == 1);
    CHECK(groups[0]["lr"] == 0.5);
    CHECK(groups[0]["max_iter"] == 4);
    CHECK(groups[0]["max_eval"] == 5);  // torch's max_iter * 5 // 4
    CHECK(groups[0]["history_size"] == 10);
    CHECK(groups[0]["tolerance_grad"] == 1e-7);
    CHECK(groups[0]["tolerance_change"] == 1e-9);
    CHECK(groups[0]["line_search_fn"] == "strong_wolfe");
    CHECK(groups[0]["params"] == nlohmann::json({"0.weight", "0.bias", "2.weight", "2.bias"}));
}

TEST_CASE("load refuses an LBFGS checkpoint that does not fit, and changes nothing") {
    const auto d = data<float>();
    const tg::lbfgs_options o{.lr = 0.2, .max_iter = 5, .tolerance_grad = 0, .tolerance_change = 0, .history_size = 20};
    fit<float> saved(d, o, 0.5);
    saved.step();
    saved.step();
    REQUIRE(saved.lbfgs.history() > 3);
    const auto path = temp("errors.safetensors");
    tg::save(path, saved.params, saved.lbfgs);

    SECTION("other options, a history longer than history_size") {
        tg::lbfgs_options mine = o;
        mine.lr = 0.5;
        mine.history_size = 3;
        mine.line_search_fn = tg::line_search::strong_wolfe;
        fit<float> f(d, mine, -0.3);
        f.step();
        const auto values = f.values();
        const auto state = f.lbfgs.state();
        const auto r = tg::try_load(path, f.params, f.lbfgs);
        REQUIRE(!r);
        INFO(r.error().what());
        CHECK(has_line(r.error(), "option 'lr': 0.2 in the file, 0.5 in the LBFGS"));
        CHECK(has_line(r.error(), "option 'history_size': 20 in the file, 3 in the LBFGS"));
        CHECK(has_line(r.error(), "option 'line_search_fn': null in the file, \"strong_wolfe\" in the LBFGS"));
        CHECK(has_line(r.error(), "pairs in the file, more than the LBFGS's history_size 3"));
        CHECK(r.error().differences().size() == 4);
        CHECK(f.values() == values);
        check_same_state(f.lbfgs.state(), state);
    }
    SECTION("another model: parameters and state of other sizes") {
        fit<float, Other> f(d, o, -0.3);
        const auto values = f.values();
        try {
            tg::load(path, f.params, f.lbfgs);
            FAIL("load accepted a checkpoint of another model");
        } catch (const tg::checkpoint_error& e) {
            INFO(e.what());
            CHECK(has_line(e, "0.weight: shape [6, 4] in the file, [5, 4] in the model"));
            CHECK(has_line(e, "optimizer.state.0.weight.d: shape [37] in the file, [31] in the LBFGS"));
            CHECK(has_line(e, "optimizer.state.0.weight.old_dirs: shape [" + std::to_string(saved.lbfgs.history()) +
                                  ", 37] in the file, [" + std::to_string(saved.lbfgs.history()) +
                                  ", 31] in the LBFGS"));
            CHECK(has_line(e, "optimizer.state.0.weight.prev_flat_grad: shape [37]"));
        }
        CHECK(f.values() == values);
        CHECK(f.lbfgs.n_iter() == 0);
    }
    SECTION("a Trainer's checkpoint given to an LBFGS, and the other way") {
        tg::Parameters<Loss> params;
        tg::Trainer<Loss, tg::Adam> adam{params};
        const auto trainer_path = temp("adam.safetensors");
        tg::save(trainer_path, params, adam);
        fit<float> f(d, o, -0.3);
        const auto r = tg::try_load(trainer_path, f.params, f.lbfgs);
        REQUIRE(!r);
        CHECK(has_line(r.error(), "optimizer: Adam in the file, LBFGS given"));
        CHECK(r.error().differences().size() == 1);
        const auto back = tg::try_load(path, params, adam);
        REQUIRE(!back);
        CHECK(has_line(back.error(), "optimizer: LBFGS in the file, Adam in the trainer"));
    }
    SECTION("a model's parameters alone, and an LBFGS over other values") {
        tg::Parameters<Loss> params;
        tg::load(path, params);  // the optimiser's tensors are skipped
        CHECK(std::vector<float>(params.values().begin(), params.values().end()) == saved.values());
        std::vector<float> x(5), g(5);
        tg::LBFGS<float> small{std::span<float>(x), std::span<const float>(g), o};
        const auto r = tg::try_load(path, params, small);
        REQUIRE(!r);
        CHECK(has_line(r.error(), "LBFGS: over 5 values, the model has 37"));
        CHECK_THROWS_AS(tg::save(temp("small.safetensors"), params, small), std::invalid_argument);
    }
}

TEST_CASE("LBFGS::set_state refuses a state that does not fit") {
    std::vector<double> x(4), g(4);
    tg::LBFGS<double> lbfgs{std::span<double>(x), std::span<const double>(g), {.history_size = 2}};
    tg::lbfgs_state<double> s;
    s.n_iter = 3;
    s.d.assign(4, 1.0);
    s.prev_flat_grad.assign(4, 1.0);
    s.old_dirs.assign(12, 1.0);
    s.old_stps.assign(12, 1.0);
    s.ro.assign(3, 1.0);
    CHECK_THROWS_WITH(lbfgs.set_state(s), Catch::Contains("3 pairs, more than history_size 2"));
    s.old_dirs.resize(8);
    s.old_stps.resize(8);
    s.ro.resize(2);
    s.d.resize(3);
    CHECK_THROWS_WITH(lbfgs.set_state(s), Catch::Contains("typegrad: LBFGS:"));
    s.d.resize(4);
    lbfgs.set_state(s);
    CHECK(lbfgs.history() == 2);
    CHECK(lbfgs.n_iter() == 3);
}

TEST_CASE("LBFGS checkpoints with an empty history, and after a step that stopped at once") {
    const auto d = data<double>();
    // One iteration: d, t and the previous gradient, no pair yet ([0, n] and [0] in the file).
    const tg::lbfgs_options o{.max_iter = 1, .tolerance_grad = 0, .tolerance_change = 0, .history_size = 5};
    fit<double> whole(d, o, 0.5), first(d, o, 0.5);
    std::vector<double> losses;
    for (int s = 0; s < 3; ++s)
        losses.push_back(whole.step());
    CHECK(first.step() == losses[0]);
    REQUIRE(first.lbfgs.history() == 0);
    const auto path = temp("empty.safetensors");
    tg::save(path, first.params, first.lbfgs);
    CHECK(tg::io::tensor_file::load(path).find("optimizer.state.0.weight.old_dirs")->shape ==
          std::vector<std::size_t>{0, first.lbfgs.size()});
    fit<double> resumed(d, o, -0.3);
    tg::load(path, resumed.params, resumed.lbfgs);
    check_same_state(resumed.lbfgs.state(), first.lbfgs.state());
    CHECK(resumed.step() == losses[1]);
    CHECK(resumed.step() == losses[2]);
    CHECK(resumed.values() == whole.values());

    // max|g| <= tolerance_grad at the first call: torch's state holds the two counts only.
    fit<double> stopped(d, {.tolerance_grad = 1e9}, 0.5);
    stopped.step();
    REQUIRE(stopped.lbfgs.func_evals() == 1);
    REQUIRE(stopped.lbfgs.n_iter() == 0);
    tg::save(path, stopped.params, stopped.lbfgs);
    std::size_t state_tensors = 0;
    const auto file = tg::io::tensor_file::load(path);
    for (const auto& t : file.tensors())
        state_tensors += t.name.starts_with("optimizer.state.") ? 1 : 0;
    CHECK(state_tensors == 2);
    fit<double> again(d, {.tolerance_grad = 1e9}, -0.3);
    tg::load(path, again.params, again.lbfgs);
    CHECK(again.lbfgs.func_evals() == 1);
    CHECK(again.lbfgs.n_iter() == 0);
    CHECK(again.values() == stopped.values());
}
