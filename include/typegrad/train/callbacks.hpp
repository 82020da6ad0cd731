#pragma once
// The built-in callbacks of Trainer::fit (train/fit.hpp, docs/fit.md): a progress bar, validation
// with any metric, a CSV log, early stopping, scheduler stepping. tg::save_every, which writes
// checkpoints, is in train/save_every.hpp (it brings the checkpoint format's JSON).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/schedulers.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/predict.hpp>
#include <typegrad/train/fit.hpp>

namespace TYPEGRAD_NS {

namespace callback_detail {

// Whether standard error is a terminal.
inline bool stderr_is_terminal() noexcept {
#if __has_include(<unistd.h>)
    return ::isatty(2) == 1;
#else
    return false;
#endif
}

// Seconds on a steady clock (the progress bar's rate and time left): POSIX's monotonic clock where
// there is one, else calendar time. Not <chrono>, which C++20 made a calendar and time-zone library
// that would cost every program that includes typegrad a third of a second to parse.
inline double clock_seconds() noexcept {
    std::timespec t{};
#if defined(CLOCK_MONOTONIC)
    ::clock_gettime(CLOCK_MONOTONIC, &t);
#else
    std::timespec_get(&t, TIME_UTC);
#endif
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// "1:05", "1:02:03": a duration of whole seconds.
inline int clock_text(char* out, std::size_t size, double seconds) {
    if (!(seconds >= 0) || seconds > 1e8)
        return std::snprintf(out, size, "?");
    const auto s = static_cast<long long>(seconds + 0.5);
    if (s >= 3600)
        return std::snprintf(out, size, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    return std::snprintf(out, size, "%lld:%02lld", s / 60, s % 60);
}

// The shortest text that reads back as the same double.
inline void append_number(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// The monitored metric of the epoch (the first one when `name` is empty); throws when it is missing.
template <class Ctx>
const metric_value& monitored(const Ctx& ctx, std::string_view name, const char* who) {
    const metric_value* m = name.empty() ? (ctx.metrics().empty() ? nullptr : &ctx.metrics()[0]) : ctx.metric(name);
    if (!m)
        typegrad::detail::raise(
            std::invalid_argument(std::string("typegrad: ") + who + ": epoch " + std::to_string(ctx.epoch()) +
                                  " has no metric" + (name.empty() ? "" : " '" + std::string(name) + "'") +
                                  "; a tg::validation (or any callback's on_evaluate) given to fit adds it"));
    return *m;
}

template <class S>
inline constexpr bool steps_per_batch_v = false;
template <class Opt>
inline constexpr bool steps_per_batch_v<optim::OneCycleLR<Opt>> = true;
template <class Opt>
inline constexpr bool steps_per_batch_v<optim::CyclicLR<Opt>> = true;

}  // namespace callback_detail

// ---- progress ---------------------------------------------------------------------------------------

//! Where tg::progress_bar writes and how.
struct progress_options {
    //! The stream (nullptr: std::cerr).
    std::ostream* out = nullptr;
    //! Redraw one line in place (`\r`) as the batches go (true), or print one plain line per epoch
    //! (false). Unset: in place when `out` is std::cerr and standard error is a terminal (isatty).
    std::optional<bool> terminal{};
    //! In place, the line is redrawn at most this often (0: after every batch).
    double redraw_seconds = 0.1;
};

//! Prints the fit's progress: the epoch, the batch, the running mean loss of the epoch, rows per
//! second and the time left (ETA) for the whole fit; at the end of each epoch one line with the
//! epoch's metrics; and every message of the other callbacks (tg::early_stopping's). Writes
//! through a fixed buffer: no allocation per batch.
class progress_bar {
public:
    explicit progress_bar(progress_options o = {})
        : out_(o.out ? o.out : &std::cerr),
          terminal_(o.terminal ? *o.terminal : (out_ == &std::cerr && callback_detail::stderr_is_terminal())),
          redraw_(o.redraw_seconds) {}

    //! Whether the line is redrawn in place.
    bool in_place() const noexcept { return terminal_; }

    template <class Ctx>
    void on_fit_begin(Ctx&) {
        fit_start_ = callback_detail::clock_seconds();
        shown_ = 0;
    }
    template <class Ctx>
    void on_epoch_begin(Ctx&) {
        epoch_start_ = last_draw_ = callback_detail::clock_seconds();
    }
    template <class Ctx>
    void on_step_end(Ctx& ctx) {
        if (!terminal_)
            return;
        const auto now = callback_detail::clock_seconds();
        if (seconds(last_draw_, now) < redraw_ && ctx.batch() + 1 != ctx.batches)
            return;
        last_draw_ = now;
        const double epoch_s = seconds(epoch_start_, now);
        int n = std::snprintf(buf_, size, "\repoch %3zu  batch %zu/%zu  loss %.4f  %.0f rows/s  ETA ", ctx.epoch(),
                              ctx.batch() + 1, ctx.batches, ctx.epoch_loss(), rate(ctx.epoch_rows(), epoch_s));
        n += callback_detail::clock_text(buf_ + n, size - static_cast<std::size_t>(n), eta(ctx, now));
        draw(n);
    }
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        const auto now = callback_detail::clock_seconds();
        const double epoch_s = seconds(epoch_start_, now);
        int n =
            std::snprintf(buf_, size, "%sepoch %3zu  loss %.4f", terminal_ ? "\r" : "", ctx.epoch(), ctx.epoch_loss());
        for (const metric_value& m : ctx.metrics())
            if (static_cast<std::size_t>(n) + m.name.size() + 32 < size)
                n += std::snprintf(buf_ + n, size - static_cast<std::size_t>(n), "  val_%.*s %.4f",
                                   static_cast<int>(m.name.size()), m.name.data(), m.value);
        n += std::snprintf(buf_ + n, size - static_cast<std::size_t>(n), "  %.0f rows/s  %.1fs  ETA ",
                           rate(ctx.epoch_rows(), epoch_s), epoch_s);
        n += callback_detail::clock_text(buf_ + n, size - static_cast<std::size_t>(n), eta(ctx, now));
        draw(n);
        out_->put('\n');
        out_->flush();
        shown_ = 0;
    }
    template <class Ctx>
    void on_message(Ctx&, std::string_view text) {
        if (shown_) {
            out_->put('\n');
            shown_ = 0;
        }
        out_->write(text.data(), static_cast<std::streamsize>(text.size()));
        out_->put('\n');
        out_->flush();
    }
    template <class Ctx>
    void on_fit_end(Ctx&) {
        if (shown_)
            out_->put('\n');
        shown_ = 0;
        out_->flush();
    }

private:
    static constexpr std::size_t size = 512;
    static double seconds(double a, double b) { return b - a; }
    static double rate(std::size_t rows, double s) { return s > 0 ? static_cast<double>(rows) / s : 0.0; }
    // The fit's time left: its batches left at the mean time of a batch so far (validations included).
    template <class Ctx>
    double eta(const Ctx& ctx, double now) const {
        if (ctx.steps_run() == 0)
            return -1;
        return seconds(fit_start_, now) / static_cast<double>(ctx.steps_run()) *
               static_cast<double>(ctx.steps_planned() - ctx.steps_run());
    }
    // Writes the buffer's n characters; in place, spaces over what is left of a longer line before.
    void draw(int n) {
        if (n < 0)
            return;
        auto len = std::min(static_cast<std::size_t>(n), size - 1);
        const std::size_t text = len - (terminal_ ? 1 : 0);  // without the '\r'
        out_->write(buf_, static_cast<std::streamsize>(len));
        for (std::size_t i = text; i < shown_; ++i)
            out_->put(' ');
        shown_ = terminal_ ? text : 0;
        if (terminal_)
            out_->flush();
    }

    std::ostream* out_;
    bool terminal_;
    double redraw_;
    double fit_start_ = 0, epoch_start_ = 0, last_draw_ = 0;  // clock_seconds()
    std::size_t shown_ = 0;  // the characters of the line drawn in place, 0 when none is
    char buf_[size]{};
};

// ---- validation -------------------------------------------------------------------------------------

//! Evaluates `expr` (the model inside the loss) on held-out rows at the end of every epoch and adds
//! `metric(predictions, targets)` to the epoch's metrics as `name`: any callable taking two
//! std::span<const T> (predictions row after row, targets) and returning a double, as tg::accuracy
//! and tg::r2 do. The predictions' buffer is made once, here; the rows and parameters must outlive it.
//! torch: `model.eval(); with torch.no_grad(): metric(model(X_val), y_val)`.
template <class Expr, class L, class T, class Metric = double (*)(std::span<const T>, std::span<const T>)>
class validation {
public:
    validation(Expr expr, const Parameters<L, T>& params, const data::basic_dataset<T>& rows, std::string name,
               Metric metric, bool higher_is_better = true)
        : expr_(expr),
          params_(&params),
          rows_(&rows),
          name_(std::move(name)),
          metric_(std::move(metric)),
          higher_(higher_is_better),
          predictions_(rows.rows() * size_of<std::remove_cv_t<Expr>>) {
        if (name_.empty())
            typegrad::detail::raise(
                std::invalid_argument("typegrad: validation: expected a metric name, found an empty one"));
    }
    // A temporary dataset would be gone before the first epoch ends: keep it in a variable.
    validation(Expr, const Parameters<L, T>&, const data::basic_dataset<T>&&, std::string, Metric,
               bool = true) = delete;

    template <class Ctx>
    void on_evaluate(Ctx& ctx) {
        predict(expr_, *params_, rows_->all(), std::span<T>(predictions_));
        last_ = static_cast<double>(metric_(std::span<const T>(predictions_), rows_->targets()));
        ctx.add_metric(name_, last_, higher_);
    }

    //! The metric's name, and its value at the end of the last epoch.
    const std::string& name() const noexcept { return name_; }
    double last() const noexcept { return last_; }

private:
    Expr expr_;
    const Parameters<L, T>* params_;
    const data::basic_dataset<T>* rows_;
    std::string name_;
    Metric metric_;
    bool higher_;
    std::vector<T> predictions_;
    double last_ = std::numeric_limits<double>::quiet_NaN();
};

//! Adds the trainer's mean loss over held-out rows to every epoch's metrics as `name` (lower is
//! better). torch: `with torch.no_grad(): loss_fn(model(X_val), y_val)`.
template <class T>
class validation_loss {
public:
    explicit validation_loss(const data::basic_dataset<T>& rows, std::string name = "loss")
        : rows_(&rows), name_(std::move(name)) {}
    explicit validation_loss(const data::basic_dataset<T>&&, std::string = "loss") = delete;

    template <class Ctx>
    void on_evaluate(Ctx& ctx) {
        ctx.add_metric(name_, static_cast<double>(ctx.trainer.loss(*rows_)), false);
    }

private:
    const data::basic_dataset<T>* rows_;
    std::string name_;
};

// ---- the CSV log ------------------------------------------------------------------------------------

//! Writes one line per epoch to a CSV file: the header `epoch,step,lr,train_loss` then
//! `val_<name>` for each metric of the first epoch; a row per epoch with the epoch (from 0), the
//! trainer's step count at its end, the first group's learning rate at its last step, the mean of
//! its batch losses and the metrics (an empty field for a metric an epoch lacks), each number in the
//! shortest text that reads back exactly. A fit resumed past epoch 0 appends to the file if it has
//! lines, else starts it. Flushed after every row. Throws std::runtime_error when the file cannot
//! be written.
class csv_log {
public:
    explicit csv_log(std::filesystem::path path) : path_(std::move(path)) {}

    template <class Ctx>
    void on_fit_begin(Ctx& ctx) {
        std::error_code ec;
        const bool append = ctx.epoch() > 0 && std::filesystem::file_size(path_, ec) > 0 && !ec;
        file_.open(path_, append ? std::ios::app : std::ios::trunc);
        if (!file_)
            typegrad::detail::raise(std::runtime_error("typegrad: csv_log: cannot write " + path_.string()));
        header_ = append;
        columns_.clear();
    }
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        line_.clear();
        if (!header_) {
            line_ = "epoch,step,lr,train_loss";
            for (const metric_value& m : ctx.metrics()) {
                columns_.emplace_back(m.name);
                line_ += ",val_" + columns_.back();
            }
            line_ += '\n';
            header_ = true;
        } else if (columns_.empty()) {
            for (const metric_value& m : ctx.metrics())  // an appended log: the columns of the file's header
                columns_.emplace_back(m.name);
        }
        line_ += std::to_string(ctx.epoch()) + ',' + std::to_string(ctx.trainer.steps()) + ',';
        callback_detail::append_number(line_, ctx.lr());
        line_ += ',';
        callback_detail::append_number(line_, ctx.epoch_loss());
        for (const std::string& c : columns_) {
            line_ += ',';
            if (const metric_value* m = ctx.metric(c))
                callback_detail::append_number(line_, m->value);
        }
        line_ += '\n';
        file_ << line_;
        file_.flush();
        if (!file_)
            typegrad::detail::raise(std::runtime_error("typegrad: csv_log: cannot write " + path_.string()));
    }
    template <class Ctx>
    void on_fit_end(Ctx&) {
        file_.close();
    }

private:
    std::filesystem::path path_;
    std::ofstream file_;
    std::vector<std::string> columns_;
    std::string line_;
    bool header_ = false;
};

// ---- early stopping ---------------------------------------------------------------------------------

//! What tg::early_stopping watches and when it stops.
struct early_stopping_options {
    //! The metric (a tg::validation's name); empty: the epoch's first metric.
    std::string_view monitor = "";
    //! The epochs without improvement after which the fit stops.
    std::size_t patience = 5;
    //! An improvement is a change by more than this, in the metric's better direction.
    double min_delta = 0;
    //! At the end of the fit, put back the parameter values of the best epoch.
    bool restore_best = true;
};

//! Stops the fit when the monitored metric has not improved by more than min_delta for `patience`
//! epochs; keeps a copy of the parameters of the best epoch (made once, at the start of the fit)
//! and restores it at the end, saying so on the progress stream
//! ("early stopping: restored the parameters of epoch 7 (val_accuracy 0.9737)"). Only the
//! parameters are restored: the optimiser's state and the step count stay those of the last epoch.
class early_stopping {
public:
    explicit early_stopping(early_stopping_options o = {}) : monitor_(o.monitor), o_(o) {}

