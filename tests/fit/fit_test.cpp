// Trainer::fit: the hooks' order and arguments, stopping, the same trajectory as the explicit loop,
// and a resumed fit equal bit for bit to the one that never stopped.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <typegrad/train/save_every.hpp>

#include "fit_models.hpp"
#include "io/io_helpers.hpp"

namespace tg = typegrad;
using namespace fit_test;

namespace {

// Records every hook call as text, with what the context says at that moment.
struct recorder {
    std::string tag;
    std::vector<std::string>* log;
    std::vector<double> step_losses{}, epoch_losses{}, lrs{};
    std::vector<std::size_t> steps_at_epoch_end{};
    template <class Ctx>
    void on_fit_begin(Ctx& ctx) {
        log->push_back(tag + "fit_begin " + std::to_string(ctx.epoch()));
    }
    template <class Ctx>
    void on_epoch_begin(Ctx& ctx) {
        log->push_back(tag + "epoch_begin " + std::to_string(ctx.epoch()));
    }
    template <class Ctx>
    void on_step_begin(Ctx& ctx) {
        log->push_back(tag + "step_begin " + std::to_string(ctx.epoch()) + " " + std::to_string(ctx.batch()) + " " +
                       std::to_string(ctx.batch_rows()));
    }
    template <class Ctx>
    void on_step_end(Ctx& ctx) {
        log->push_back(tag + "step_end " + std::to_string(ctx.epoch()) + " " + std::to_string(ctx.batch()) + " " +
                       std::to_string(ctx.trainer.steps()));
        step_losses.push_back(ctx.loss());
        lrs.push_back(ctx.lr());
    }
    template <class Ctx>
    void on_evaluate(Ctx& ctx) {
        log->push_back(tag + "evaluate " + std::to_string(ctx.epoch()));
    }
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        log->push_back(tag + "epoch_end " + std::to_string(ctx.epoch()) + " " + std::to_string(ctx.epoch_steps()));
        epoch_losses.push_back(ctx.epoch_loss());
        steps_at_epoch_end.push_back(ctx.trainer.steps());
    }
    template <class Ctx>
    void on_fit_end(Ctx& ctx) {
        log->push_back(tag + "fit_end " + std::to_string(ctx.epoch()));
    }
    template <class Ctx>
    void on_message(Ctx&, std::string_view text) {
        log->push_back(tag + "message " + std::string(text));
    }
};

// Says something at the end of every epoch, and stops at (epoch, batch) if asked.
struct talker {
    std::size_t stop_epoch = 1000, stop_batch = 0;
    template <class Ctx>
    void on_step_end(Ctx& ctx) {
        if (ctx.epoch() == stop_epoch && ctx.batch() == stop_batch)
            ctx.request_stop();
    }
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        ctx.message("end of " + std::to_string(ctx.epoch()));
    }
};

}  // namespace

TEST_CASE("fit calls every hook in the documented order, callbacks in the order given", "[fit][hooks]") {
    const auto data = make_data(23, 1);  // batches of 8: 8, 8, 7
    tg::Parameters params{loss};
    tg::init::torch_default(params, 0);
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.05}};
    std::vector<std::string> log;
    recorder a{"a:", &log}, b{"b:", &log};
    talker t;
    const auto summary = trainer.fit(data, {.epochs = 2, .batch_size = 8}, a, t, b);

    std::vector<std::string> expected;
    const auto both = [&](const std::string& s) {
        expected.push_back("a:" + s);
        expected.push_back("b:" + s);
    };
    both("fit_begin 0");
    std::size_t steps = 0;
    for (std::size_t e = 0; e < 2; ++e) {
        both("epoch_begin " + std::to_string(e));
        for (std::size_t k = 0; k < 3; ++k) {
            both("step_begin " + std::to_string(e) + " " + std::to_string(k) + " " + (k == 2 ? "7" : "8"));
            both("step_end " + std::to_string(e) + " " + std::to_string(k) + " " + std::to_string(++steps));
        }
        both("evaluate " + std::to_string(e));
        expected.push_back("a:epoch_end " + std::to_string(e) + " 3");
        both("message end of " + std::to_string(e));  // said by the talker, between a and b
        expected.push_back("b:epoch_end " + std::to_string(e) + " 3");
    }
    both("fit_end 2");
    CHECK(log == expected);
    CHECK(summary.epochs_run == 2);
    CHECK(summary.steps == 6);
    CHECK(!summary.stopped);

    // The losses are backward()'s: the same run by hand gives the same numbers, and the epoch's loss
    // is the mean of its batches'.
    tg::Parameters again{loss};
    tg::init::torch_default(again, 0);
    tg::Trainer<Loss, tg::SGD> by_hand{again, {.lr = 0.05}};
    std::vector<double> losses;
    for (std::uint64_t e = 0; e < 2; ++e)
        for (auto batch : tg::data::batches(data, 8, tg::data::shuffle{e})) {
            by_hand.zero_grad();
            losses.push_back(by_hand.backward(batch));
            by_hand.step();
        }
    CHECK(a.step_losses == losses);
    for (std::size_t e = 0; e < 2; ++e)
        CHECK(a.epoch_losses[e] == Approx((losses[3 * e] + losses[3 * e + 1] + losses[3 * e + 2]) / 3).epsilon(1e-12));
    CHECK(a.lrs == std::vector<double>(6, 0.05));
}

