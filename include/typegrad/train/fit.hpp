#pragma once
// Trainer::fit: the epoch loop of PyTorch (shuffle, zero_grad(), backward(), step() per batch) with
// callbacks that are types. A callback is any object with some of the hooks below; fit finds them
// at compile time (a requires-expression per hook), so a hook a callback does not have costs
// nothing, and no call is virtual. The hooks, in the order fit calls them (docs/fit.md):
//
//   on_fit_begin(ctx)                         once, before the first epoch
//   per epoch:  on_epoch_begin(ctx)
//               per batch: on_step_begin(ctx), zero_grad(), backward(), step(), on_step_end(ctx)
//               on_evaluate(ctx)              validations add their metrics here
//               on_epoch_end(ctx)             and the others read them here
//   on_fit_end(ctx)                           once, after the last epoch or a stop
//   on_message(ctx, text)                     whenever a callback calls ctx.message(text)
//
// Within a hook, callbacks are called in the order given to fit. A hook stops the fit with
// ctx.request_stop(): the epoch's remaining batches are skipped, the epoch ends (on_evaluate,
// on_epoch_end) and on_fit_end follows.
//
// The batches are those of tg::data::batches(train, batch_size, tg::data::shuffle{shuffle_seed +
// epoch}, drop_last) (data/batches.hpp), so an explicit loop with these seeds follows the same
// trajectory bit for bit. fit allocates once, before the first epoch (the visiting order); a step
// allocates nothing beyond what the callbacks do.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/data/batches.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>
#include <typegrad/train/position.hpp>

namespace TYPEGRAD_NS {

namespace fit_detail {
struct loop;

// fit's errors, built out of line: the loop is compiled for every trainer that fits, its failure
// paths once.
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_start_seed(std::uint64_t saved, std::uint64_t given) {
    using typegrad::detail::cat;
    using typegrad::detail::decimal;
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: fit: the start position was saved with shuffle seed ", decimal(saved), ", and the options say ",
             decimal(given), " (a resumed run visits the batches again)"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_start_past_end(std::uint64_t epoch, std::uint64_t batch,
                                                                       std::size_t epochs, std::size_t batches) {
    using typegrad::detail::cat;
    using typegrad::detail::decimal;
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: fit: the start position (epoch ", decimal(epoch), ", batch ", decimal(batch),
             ") is past the end of the fit (", decimal(epochs), " epochs of ", decimal(batches), " batches)"})));
}
}  // namespace fit_detail

//! What Trainer::fit runs: `epochs` epochs of `batch_size`-row batches, the rows of epoch e visited
//! in the order tg::data::shuffle{shuffle_seed + e} gives (dataset order when `shuffle` is false),
//! the last, shorter batch dropped when `drop_last`. `start`: where a resumed run begins (the
//! tg::data_position of its checkpoint; its seed must be `shuffle_seed`); epochs count from 0, so
//! a run resumed at epoch 3 runs epochs 3 to epochs - 1.
struct fit_options {
    std::size_t epochs = 1;
    std::size_t batch_size = 32;
    bool shuffle = true;
    std::uint64_t shuffle_seed = 0;
    bool drop_last = false;
    data_position start{};
};

//! A metric of the epoch, added by a callback in on_evaluate (tg::validation): its name
//! ("accuracy"), value, and whether a higher value is better. The name must outlive the fit.
struct metric_value {
    std::string_view name;
    double value = 0;
    bool higher_is_better = true;
};

//! What Trainer::fit returns: the epochs run (in this call), the trainer's step count at the end,
//! and whether a callback stopped the fit before its last epoch.
struct fit_summary {
    std::size_t epochs_run = 0;
    std::size_t steps = 0;
    bool stopped = false;
};

//! What every hook receives: the trainer, the run's options and data, where the fit is, the losses
//! so far, the epoch's metrics; and the three things a hook may do besides its own work: stop the
//! fit, add a metric, say something.
template <class Trainer, class T>
class fit_context {
public:
    //! The most metrics an epoch holds.
    static constexpr std::size_t max_metrics = 16;

