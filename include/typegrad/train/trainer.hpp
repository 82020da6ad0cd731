#pragma once
// The static trainer: PyTorch's loop with the optimiser as a policy. backward() ADDS the gradient of
// the batch's mean loss into every parameter's gradient; zero_grad() resets them; step() applies the
// optimiser. Forgetting zero_grad() piles gradients up exactly as in PyTorch.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/result.hpp>
#include <typegrad/detail/text.hpp>
#include <typegrad/detail/xsimd.hpp>

#include <typegrad/autodiff/data_parallel.hpp>
#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/mode.hpp>
#include <typegrad/core/param_info.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/optim/rmsprop.hpp>
#include <typegrad/optim/sgd.hpp>
#include <typegrad/parallel/threads.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/train/anomaly_report.hpp>
#include <typegrad/train/fit.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! The run-time checks of a Trainer. Always on, whatever these say: the batch's rows and width, class
//! targets, and the loss that backward() returns (one compare per batch).
struct trainer_checks {
    //! Throw if backward() follows a step() with no zero_grad() between (off: PyTorch lets the
    //! gradients pile up, and so does typegrad).
    bool zero_grad = false;
    //! Throw, naming the parameter element, the step and the batch's rows, when a gradient is NaN
    //! or infinite after backward() or before step() applies it, or a value after step() (off: a pass
    //! over the gradients per call).
    bool finite = false;
    //! Throw, naming the row and column, when a feature or target of the data is NaN or infinite
    //! (on: checked once per dataset, again only after its values change).
    bool finite_data = true;
};

//! A non-finite loss, gradient or parameter value met by a Trainer: `what()` says which, at which
//! step, for which parameter and which data rows, and what anomaly mode found on the first of those
//! rows (the op that made the first NaN or infinity); the fields say the same for code.
class non_finite_error : public std::runtime_error {
public:
    non_finite_error(const std::string& what, std::size_t step, std::string param, std::vector<std::size_t> rows,
                     std::optional<anomaly_report> anomaly = std::nullopt)
        : std::runtime_error(what),
          step_(step),
          param_(std::move(param)),
          rows_(std::move(rows)),
          anomaly_(std::move(anomaly)) {}
    //! The number of step() calls made before the fault (0: before the first step).
    std::size_t step() const noexcept { return step_; }
    //! The parameter element at fault ("fc.weight[0, 3]"), or empty for the loss.
    const std::string& param() const noexcept { return param_; }
    //! The dataset rows of the batch whose samples give a non-finite loss or gradient (all rows of
    //! the batch when no single sample does).
    const std::vector<std::size_t>& rows() const noexcept { return rows_; }
    //! What anomaly mode found re-running the first of rows() alone: the op, its sub-expression and
    //! the loss as code, the parameter; empty when no single sample gives the fault, or when the
    //! fault is a value made by step().
    const std::optional<anomaly_report>& anomaly() const noexcept { return anomaly_; }

private:
    std::size_t step_;
    std::string param_;
    std::vector<std::size_t> rows_;
    std::optional<anomaly_report> anomaly_;
};

namespace detail {
template <class Loss>
constexpr bool check_trainer_loss() {
    error::check<Expression<Loss>>(error::fault<error::trainer_needs_a_loss_expression<Loss>>);
    return true;
}
// Whether `Options` are another policy's than `Policy`'s own (see the constructors that catch them).
template <class Policy, class Options>
inline constexpr bool options_of_another_policy = !std::is_same_v<typename Policy::options, Options>;

// "data rows 3, 17 give a non-finite loss", or the batch's rows when no single sample does (found
// false). Not a member: one copy for every Trainer of the program.
[[gnu::cold, gnu::noinline]] inline std::string rows_text(const std::vector<std::size_t>& rows, bool found,
                                                          const char* what) {
    std::string list;
    for (std::size_t k = 0; k < rows.size() && k < 10; ++k)
        list += cat({k ? ", " : "", decimal(rows[k])});
    if (rows.size() > 10)
        list += cat({" and ", decimal(rows.size() - 10), " more"});
    if (!found)
        return cat({"no single sample gives a non-finite ", what, " (the batch's rows: ", list, ")"});
    return cat({rows.size() == 1 ? "data row " : "data rows ", list, rows.size() == 1 ? " gives" : " give",
                " a non-finite ", what});
}

// "fc.weight[3]": a parameter element as the trainer's messages name it.
[[gnu::cold, gnu::noinline]] inline std::string element_text(const param_info& p, std::size_t i) {
    return cat({p.name, "[", decimal(i), "]"});
}

// What the trainer's failure paths need of a trainer: its parameters' layout and buffers, its step
// count, its anomaly detector, and one call into its compiled sweep. The paths below are compiled
// once per precision T in a program, not once per model and optimiser; only `sample_loss` is the
// model's own.
template <class T>
struct trainer_faults {
    std::span<const param_info> slots;
    const T* values;
    const T* grads;
    std::size_t total;
    std::size_t steps;
    //! The loss of the batch's i-th sample alone, its gradient written into g (`total` values).
    T (*sample_loss)(const void* trainer, const data::batch_view<T>& batch, std::size_t i, T* g);
    const void* trainer;
    std::optional<anomaly_report> (*anomaly)(const T*, const T*, T);