TEST_CASE("a hook's request_stop ends the epoch, then the fit", "[fit][hooks]") {
    const auto data = make_data(40, 2);
    tg::Parameters params{loss};
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.01}};
    std::vector<std::string> log;
    recorder r{"", &log};
    talker t{.stop_epoch = 1, .stop_batch = 1};
    const auto summary = trainer.fit(data, {.epochs = 5, .batch_size = 10}, t, r);
    CHECK(summary.stopped);
    CHECK(summary.epochs_run == 2);
    CHECK(trainer.steps() == 4 + 2);
    CHECK(r.steps_at_epoch_end == std::vector<std::size_t>{4, 6});
    REQUIRE(log.size() >= 4);
    CHECK(log[log.size() - 4] == "evaluate 1");
    CHECK(log[log.size() - 3] == "message end of 1");
    CHECK(log[log.size() - 2] == "epoch_end 1 2");
    CHECK(log.back() == "fit_end 2");
}

TEST_CASE("fit's options are checked", "[fit]") {
    const auto data = make_data(10, 3);
    tg::Parameters params{loss};
    tg::Trainer<Loss, tg::SGD> trainer{params, {.lr = 0.01}};
    CHECK_THROWS_WITH(trainer.fit(data, {.batch_size = 0}), Catch::Contains("typegrad: fit: expected a batch size"));
    CHECK_THROWS_WITH(trainer.fit(data, {.epochs = 2, .shuffle_seed = 1, .start = {1, 0, 2}}),
                      Catch::Contains("shuffle seed 2"));
    CHECK_THROWS_WITH(trainer.fit(data, {.epochs = 2, .batch_size = 5, .start = {1, 2, 0}}),
                      Catch::Contains("past the end"));
    CHECK(trainer.steps() == 0);
}

TEMPLATE_TEST_CASE("fit follows the explicit loop's trajectory bit for bit", "[fit][trajectory]", tg::SGD, tg::Adam) {
    const auto data = make_data(53, 4);
    for (const bool shuffle : {true, false})
        for (const bool drop_last : {false, true}) {
            CAPTURE(shuffle, drop_last);
            typename TestType::options o{};
            o.lr = 0.02;
            tg::Parameters p1{loss}, p2{loss};
            tg::init::torch_default(p1, 5);
            tg::init::torch_default(p2, 5);
            tg::Trainer<Loss, TestType> fitted{p1, o}, looped{p2, o};
            fitted.fit(data,
                       {.epochs = 4, .batch_size = 16, .shuffle = shuffle, .shuffle_seed = 9, .drop_last = drop_last});
            for (std::uint64_t e = 0; e < 4; ++e) {
                const auto epoch = shuffle ? tg::data::batches(data, 16, tg::data::shuffle{9 + e}, drop_last)
                                           : tg::data::batches(data, 16, tg::data::no_shuffle{}, drop_last);
                for (auto batch : epoch) {
                    looped.zero_grad();
                    looped.backward(batch);
                    looped.step();
                }
            }
            CHECK(fitted.steps() == looped.steps());
            CHECK(fitted.steps() == 4 * (drop_last ? 3u : 4u));
            CHECK(same_bits(p1.values(), p2.values()));
            CHECK(!same_bits(p1.values(), copy_of(tg::Parameters{loss})));  // it trained
        }
}

