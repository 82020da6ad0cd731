#pragma once
// tg::save_every: the callback of Trainer::fit (train/fit.hpp) that writes checkpoints through
// tg::save (checkpoint.hpp), which a resumed fit starts from (fit_options::start).
#include <cstddef>
#include <filesystem>
#include <tuple>
#include <utility>

#include <typegrad/checkpoint.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/train/fit.hpp>

namespace TYPEGRAD_NS {

//! Saves a checkpoint to `path` (tg::save: atomic, checksummed) after every `every` epochs and at
//! the end of the fit: the parameters, the trainer, the `parts` given (a scheduler, a standardizer,
//! tg::checkpoint_metadata) and the tg::data_position of the next batch. `every` = 0 saves at the
//! end only; an empty `path` saves nothing. A fit resumes from it:
//!
//!   tg::data_position start;
//!   tg::load(path, params, trainer, sched, start);
//!   trainer.fit(train, {.epochs = 20, .start = start}, tg::schedule_lr{sched}, ...);
//!
//! The end checkpoint holds the parameters as the callbacks before it in fit's list left them: put
//! it before tg::early_stopping to save where training got to (what a resumed run continues), after
//! it to save the best epoch's parameters. The objects must outlive the fit.
template <class L, class T, class... Parts>
class save_every {
public:
    save_every(std::filesystem::path path, std::size_t every, const Parameters<L, T>& params, const Parts&... parts)
        : path_(std::move(path)), every_(every), params_(&params), parts_(parts...) {}

    //! The checkpoints written so far.
    std::size_t saved() const noexcept { return saved_; }

    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        if (every_ && (ctx.epoch() + 1) % every_ == 0)
            save(ctx);
    }
    template <class Ctx>
    void on_fit_end(Ctx& ctx) {
        save(ctx);
    }

private:
    template <class Ctx>
    void save(Ctx& ctx) {
        if (path_.empty())
            return;
        std::apply([&](const auto&... p) { typegrad::save(path_, *params_, ctx.trainer, p..., ctx.next_position()); },
                   parts_);
        ++saved_;
    }

    std::filesystem::path path_;
    std::size_t every_;
    const Parameters<L, T>* params_;
    std::tuple<const Parts&...> parts_;
    std::size_t saved_ = 0;
};

}  // namespace TYPEGRAD_NS
