// The built-in callbacks of fit: progress bar (in place and plain), validation, CSV log, early
// stopping, scheduler stepping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fit_models.hpp"
#include "io/io_helpers.hpp"

namespace tg = typegrad;
using namespace fit_test;

namespace {

// A metric that plays a script: the e-th call returns script[e] (ignoring the predictions).
struct scripted {
    std::vector<double> script;
    std::size_t* calls;
    double operator()(std::span<const float>, std::span<const float>) const { return script.at((*calls)++); }
};

// Keeps the parameter values and the first group's lr at the end of every epoch (before the later
// callbacks' epoch_end).
struct snapshots {
    std::vector<std::vector<float>> values{};
    std::vector<double> lr_after{};
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        values.emplace_back(ctx.parameters.begin(), ctx.parameters.end());
    }
    template <class Ctx>
    void on_fit_end(Ctx& ctx) {
        lr_after.push_back(ctx.trainer.optimizer().param_groups()[0].options.lr);
    }
};

struct lr_trace {
    std::vector<double> at_step{};
    template <class Ctx>
    void on_step_end(Ctx& ctx) {
        at_step.push_back(ctx.lr());
    }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

struct reader {
    std::vector<tg::metric_value> seen{};
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        seen.assign(ctx.metrics().begin(), ctx.metrics().end());
    }
};

struct say_at_end {
    template <class Ctx>
    void on_step_end(Ctx& ctx) {
        if (ctx.epoch() == 1 && ctx.batch() == 3)
            ctx.message("a message");
    }
};

struct epoch_values {
    std::vector<double> loss{}, lr{};
    std::vector<std::size_t> steps{};
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        loss.push_back(ctx.epoch_loss());
        lr.push_back(ctx.lr());
        steps.push_back(ctx.trainer.steps());
    }
};

}  // namespace

TEST_CASE("validation adds any metric, by name, each epoch", "[fit][validation]") {
    const auto train = make_data(60, 1), held = make_data(30, 2);
    tg::Parameters params{loss};
    tg::init::torch_default(params, 0);
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.05}};
    tg::validation r2{model, params, held, "r2", tg::r2};
    tg::validation mae{model,
                       params,
                       held,
                       "mae",
                       [](std::span<const float> p, std::span<const float> t) {
                           double s = 0;
                           for (std::size_t i = 0; i < t.size(); ++i)
                               s += std::abs(double(p[i]) - double(t[i]));
                           return s / double(t.size());
                       },
                       false};
    reader read;
    tg::validation_loss held_loss{held};  // the metrics' names are its strings: kept past the fit
    trainer.fit(train, {.epochs = 3, .batch_size = 16}, r2, mae, held_loss, read);
    REQUIRE(read.seen.size() == 3);
    CHECK(std::string(read.seen[0].name) == "r2");
    CHECK(read.seen[0].higher_is_better);
    CHECK(read.seen[0].value == tg::r2(tg::predict(model, params, held), held.targets()));
    CHECK(std::string(read.seen[1].name) == "mae");
    CHECK(!read.seen[1].higher_is_better);
    CHECK(read.seen[1].value == mae.last());
    CHECK(std::string(read.seen[2].name) == "loss");
    CHECK(read.seen[2].value == double(trainer.loss(held)));
    CHECK_THROWS_WITH(trainer.fit(train, {.epochs = 1}, r2, r2), Catch::Contains("two metrics named 'r2'"));
}

TEST_CASE("progress_bar prints one plain line per epoch when not on a terminal", "[fit][progress]") {
    const auto train = make_data(50, 1), held = make_data(20, 2);
    tg::Parameters params{loss};
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.05}};
    std::ostringstream out;
    tg::progress_bar bar{{.out = &out, .terminal = false}};
    CHECK(!bar.in_place());
    trainer.fit(train, {.epochs = 3, .batch_size = 8}, bar, tg::validation{model, params, held, "r2", tg::r2});
    const std::string text = out.str();
    CHECK(text.find('\r') == std::string::npos);
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == 3);
    for (std::size_t e = 0; e < 3; ++e) {
        CAPTURE(lines[e]);
        CHECK(lines[e].starts_with("epoch   " + std::to_string(e) + "  loss "));
        CHECK(lines[e].find("val_r2 ") != std::string::npos);
        CHECK(lines[e].find(" rows/s") != std::string::npos);
        CHECK(lines[e].find("ETA ") != std::string::npos);
    }
    CHECK(lines[2].ends_with("ETA 0:00"));
    // By default: std::cerr, in place exactly when standard error is a terminal.
    CHECK(tg::progress_bar{}.in_place() == (::isatty(2) == 1));
    CHECK(!tg::progress_bar{{.out = &out}}.in_place());
}