    //! The trainer (its optimiser, for a scheduler; steps(); loss()).
    Trainer& trainer;
    //! The options fit was called with.
    const fit_options& options;
    //! The training rows.
    const data::basic_dataset<T>& train;
    //! The trained parameters' values, flat (Parameters::values()), which a hook may read or write
    //! (tg::early_stopping restores them).
    std::span<T> parameters;
    //! The batches of an epoch.
    std::size_t batches = 0;

    //! The epoch running (from 0); after the last, the one that would come next.
    std::size_t epoch() const noexcept { return epoch_; }
    //! The batch of the epoch being (or last) run, from 0.
    std::size_t batch() const noexcept { return batch_; }
    //! The rows of that batch.
    std::size_t batch_rows() const noexcept { return batch_rows_; }
    //! The mean loss of the last batch (what backward() returned); valid from on_step_end on.
    double loss() const noexcept { return loss_; }
    //! The batches run in this epoch so far, and the rows they held.
    std::size_t epoch_steps() const noexcept { return epoch_steps_; }
    std::size_t epoch_rows() const noexcept { return epoch_rows_; }
    //! The mean of the batch losses of this epoch so far (NaN before the first step).
    double epoch_loss() const noexcept {
        return epoch_steps_ ? loss_sum_ / static_cast<double>(epoch_steps_) : std::numeric_limits<double>::quiet_NaN();
    }
    //! The learning rate of the first parameter group at the last step of the fit (before any
    //! scheduler stepped after it).
    double lr() const noexcept { return lr_; }
    //! The batches this fit has run (not counting those of the run a resumed fit continues).
    std::size_t steps_run() const noexcept { return steps_run_; }
    //! The batches this fit will run in all if no callback stops it.
    std::size_t steps_planned() const noexcept { return steps_planned_; }

    //! Where the next batch of the fit is (the epoch and batch, with the options' shuffle seed): what a
    //! checkpoint saved now resumes from. From on_step_end of an epoch's last batch on, the next
    //! epoch's first batch.
    data_position next_position() const noexcept { return {next_epoch_, next_batch_, options.shuffle_seed}; }

    //! Asks the fit to stop: the epoch's remaining batches are skipped, the epoch ends, then the fit.
    void request_stop() noexcept { stop_ = true; }
    bool stop_requested() const noexcept { return stop_; }

    //! Adds a metric to this epoch (from on_evaluate). Throws std::length_error past max_metrics
    //! and std::invalid_argument when the epoch has one of that name already.
    void add_metric(std::string_view name, double value, bool higher_is_better) {
        if (metric(name))
            typegrad::detail::raise(std::invalid_argument("typegrad: fit: two metrics named '" + std::string(name) +
                                                          "' in one epoch; give the validations different names"));
        if (metric_count_ == max_metrics)
            typegrad::detail::raise(
                std::length_error("typegrad: fit: more than " + std::to_string(max_metrics) + " metrics in one epoch"));
        metrics_[metric_count_++] = {name, value, higher_is_better};
    }
    //! The epoch's metric of that name, or nullptr (none yet, or before on_evaluate).
    const metric_value* metric(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < metric_count_; ++i)
            if (metrics_[i].name == name)
                return &metrics_[i];
        return nullptr;
    }
    //! Every metric of the epoch, in the order they were added.
    std::span<const metric_value> metrics() const noexcept { return {metrics_.data(), metric_count_}; }

    //! Passes `text` (one line, no newline) to every callback's on_message (tg::progress_bar
    //! prints it).
    void message(std::string_view text) { say_(say_to_, *this, text); }

    fit_context(Trainer& t, const fit_options& o, const data::basic_dataset<T>& d, std::span<T> values)
        : trainer(t), options(o), train(d), parameters(values) {}

