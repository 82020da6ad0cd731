// fit allocates nothing per batch, with every built-in callback: every operator new of the process
// is counted.
#include <catch2/catch.hpp>

#include <array>
#include <ostream>

#include "counting_new.hpp"
#include "fit_models.hpp"
#include "io/io_helpers.hpp"

namespace tg = typegrad;
using namespace fit_test;

namespace {
// The allocation count at every batch's end, into a buffer made before the fit.
struct counter {
    std::array<long, 64>* at;
    std::size_t n = 0;
    template <class Ctx>
    void on_step_end(Ctx&) {
        (*at)[n++] = typegrad_test::allocations();
    }
};
}  // namespace

TEMPLATE_TEST_CASE("fit allocates nothing per batch", "[fit][allocation]", tg::SGD, tg::Adam) {
    const auto train = make_data(100, 1), held = make_data(30, 2);
    const typegrad_test::temp_dir dir("fit_alloc");
    tg::Parameters params{loss};
    tg::init::torch_default(params, 1);
    tg::Trainer<Loss, TestType> trainer{params, {}};
    using Opt = typename tg::Trainer<Loss, TestType>::optimizer_type;
    tg::OneCycleLR<Opt> sched{trainer.optimizer(), {.max_lr = 0.01, .total_steps = 64}};
    std::ostream discard(nullptr);  // formats, writes nowhere
    std::array<long, 64> at{};
    counter count{&at};
    trainer.fit(train, {.epochs = 4, .batch_size = 16},
                tg::progress_bar{{.out = &discard, .terminal = true, .redraw_seconds = 0}},
                tg::validation{model, params, held, "r2", tg::r2}, tg::validation_loss{held},
                tg::early_stopping{{.patience = 10}}, tg::schedule_lr{sched}, tg::csv_log{dir / "log.csv"}, count);
    REQUIRE(count.n == 4 * 7);
    for (std::size_t e = 0; e < 4; ++e)
        for (std::size_t b = 1; b < 7; ++b) {
            CAPTURE(e, b);
            CHECK(at[e * 7 + b] == at[e * 7 + b - 1]);
        }
    // Without the callbacks that allocate at an epoch's end (the log's line, the validations'
    // checks), the epochs themselves allocate nothing either.
    count.n = 0;
    trainer.fit(train, {.epochs = 3, .batch_size = 16}, tg::schedule_lr{sched}, count);
    CHECK(at[3 * 7 - 1] == at[0]);
    // The counter does count.
    const long before = typegrad_test::allocations();
    std::vector<float> v(10);
    CHECK(typegrad_test::allocations() > before);
}