TEST_CASE("a fit resumed from save_every's checkpoint ends where the uninterrupted fit does", "[fit][resume]") {
    const auto data = make_data(45, 6);
    const typegrad_test::temp_dir dir("fit_resume");
    const auto file = dir / "epochs.safetensors";
    const tg::fit_options all{.epochs = 6, .batch_size = 8, .shuffle_seed = 3};
    using Opt = tg::Trainer<Loss, tg::SGD>::optimizer_type;

    tg::Parameters p1{loss};
    tg::init::torch_default(p1, 7);
    tg::Trainer<Loss, tg::SGD> t1{p1, {.lr = 0.05, .momentum = 0.9}};
    tg::StepLR<Opt> s1{t1.optimizer(), {.step_size = 2, .gamma = 0.5}};
    t1.fit(data, all, tg::schedule_lr{s1});

    {  // stopped after 3 epochs: the end checkpoint
        tg::Parameters p{loss};
        tg::init::torch_default(p, 7);
        tg::Trainer<Loss, tg::SGD> t{p, {.lr = 0.05, .momentum = 0.9}};
        tg::StepLR<Opt> s{t.optimizer(), {.step_size = 2, .gamma = 0.5}};
        tg::save_every saver{file, 2, p, s};
        t.fit(data, {.epochs = 3, .batch_size = 8, .shuffle_seed = 3}, tg::schedule_lr{s}, saver);
        CHECK(saver.saved() == 2);  // after epoch 1, and at the end
    }
    tg::Parameters p2{loss};  // fresh objects, as in a new process
    tg::Trainer<Loss, tg::SGD> t2{p2, {.lr = 0.05, .momentum = 0.9}};
    tg::StepLR<Opt> s2{t2.optimizer(), {.step_size = 2, .gamma = 0.5}};
    tg::data_position start;
    tg::load(file, p2, t2, s2, start);
    CHECK(start == tg::data_position{3, 0, 3});
    auto resumed = all;
    resumed.start = start;
    const auto summary = t2.fit(data, resumed, tg::schedule_lr{s2});
    CHECK(summary.epochs_run == 3);
    CHECK(t2.steps() == t1.steps());
    CHECK(same_bits(p1.values(), p2.values()));
    CHECK(t2.optimizer().param_groups()[0].options.lr == t1.optimizer().param_groups()[0].options.lr);
    CHECK(
        same_bits(t2.optimizer().state().buffer("momentum_buffer"), t1.optimizer().state().buffer("momentum_buffer")));
}

TEST_CASE("a fit stopped inside an epoch resumes at the next batch, bit for bit", "[fit][resume]") {
    const auto data = make_data(45, 8);
    const typegrad_test::temp_dir dir("fit_resume");
    const auto file = dir / "mid.safetensors";
    const tg::fit_options all{.epochs = 4, .batch_size = 8, .shuffle_seed = 11};
    using Opt = tg::Trainer<Loss, tg::Adam>::optimizer_type;
    const tg::optim::one_cycle_lr_options cycle{.max_lr = 0.05, .total_steps = 24};

    tg::Parameters p1{loss};
    tg::init::torch_default(p1, 2);
    tg::Trainer<Loss, tg::Adam> t1{p1, {}};
    tg::OneCycleLR<Opt> s1{t1.optimizer(), cycle};
    t1.fit(data, all, tg::schedule_lr{s1});

    {
        tg::Parameters p{loss};
        tg::init::torch_default(p, 2);
        tg::Trainer<Loss, tg::Adam> t{p, {}};
        tg::OneCycleLR<Opt> s{t.optimizer(), cycle};
        t.fit(data, all, tg::schedule_lr{s}, talker{.stop_epoch = 1, .stop_batch = 2}, tg::save_every{file, 0, p, s});
        CHECK(t.steps() == 6 + 3);
    }
    tg::Parameters p2{loss};
    tg::Trainer<Loss, tg::Adam> t2{p2, {}};
    tg::OneCycleLR<Opt> s2{t2.optimizer(), cycle};
    tg::data_position start;
    tg::load(file, p2, t2, s2, start);
    CHECK(start == tg::data_position{1, 3, 11});
    auto resumed = all;
    resumed.start = start;
    std::vector<std::string> log;
    recorder r{"", &log};
    t2.fit(data, resumed, tg::schedule_lr{s2}, r);
    CHECK(log[2] == "step_begin 1 3 8");
    CHECK(t2.steps() == t1.steps());
    CHECK(same_bits(p1.values(), p2.values()));
    CHECK(same_bits(t2.optimizer().state().buffer("exp_avg_sq"), t1.optimizer().state().buffer("exp_avg_sq")));
}