private:
    friend struct fit_detail::loop;

    std::size_t epoch_ = 0, batch_ = 0, batch_rows_ = 0, epoch_steps_ = 0, epoch_rows_ = 0;
    std::size_t steps_run_ = 0, steps_planned_ = 0;
    double loss_ = std::numeric_limits<double>::quiet_NaN(), loss_sum_ = 0, lr_ = 0;
    std::uint64_t next_epoch_ = 0, next_batch_ = 0;
    bool stop_ = false;
    std::array<metric_value, max_metrics> metrics_{};
    std::size_t metric_count_ = 0;
    void (*say_)(void*, fit_context&, std::string_view) = [](void*, fit_context&, std::string_view) {};
    void* say_to_ = nullptr;
};

namespace fit_detail {

template <class C, class Ctx>
concept has_any_hook = requires(C& c, Ctx& ctx, std::string_view s) {
    c.on_fit_begin(ctx);
}
|| requires(C& c, Ctx& ctx) { c.on_epoch_begin(ctx); }
|| requires(C& c, Ctx& ctx) { c.on_step_begin(ctx); }
|| requires(C& c, Ctx& ctx) { c.on_step_end(ctx); }
|| requires(C& c, Ctx& ctx) { c.on_evaluate(ctx); }
|| requires(C& c, Ctx& ctx) { c.on_epoch_end(ctx); }
|| requires(C& c, Ctx& ctx) { c.on_fit_end(ctx); }
|| requires(C& c, Ctx& ctx, std::string_view s) { c.on_message(ctx, s); };

template <class C, class Ctx>
constexpr bool check_callback() {
    static_assert(has_any_hook<C, Ctx>,
                  "typegrad: fit: a callback has none of the hooks on_fit_begin, on_epoch_begin, on_step_begin, "
                  "on_step_end, on_evaluate, on_epoch_end, on_fit_end (each taking the fit_context&), on_message "
                  "(fit_context&, std::string_view): is a name misspelt, or a parameter not a reference?");
    return true;
}

// The messages of ctx.message(), to every callback's on_message.
template <class Ctx, class... C>
struct listeners {
    std::tuple<C&...> callbacks;
    static void say(void* self, Ctx& ctx, std::string_view text) {
        auto& l = *static_cast<listeners*>(self);
        std::apply(
            [&](auto&... c) {
                [[maybe_unused]] const auto one = [&](auto& cb) {
                    if constexpr (requires { cb.on_message(ctx, text); })
                        cb.on_message(ctx, text);
                };
                (one(c), ...);
            },
            l.callbacks);
    }
};

// One hook: calls it on every callback that has it, in order.
#define TYPEGRAD_FIT_HOOK_TAG(tag, hook)                      \
    struct tag {                                              \
        template <class Ctx, class... C>                      \
        static void call(Ctx& ctx, C&... callbacks) {         \
            [[maybe_unused]] const auto one = [&](auto& cb) { \
                if constexpr (requires { cb.hook(ctx); })     \
                    cb.hook(ctx);                             \
            };                                                \
            (one(callbacks), ...);                            \
        }                                                     \
    }
TYPEGRAD_FIT_HOOK_TAG(fit_begin, on_fit_begin);
TYPEGRAD_FIT_HOOK_TAG(epoch_begin, on_epoch_begin);
TYPEGRAD_FIT_HOOK_TAG(step_begin, on_step_begin);
TYPEGRAD_FIT_HOOK_TAG(step_end, on_step_end);
TYPEGRAD_FIT_HOOK_TAG(evaluate, on_evaluate);
TYPEGRAD_FIT_HOOK_TAG(epoch_end, on_epoch_end);
TYPEGRAD_FIT_HOOK_TAG(fit_end, on_fit_end);
#undef TYPEGRAD_FIT_HOOK_TAG

struct loop {
    //! The loop of Trainer::fit (which passes its parameter values); see the top of this file.
    template <class Tr, class T, class... C>
    static fit_summary run(Tr& trainer, std::span<T> values, const data::basic_dataset<T>& train, const fit_options& o,
                           C&... callbacks) {
        using context = fit_context<Tr, T>;
        static_assert((check_callback<C, context>() && ...));
        if (o.batch_size == 0)
            typegrad::detail::raise(
                std::invalid_argument("typegrad: fit: expected a batch size of at least 1, found 0"));
        const std::size_t n = train.rows();
        data::detail::check_row_count(n, "fit");
        const std::size_t batches = o.drop_last ? n / o.batch_size : (n + o.batch_size - 1) / o.batch_size;
        const data_position& s = o.start;
        if (s != data_position{} && s.seed != o.shuffle_seed)
            fail_start_seed(s.seed, o.shuffle_seed);
        if (s.epoch > o.epochs || (s.batch != 0 && (s.batch >= batches || s.epoch == o.epochs)))
            fail_start_past_end(s.epoch, s.batch, o.epochs, batches);

        context ctx(trainer, o, train, values);
        listeners<context, C...> l{{callbacks...}};
        ctx.say_ = &listeners<context, C...>::say;
        ctx.say_to_ = &l;
        ctx.batches = batches;
        ctx.epoch_ = static_cast<std::size_t>(s.epoch);
        ctx.next_epoch_ = s.epoch;
        ctx.next_batch_ = s.batch;
        ctx.steps_planned_ = (o.epochs - ctx.epoch_) * batches - static_cast<std::size_t>(s.batch);

        std::vector<std::uint32_t> order(o.shuffle ? n : 0);
        fit_summary summary;
        fit_begin::call(ctx, callbacks...);
        for (; ctx.epoch_ < o.epochs && !ctx.stop_; ++ctx.epoch_) {
            ctx.epoch_steps_ = ctx.epoch_rows_ = 0;
            ctx.loss_sum_ = 0;
            ctx.metric_count_ = 0;
            if (o.shuffle) {
                std::iota(order.begin(), order.end(), std::uint32_t{0});
                data::shuffle_rows(order, o.shuffle_seed + ctx.epoch_);
            }
            epoch_begin::call(ctx, callbacks...);
            for (std::size_t b = ctx.epoch_ == s.epoch ? static_cast<std::size_t>(s.batch) : 0;
                 b < batches && !ctx.stop_; ++b) {
                const std::size_t first = b * o.batch_size, rows = std::min(o.batch_size, n - first);
                const data::batch_view<T> batch =
                    o.shuffle ? data::batch_view<T>(train, std::span<const std::uint32_t>(order.data() + first, rows))
                              : data::batch_view<T>(train, first, rows);
                ctx.batch_ = b;
                ctx.batch_rows_ = rows;
                step_begin::call(ctx, callbacks...);
                trainer.zero_grad();
                const T loss = trainer.backward(batch);
                ctx.lr_ = trainer.optimizer().param_groups()[0].options.lr;
                trainer.step();
                ctx.loss_ = static_cast<double>(loss);
                ctx.loss_sum_ += ctx.loss_;
                ++ctx.epoch_steps_;
                ctx.epoch_rows_ += rows;
                ++ctx.steps_run_;
                ctx.next_epoch_ = b + 1 == batches ? ctx.epoch_ + 1 : ctx.epoch_;
                ctx.next_batch_ = b + 1 == batches ? 0 : b + 1;
                step_end::call(ctx, callbacks...);
            }
            evaluate::call(ctx, callbacks...);
            epoch_end::call(ctx, callbacks...);
            ++summary.epochs_run;
        }
        summary.stopped = ctx.stop_ && ctx.epoch_ < o.epochs;
        fit_end::call(ctx, callbacks...);
        summary.steps = trainer.steps();
        return summary;
    }
};

}  // namespace fit_detail

}  // namespace TYPEGRAD_NS