TEST_CASE("progress_bar redraws one line in place on a terminal", "[fit][progress]") {
    const auto train = make_data(50, 1);
    tg::Parameters params{loss};
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.05}};
    std::ostringstream out;
    tg::progress_bar bar{{.out = &out, .terminal = true, .redraw_seconds = 0}};
    CHECK(bar.in_place());
    trainer.fit(train, {.epochs = 2, .batch_size = 8}, bar, say_at_end{});  // 7 batches an epoch
    const std::string text = out.str();
    // A redraw per batch and one for each epoch's closing line.
    CHECK(std::count(text.begin(), text.end(), '\r') == 2 * 7 + 2);
    const auto lines = lines_of(text);  // epoch 0; epoch 1's redraws up to the message; the message; epoch 1
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].find("\repoch   0  batch 7/7  loss ") != std::string::npos);
    CHECK(lines[0].substr(lines[0].rfind('\r')).starts_with("\repoch   0  loss "));
    CHECK(lines[1].find("batch 4/7") != std::string::npos);
    CHECK(lines[1].find("batch 5/7") == std::string::npos);
    CHECK(lines[2] == "a message");
    CHECK(lines[3].find("\repoch   1  batch 5/7") == 0);
    CHECK(lines[3].substr(lines[3].rfind('\r')).starts_with("\repoch   1  loss "));
    CHECK(text.back() == '\n');
}

TEST_CASE("csv_log writes the header and one row per epoch, and a resumed fit appends", "[fit][csv]") {
    const auto train = make_data(40, 3), held = make_data(20, 4);
    const typegrad_test::temp_dir dir("fit_csv");
    const auto file = dir / "log.csv";
    tg::Parameters params{loss};
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.1}};
    using Opt = decltype(trainer)::optimizer_type;
    tg::ExponentialLR<Opt> sched{trainer.optimizer(), {.gamma = 0.5}};
    epoch_values seen;
    tg::validation r2{model, params, held, "r2", tg::r2};
    trainer.fit(train, {.epochs = 3, .batch_size = 16}, r2, tg::validation_loss{held}, tg::schedule_lr{sched},
                tg::csv_log{file}, seen);
    trainer.fit(train, {.epochs = 5, .batch_size = 16, .start = {3, 0, 0}}, r2, tg::validation_loss{held},
                tg::schedule_lr{sched}, tg::csv_log{file}, seen);
    std::ifstream in(file);
    std::stringstream all;
    all << in.rdbuf();
    const auto lines = lines_of(all.str());
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "epoch,step,lr,train_loss,val_r2,val_loss");
    for (std::size_t e = 0; e < 5; ++e) {
        CAPTURE(lines[e + 1]);
        std::vector<std::string> f;
        std::stringstream row(lines[e + 1]);
        for (std::string cell; std::getline(row, cell, ',');)
            f.push_back(cell);
        REQUIRE(f.size() == 6);
        CHECK(f[0] == std::to_string(e));
        CHECK(f[1] == std::to_string(seen.steps[e]));
        const auto number = [](const std::string& s) {
            double v = 0;
            std::from_chars(s.data(), s.data() + s.size(), v);
            return v;
        };
        CHECK(number(f[2]) == seen.lr[e]);  // exactly: the shortest text that reads back
        CHECK(number(f[3]) == seen.loss[e]);
        CHECK(!f[4].empty());
    }
    CHECK(seen.lr[1] == seen.lr[0] * 0.5);
}

TEST_CASE("early_stopping stops after patience epochs and restores the best epoch's parameters", "[fit][early]") {
    const auto train = make_data(40, 5), held = make_data(20, 6);
    tg::Parameters params{loss};
    tg::init::torch_default(params, 3);
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.05}};
    std::size_t calls = 0;
    // Higher is better: best at epoch 3 (0.8); 0.805 is not better by more than min_delta.
    tg::validation score{model, params, held, "score", scripted{{0.5, 0.7, 0.6, 0.8, 0.805, 0.75, 0.7, 0.9}, &calls}};
    snapshots snap;
    tg::early_stopping stop{{.monitor = "score", .patience = 3, .min_delta = 0.01}};
    std::ostringstream out;
    const auto summary = trainer.fit(train, {.epochs = 8, .batch_size = 8}, score, snap, stop,
                                     tg::progress_bar{{.out = &out, .terminal = false}});
    CHECK(summary.stopped);
    CHECK(summary.epochs_run == 7);
    REQUIRE(stop.best_epoch());
    CHECK(*stop.best_epoch() == 3);
    CHECK(stop.best_value() == 0.8);
    CHECK(stop.stopped_epoch() == std::optional<std::size_t>(6));
    CHECK(stop.restored());
    REQUIRE(snap.values.size() == 7);
    CHECK(same_bits(params.values(), snap.values[3]));
    CHECK(!same_bits(params.values(), snap.values[6]));
    const std::string text = out.str();
    CHECK(text.find("early stopping: restored the parameters of epoch 3 (val_score 0.8000)") != std::string::npos);
    CHECK(text.find("stopped after epoch 6") != std::string::npos);

    // Lower is better (a loss); without restore_best the last epoch's values stay.
    calls = 0;
    tg::validation err{model, params, held, "err", scripted{{3, 2, 2.5, 2.2, 2.1, 1}, &calls}, false};
    snapshots snap2;
    tg::early_stopping keep{{.patience = 2, .restore_best = false}};
    trainer.fit(train, {.epochs = 6, .batch_size = 8}, err, snap2, keep);
    CHECK(keep.best_epoch() == std::optional<std::size_t>(1));
    CHECK(keep.stopped_epoch() == std::optional<std::size_t>(3));
    CHECK(!keep.restored());
    CHECK(same_bits(params.values(), snap2.values.back()));

    tg::early_stopping lost{{.monitor = "nothing"}};
    CHECK_THROWS_WITH(trainer.fit(train, {.epochs = 1}, lost), Catch::Contains("has no metric 'nothing'"));
}