    // The rows of the batch whose sample is bad, or all its rows when none is; and which of the two.
    struct culprits {
        std::vector<std::size_t> rows;
        bool found = false;
    };
    template <class Bad>
    static culprits rows_where(const data::batch_view<T>& batch, Bad bad) {
        culprits c;
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (bad(i))
                c.rows.push_back(batch.row(i));
        c.found = !c.rows.empty();
        if (!c.found)
            for (std::size_t i = 0; i < batch.size(); ++i)
                c.rows.push_back(batch.row(i));
        return c;
    }
    // Anomaly mode on the first row at fault (train/anomaly.hpp): the op that made the first
    // non-finite number, or nothing when no single sample gives the fault.
    std::optional<anomaly_report> anomaly_of(const data::batch_view<T>& batch, const culprits& c) const {
        if (!anomaly || !c.found)
            return std::nullopt;
        const std::size_t row = c.rows.front();
        const data::basic_dataset<T>& d = batch.dataset();
        const T* x = d.features().data() + row * d.cols();
        const T y = d.has_target() ? d.targets()[row] : T(0);
        auto report = anomaly(values, x, y);
        if (report) {
            report->row = row;
            report->step = steps;
        }
        return report;
    }
    static std::string anomaly_text(const std::optional<anomaly_report>& report) {
        return report ? cat({"; ", report->message()}) : std::string();
    }