    //! The epoch whose parameters are the best (restored at the end), if an epoch has ended.
    std::optional<std::size_t> best_epoch() const noexcept { return best_epoch_; }
    //! The monitored metric's value at that epoch.
    double best_value() const noexcept { return best_; }
    //! The epoch after which it stopped the fit, if it did.
    std::optional<std::size_t> stopped_epoch() const noexcept { return stopped_epoch_; }
    //! Whether it restored the best epoch's parameters at the end of the last fit.
    bool restored() const noexcept { return restored_; }

    template <class Ctx>
    void on_fit_begin(Ctx& ctx) {
        saved_.assign(ctx.parameters.size() * sizeof(ctx.parameters[0]), std::byte{0});
        best_epoch_.reset();
        stopped_epoch_.reset();
        restored_ = false;
        wait_ = 0;
    }
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        const metric_value& m = callback_detail::monitored(ctx, monitor_, "early_stopping");
        name_ = m.name;
        const bool better =
            !best_epoch_ || (m.higher_is_better ? m.value > best_ + o_.min_delta : m.value < best_ - o_.min_delta);
        if (better) {
            best_ = m.value;
            best_epoch_ = ctx.epoch();
            wait_ = 0;
            std::memcpy(saved_.data(), ctx.parameters.data(), saved_.size());
        } else if (++wait_ >= o_.patience) {
            stopped_epoch_ = ctx.epoch();
            ctx.request_stop();
            ctx.message("early stopping: val_" + name_ + " has not improved on epoch " + std::to_string(*best_epoch_) +
                        "'s for " + std::to_string(wait_) + (wait_ == 1 ? " epoch" : " epochs") +
                        "; stopped after epoch " + std::to_string(ctx.epoch()));
        }
    }
    template <class Ctx>
    void on_fit_end(Ctx& ctx) {
        if (!o_.restore_best || !best_epoch_)
            return;
        std::memcpy(ctx.parameters.data(), saved_.data(), saved_.size());
        restored_ = true;
        char value[32];
        std::snprintf(value, sizeof value, "%.4f", best_);
        ctx.message("early stopping: restored the parameters of epoch " + std::to_string(*best_epoch_) + " (val_" +
                    name_ + " " + value + ")");
    }

private:
    std::string monitor_, name_;
    early_stopping_options o_;
    std::vector<std::byte> saved_;
    std::optional<std::size_t> best_epoch_, stopped_epoch_;
    double best_ = 0;
    std::size_t wait_ = 0;
    bool restored_ = false;
};

// ---- schedulers -------------------------------------------------------------------------------------

//! When tg::schedule_lr steps its scheduler.
enum class lr_stepping {
    //! As torch's documentation prescribes: after every batch for OneCycleLR and CyclicLR,
    //! ReduceLROnPlateau on a metric at the end of every epoch, the others at the end of every epoch.
    automatic,
    per_batch,
    per_epoch,
};

//! Steps a scheduler (tg::StepLR, tg::OneCycleLR, tg::ReduceLROnPlateau, ...) during the fit:
//! `step()` after the optimiser's step for OneCycleLR and CyclicLR, `step()` at the end of each
//! epoch for the other epoch schedulers, `step(metric)` at the end of each epoch for
//! ReduceLROnPlateau, with the metric named `monitor` (empty: the epoch's first). The scheduler
//! must outlive the fit.
template <class S>
class schedule_lr {
public:
    static constexpr bool on_metric = requires(S & s, double v) { s.step(v); }
    &&!requires(S & s) { s.step(); };

    explicit schedule_lr(S& scheduler, std::string_view monitor = "", lr_stepping when = lr_stepping::automatic)
        : s_(&scheduler), monitor_(monitor) {
        if constexpr (on_metric) {
            if (when == lr_stepping::per_batch)
                typegrad::detail::raise(std::invalid_argument(
                    "typegrad: schedule_lr: ReduceLROnPlateau steps on an epoch's metric, not per batch"));
        }
        per_batch_ = when == lr_stepping::per_batch ||
                     (when == lr_stepping::automatic && callback_detail::steps_per_batch_v<std::remove_cv_t<S>>);
    }

    //! Whether it steps after every batch (else at the end of every epoch).
    bool per_batch() const noexcept { return per_batch_; }

    template <class Ctx>
    void on_step_end(Ctx&) {
        if constexpr (!on_metric)
            if (per_batch_)
                s_->step();
    }
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        if constexpr (on_metric)
            s_->step(callback_detail::monitored(ctx, monitor_, "schedule_lr").value);
        else if (!per_batch_)
            s_->step();
    }

private:
    S* s_;
    std::string monitor_;
    bool per_batch_ = false;
};

}  // namespace TYPEGRAD_NS