TEST_CASE("schedule_lr steps per batch, per epoch, or on the plateau of a metric", "[fit][scheduler]") {
    const auto train = make_data(30, 7), held = make_data(20, 8);  // 4 batches of 8
    using Trainer = tg::Trainer<Loss, tg::SGD>;
    using Opt = Trainer::optimizer_type;
    const tg::fit_options o{.epochs = 3, .batch_size = 8};

    SECTION("OneCycleLR and CyclicLR: after every batch, as by hand") {
        tg::Parameters p1{loss}, p2{loss};
        Trainer t1{p1, {.lr = 0.1, .momentum = 0.9}}, t2{p2, {.lr = 0.1, .momentum = 0.9}};
        tg::OneCycleLR<Opt> s1{t1.optimizer(), {.max_lr = 0.2, .total_steps = 12}};
        tg::OneCycleLR<Opt> s2{t2.optimizer(), {.max_lr = 0.2, .total_steps = 12}};
        tg::schedule_lr step{s1};
        CHECK(step.per_batch());
        lr_trace trace;
        t1.fit(train, o, step, trace);
        std::vector<double> by_hand;
        for (std::uint64_t e = 0; e < 3; ++e)
            for (auto batch : tg::data::batches(train, 8, tg::data::shuffle{e})) {
                t2.zero_grad();
                t2.backward(batch);
                by_hand.push_back(t2.optimizer().param_groups()[0].options.lr);
                t2.step();
                s2.step();
            }
        CHECK(trace.at_step == by_hand);
        CHECK(s1.last_epoch() == 12);
        CHECK(same_bits(p1.values(), p2.values()));
        tg::CyclicLR<Opt> cyc{t1.optimizer(), {.base_lr = 0.01, .max_lr = 0.1, .step_size_up = 3}};
        CHECK(tg::schedule_lr{cyc}.per_batch());
        CHECK(!tg::schedule_lr{cyc, "", tg::lr_stepping::per_epoch}.per_batch());
    }
    SECTION("StepLR: at the end of every epoch") {
        tg::Parameters p{loss};
        Trainer t{p, {.lr = 0.1}};
        tg::StepLR<Opt> s{t.optimizer(), {.step_size = 1, .gamma = 0.5}};
        tg::schedule_lr step{s};
        CHECK(!step.per_batch());
        lr_trace trace;
        t.fit(train, o, step, trace);
        CHECK(s.last_epoch() == 3);
        std::vector<double> expected;
        for (int e = 0; e < 3; ++e)
            for (int b = 0; b < 4; ++b)
                expected.push_back(0.1 * std::pow(0.5, e));
        REQUIRE(trace.at_step.size() == expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            CHECK(trace.at_step[i] == Approx(expected[i]).epsilon(1e-15));
        CHECK(tg::schedule_lr{s, "", tg::lr_stepping::per_batch}.per_batch());
    }
    SECTION("ReduceLROnPlateau: step(metric) at the end of every epoch") {
        tg::Parameters p{loss}, q{loss};
        Trainer t{p, {.lr = 0.1}}, u{q, {.lr = 0.1}};
        tg::ReduceLROnPlateau<Opt> s{t.optimizer(), {.mode = "max", .factor = 0.5, .patience = 1}};
        tg::ReduceLROnPlateau<Opt> by_hand{u.optimizer(), {.mode = "max", .factor = 0.5, .patience = 1}};
        const std::vector<double> script{0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7};
        std::size_t calls = 0;
        tg::validation score{model, p, held, "score", scripted{script, &calls}};
        lr_trace trace;
        t.fit(train, {.epochs = 7, .batch_size = 8}, tg::validation_loss{held}, score, tg::schedule_lr{s, "score"},
              trace);
        std::vector<double> expected;
        for (const double v : script) {
            for (int b = 0; b < 4; ++b)
                expected.push_back(u.optimizer().param_groups()[0].options.lr);
            by_hand.step(v);
        }
        CHECK(trace.at_step == expected);
        CHECK(expected.back() < expected.front());  // the plateau did cut the lr
        CHECK(s.last_epoch() == 7);
        CHECK(t.optimizer().param_groups()[0].options.lr == u.optimizer().param_groups()[0].options.lr);
        CHECK_THROWS_WITH((tg::schedule_lr{s, "", tg::lr_stepping::per_batch}), Catch::Contains("not per batch"));
    }
}