    // The failure paths re-run the batch one sample at a time to name the rows at fault; they
    // allocate, which the training step itself never does.
    [[gnu::cold, gnu::noinline]] non_finite_error loss_error(const data::batch_view<T>& batch, T loss) const {
        std::vector<T> g(total);
        auto at_fault =
            rows_where(batch, [&](std::size_t i) { return !std::isfinite(sample_loss(trainer, batch, i, g.data())); });
        auto report = anomaly_of(batch, at_fault);
        const std::string text = cat({"typegrad: Trainer::backward at step ", decimal(steps),
                                      ": the batch's mean loss is ", std::isnan(loss) ? "NaN" : "infinite", "; ",
                                      rows_text(at_fault.rows, at_fault.found, "loss"), anomaly_text(report)});
        return non_finite_error(text, steps, "", std::move(at_fault.rows), std::move(report));
    }
    // `batch` (empty when called from step()) names the rows at fault.
    [[gnu::cold, gnu::noinline]] non_finite_error gradient_error(const data::batch_view<T>& batch,
                                                                 const char* when) const {
        for (const auto& p : slots) {
            for (std::size_t i = 0; i < p.size; ++i) {
                if (std::isfinite(grads[p.offset + i]))
                    continue;
                const std::string element = element_text(p, i);
                std::vector<std::size_t> rows;
                std::optional<anomaly_report> report;
                std::string from =
                    " (the gradients were already non-finite before this step: backward() of an "
                    "earlier batch, or code that wrote them)";
                if (!batch.empty()) {
                    std::vector<T> g(total);
                    auto at_fault = rows_where(batch, [&](std::size_t r) {
                        sample_loss(trainer, batch, r, g.data());
                        return !std::isfinite(g[p.offset + i]);
                    });
                    report = anomaly_of(batch, at_fault);
                    from = cat({"; ", rows_text(at_fault.rows, at_fault.found, "gradient there")});
                    rows = std::move(at_fault.rows);
                }
                const std::string text = cat({"typegrad: ", when, " at step ", decimal(steps), ": the gradient of '",
                                              element, "' is ", std::isnan(grads[p.offset + i]) ? "NaN" : "infinite",
                                              from, "; no parameter was changed", anomaly_text(report)});
                return non_finite_error(text, steps, element, std::move(rows), std::move(report));
            }
        }
        typegrad::detail::raise(std::logic_error("typegrad: report_gradient found every gradient finite"));
    }
    [[gnu::cold, gnu::noinline]] non_finite_error value_error() const {
        for (const auto& p : slots)
            for (std::size_t i = 0; i < p.size; ++i)
                if (!std::isfinite(values[p.offset + i])) {
                    const std::string element = element_text(p, i);
                    return non_finite_error(cat({"typegrad: step() ", decimal(steps), " made the value of '", element,
                                                 "' ", std::isnan(values[p.offset + i]) ? "NaN" : "infinite",
                                                 " from finite gradients (an overflow: lower the learning rate)"}),
                                            steps, element, {});
                }
        typegrad::detail::raise(std::logic_error("typegrad: report_value found every value finite"));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void raise_loss(const data::batch_view<T>& batch, T loss) const {
        typegrad::detail::raise(loss_error(batch, loss));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void raise_gradient(const data::batch_view<T>& batch,
                                                               const char* when) const {
        typegrad::detail::raise(gradient_error(batch, when));
    }
    [[noreturn, gnu::cold, gnu::noinline]] void raise_value() const { typegrad::detail::raise(value_error()); }
};

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_no_threads(unsigned threads) {
    typegrad::detail::raise(std::invalid_argument(
        cat({"typegrad: Trainer::set_threads(", decimal(threads),
             "): this program was compiled without OpenMP, so it runs on one thread; compile with -fopenmp "
             "(CMake: link typegrad::parallel) or set 1 thread"})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_unzeroed() {
    typegrad::detail::raise(
        std::logic_error("typegrad: backward() after step() without zero_grad(): the gradients of the previous "
                         "step are still there and this one adds to them (as in PyTorch); call zero_grad() first"));
}
}  // namespace detail

//! Trains the parameters of `Loss` with the optimiser policy `Policy` (tg::SGD, tg::Adam, ...),
//! computing in T (float or double). torch: the loop `opt.zero_grad(); loss.backward(); opt.step()`.
template <class Loss, class Policy, class T = float>
class Trainer {
    static_assert(detail::check_trainer_loss<Loss>());

public:
    using loss_type = std::remove_cv_t<std::conditional_t<Expression<Loss>, Loss, error::stand_in<scalar_shape>>>;
    using program = autodiff::program<loss_type, T>;
    using layout = typename program::layout;
    static constexpr std::size_t total = layout::total;
    static constexpr std::size_t count = layout::count;
    using optimizer_type = optim::optimizer<Policy, T, total, count>;
    using options_type = typename Policy::options;
    using dataset_type = data::basic_dataset<T>;
    using batch_type = data::batch_view<T>;

    //! A trainer over `params` (which must outlive it) with the optimiser's options.
    template <SameExpression<Loss> L>
    Trainer(Parameters<L, T>& params, options_type options = {})
        : values_(params.values().data()), grads_(params.grads().data()), optimizer_(layout::slots, options) {
        engine_.set_buffers(params.buffers().data());
    }

    template <class P>
    requires(!Expression<Loss>) Trainer(P&&, options_type options = {})
        : optimizer_(layout::slots, options) {}  // after check_trainer_loss's message

    template <SameExpression<Loss> L, class U>
    requires(!std::is_same_v<U, T>) Trainer(Parameters<L, U>&, options_type options = {})
        : optimizer_(layout::slots, options) {
        error::check<std::is_same_v<U, T>>(error::fault<error::trainer_precision_mismatch>);
    }

    template <Expression L, class U>
    requires(Expression<Loss> && !SameExpression<L, Loss>) Trainer(Parameters<L, U>&, options_type options = {})
        : optimizer_(layout::slots, options) {
        error::check<SameExpression<L, Loss>>(error::fault<error::trainer_parameters_of_another_loss>);
    }

    // Options of another policy (`{.lr = 0.01, .momentum = 0.9}` given to tg::Adam): a braced list
    // that SGD's, Adam's or RMSprop's `options` accept and the policy's do not. The reference to the
    // parameters ranks the overloads: the plain one above beats all three, SGD's (const) and
    // Adam's (volatile) each beat RMSprop's (const volatile). Lists that both SGD's and Adam's
    // accept (.lr, .weight_decay, .maximize only) fit nearly every policy, so that tie is rare.
    template <SameExpression<Loss> L>
    requires detail::options_of_another_policy<Policy, optim::SGD::options> Trainer(const Parameters<L, T>&,
                                                                                    optim::SGD::options)
        : optimizer_(layout::slots, {}) {
        error::check<!SameExpression<L, L>>(
            error::fault<error::options_written_for<optim::SGD, error::given_to<Policy>>>);
    }
    template <SameExpression<Loss> L>
    requires detail::options_of_another_policy<Policy, optim::Adam::options> Trainer(volatile Parameters<L, T>&,
                                                                                     optim::Adam::options)
        : optimizer_(layout::slots, {}) {
        error::check<!SameExpression<L, L>>(
            error::fault<error::options_written_for<optim::Adam, error::given_to<Policy>>>);
    }
    template <SameExpression<Loss> L>
    requires detail::options_of_another_policy<Policy, optim::RMSprop::options> Trainer(
        const volatile Parameters<L, T>&, optim::RMSprop::options)
        : optimizer_(layout::slots, {}) {
        error::check<!SameExpression<L, L>>(
            error::fault<error::options_written_for<optim::RMSprop, error::given_to<Policy>>>);
    }

    //! Sets every gradient to zero. torch: `optimizer.zero_grad()`.
    void zero_grad() noexcept {
        for (std::size_t k = 0; k < total; ++k)
            grads_[k] = T(0);
        stepped_since_zero_ = false;
    }

    //! Adds d(mean loss over the batch)/d(params) into the gradients and returns that mean loss.
    //! torch: `loss = loss_fn(model(X[rows]), y[rows]); loss.backward()`. Allocates nothing.
    //!
    //! Throws std::out_of_range or std::invalid_argument when the batch does not fit the model (see
    //! data/feed.hpp), and non_finite_error when the loss (always checked) or, with
    //! `trainer_checks::finite`, a gradient is not finite; the gradients then hold the batch's
    //! contribution, so call zero_grad() before going on.
    T backward(const batch_type& batch) {
        if (checks_.zero_grad && stepped_since_zero_)
            detail::fail_unzeroed();
        const auto rows = training(feed(batch, "Trainer::backward"));
        const T loss = engine_.backward(values_, grads_, rows);
        if (!std::isfinite(loss))
            faults().raise_loss(batch, loss);
        if (checks_.finite)
            check_gradients(batch, "backward()");
        return loss;
    }
    T backward(const dataset_type& data) { return backward(batch_type(data)); }

    //! backward() that returns the non_finite_error of a non-finite loss (or, with
    //! `trainer_checks::finite`, gradient) instead of raising it, in a build with or without
    //! exceptions; the gradients then hold the batch's contribution, as after backward(). A batch
    //! that does not fit the model, and backward() without zero_grad() under
    //! `trainer_checks::zero_grad`, are the program's faults and still raised.
    result<T, non_finite_error> try_backward(const batch_type& batch) {
        if (checks_.zero_grad && stepped_since_zero_)
            detail::fail_unzeroed();
        const auto rows = training(feed(batch, "Trainer::backward"));
        const T loss = engine_.backward(values_, grads_, rows);
        if (!std::isfinite(loss))
            return faults().loss_error(batch, loss);
        if (checks_.finite)
            for (std::size_t i = 0; i < total; ++i)
                if (!std::isfinite(grads_[i]))
                    return faults().gradient_error(batch, "backward()");
        return loss;
    }
    result<T, non_finite_error> try_backward(const dataset_type& data) { return try_backward(batch_type(data)); }

    //! Applies one optimiser step to every parameter. torch: `optimizer.step()`. A step that throws
    //! (an invalid hyperparameter, a non-finite gradient with `trainer_checks::finite`) changes
    //! nothing.
    void step() {
        if (checks_.finite)
            check_gradients(batch_type(), "step()");
        apply_step();
        ++steps_;
        stepped_since_zero_ = true;
        if (checks_.finite)
            check_values();
    }

    //! step() that returns the non_finite_error of `trainer_checks::finite` (a non-finite gradient
    //! before the step, which then changes nothing, or a non-finite value after it) instead of
    //! raising it, in a build with or without exceptions. Without that check it never fails.
    result<void, non_finite_error> try_step() {
        if (checks_.finite)
            for (std::size_t i = 0; i < total; ++i)
                if (!std::isfinite(grads_[i]))
                    return faults().gradient_error(batch_type(), "step()");
        apply_step();
        ++steps_;
        stepped_since_zero_ = true;
        if (checks_.finite)
            for (std::size_t i = 0; i < total; ++i)
                if (!std::isfinite(values_[i]))
                    return faults().value_error();
        return {};
    }

    //! The mean loss over the rows (forward only; gradients untouched).
    T loss(const batch_type& batch) const { return engine_.loss(values_, feed(batch, "Trainer::loss")); }
    T loss(const dataset_type& data) const { return loss(batch_type(data)); }

    //! The optimiser: its parameter groups (`param_groups()[g].options.lr`) and state; a scheduler is
    //! made over it: `tg::StepLR sched{trainer.optimizer(), {.step_size = 10}}`.
    optimizer_type& optimizer() noexcept { return optimizer_; }
    const optimizer_type& optimizer() const noexcept { return optimizer_; }

    //! The number of step() calls made so far.
    std::size_t steps() const noexcept { return steps_; }
    //! Sets the count of steps made, for a resumed run (tg::load does it from the checkpoint).
    void set_steps(std::size_t n) noexcept { steps_ = n; }

    //! Whether the model has ops that train differently from how they evaluate (tg::Dropout, tg::BatchNorm1d):
    //! backward() runs them in training mode (torch's `model.train()`), loss() and everything
    //! else in evaluation mode (`model.eval()`). Known at compile time; false costs nothing.
    static constexpr bool has_training_mode =
        autodiff::has_mode_dependent<typename program::nodes> || program::batch_level;
    //! Sets the seed of the random ops (dropout's masks; 0 by default). A mask is a function of the
    //! seed, steps(), the op's place in the model, the sample's row in its dataset and the element:
    //! the same for every thread count, and resumed exactly from a checkpoint (which keeps both).
    void set_seed(std::uint64_t seed) noexcept { mode_.seed = seed; }
    std::uint64_t seed() const noexcept { return mode_.seed; }
    //! A test hook: `keep(context, site, row, element)` decides which elements the dropout at
    //! `site` (its place among the model's dropouts) keeps for the sample of dataset row `row`,
    //! instead of the generator; null restores the generator. Replays torch's recorded masks.
    void set_dropout_masks(bool (*keep)(const void*, std::size_t, std::uint64_t, std::size_t),
                           const void* context) noexcept {
        mode_.keep = keep;
        mode_.keep_context = context;
    }

    //! Runs `options.epochs` epochs over `train` (shuffle, zero_grad(), backward(), step() per batch),
    //! calling the callbacks' hooks (tg::progress_bar, tg::validation, tg::early_stopping, ... or
    //! any struct with some of them): see train/fit.hpp and docs/fit.md.
    template <class... Callbacks>
    fit_summary fit(const dataset_type& train, const fit_options& options, Callbacks&&... callbacks) {
        return fit_detail::loop::run(*this, std::span<T>(values_, total), train, options, callbacks...);
    }

    //! Runs backward() and loss() on `threads` threads (0: every core, parallel::hardware_threads()),
    //! and step() too when the model has enough parameters to gain from it; 1 (the default): the
    //! calling thread alone. Every thread count gives the same bits: a batch is cut into chunks whose
    //! size depends on the model and the batch's rows only, and their gradients are added up in one
    //! fixed order (autodiff/data_parallel.hpp); small batches stay one chunk on the calling thread.
    //! More than one thread needs a program compiled with OpenMP (-fopenmp; CMake: link
    //! typegrad::parallel), else std::invalid_argument. Allocates each thread's scratch here, never
    //! in a step.
    void set_threads(unsigned threads) {
        if (threads == 0)
            threads = parallel::hardware_threads();
        if (threads > 1 && !parallel::available)
            detail::fail_no_threads(threads);
        engine_.set_threads(threads);
    }
    //! The threads backward(), loss() and step() run on.
    unsigned threads() const noexcept { return engine_.threads(); }
    //! Sets the fewest rows of a chunk of a batch (0, the default: as many as make a chunk worth a
    //! thread for this model's size, autodiff::chunking). Like the batch size it decides the order in
    //! which the rows' gradients are added up, so results depend on it; they never depend on threads().
    void set_min_chunk_rows(std::size_t rows) noexcept { engine_.set_min_chunk_rows(rows); }
    //! The chunks a batch of `rows` rows is cut into, and their rows.
    autodiff::chunking chunks_of(std::size_t rows) const noexcept { return engine_.chunks_of(rows); }

    //! Sets the run-time checks.
    void set_checks(trainer_checks checks) noexcept { checks_ = checks; }

    //! Anomaly mode's checked evaluation of one sample (parameters, features, target), or null.
    using anomaly_detector = std::optional<anomaly_report> (*)(const T*, const T*, T);
    //! What a non_finite_error of backward() runs on the first row at fault, to name the op that
    //! made the first NaN or infinity; null (the default) runs nothing. `tg::detect_anomaly(trainer)`
    //! (typegrad/train/anomaly.hpp) sets it: the checked evaluation is compiled only in programs
    //! that ask for it.
    void set_anomaly_detector(anomaly_detector detector) noexcept { anomaly_ = detector; }
    anomaly_detector get_anomaly_detector() const noexcept { return anomaly_; }

private:
    autodiff::sample_source<T> feed(const batch_type& batch, std::string_view who) const {
        return data::feed<typename program::input, typename program::target, typename program::index_columns>(
            batch, who, {checks_.finite_data});
    }
    // backward()'s rows: in training mode, at this step, when the model has a mode-dependent op.
    autodiff::sample_source<T> training(autodiff::sample_source<T> rows) {
        if constexpr (has_training_mode) {
            mode_.step = steps_;
            rows.mode = &mode_;
        }
        return rows;
    }

    // What the failure paths (detail::trainer_faults, one copy per T) need of this trainer.
    typegrad::detail::trainer_faults<T> faults() const noexcept {
        return {layout::slots, values_, grads_, total, steps_, &sample_loss, this, anomaly_};
    }
    // The loss of the batch's i-th sample alone, and its gradient into g, by the same compiled
    // sweep as backward() (a one-row batch): a scalar evaluation would compile the model twice.
    static T sample_loss(const void* self, const batch_type& batch, std::size_t i, T* g) {
        const Trainer& t = *static_cast<const Trainer*>(self);
        const auto row = static_cast<std::uint32_t>(batch.row(i));
        const batch_type one(batch.dataset(), std::span<const std::uint32_t>(&row, 1));
        std::fill(g, g + total, T(0));
        // The lane scratch of backward(), whose batch is done: it holds nothing between calls.
        return program::backward(t.values_, g, t.engine_.scratch(0), t.feed(one, "Trainer::backward"));
    }
    void apply_step() {
        const parallel::step_threads_scope scope(engine_.threads());
        optimizer_.step(values_, grads_);
    }
    // Checks the gradients; `batch` (empty when called from step()) names the rows at fault.
    void check_gradients(const batch_type& batch, const char* when) const {
        for (std::size_t i = 0; i < total; ++i)
            if (!std::isfinite(grads_[i]))
                faults().raise_gradient(batch, when);
    }
    void check_values() const {
        for (std::size_t i = 0; i < total; ++i)
            if (!std::isfinite(values_[i]))
                faults().raise_value();
    }

    T* values_ = nullptr;
    T* grads_ = nullptr;
    optimizer_type optimizer_;
    autodiff::data_parallel<program> engine_;
    trainer_checks checks_{};
    anomaly_detector anomaly_ = nullptr;
    std::size_t steps_ = 0;
    mode_state mode_{};  // what backward()'s training sweeps draw from: the seed, the step
    bool stepped_since_zero_ = false;
};

}  // namespace TYPEGRAD_NS
