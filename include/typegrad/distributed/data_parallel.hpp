#pragma once
// Data-parallel training over the processes of a process_group, with torch's
// DistributedDataParallel semantics: the same initial parameters on every rank, one allreduce of
// the gradients per synchronised backward(), the same optimiser step everywhere. Needs <mpi.h>:
// not included by typegrad.hpp (link the CMake target typegrad::mpi).
#include <cstddef>
#include <span>
#include <vector>

#include <typegrad/distributed/process_group.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/train/trainer.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::distributed {

//! A Trainer run on every rank of a process_group as one data-parallel model. torch:
//! `model = DistributedDataParallel(model)`; then per step `opt.zero_grad(); loss =
//! loss_fn(model(x), y); loss.backward(); opt.step()` on each rank's share of the global batch.
//!
//! - Construction broadcasts rank 0's parameter values to every rank (torch: DDP's constructor
//!   broadcasts the module's parameters from rank 0); the optimiser state is not broadcast.
//! - backward() runs the trainer's backward() on this rank's batch, then, unless inside no_sync(),
//!   replaces every gradient by its mean over the ranks: each rank multiplies its whole gradient
//!   buffer by 1/world_size (what torch DDP does before its allreduce), and one MPI allreduce (sum)
//!   adds the buffers. Gradients accumulated before (under no_sync(), or without zero_grad()) are
//!   part of the buffer and so averaged too, as in DDP. The mean loss over the ranks travels in the
//!   same allreduce (global_loss()).
//! - step() and zero_grad() are the trainer's: equal gradients and equal parameters give equal
//!   steps, so the ranks stay equal without any further communication.
//!
//! The process_group, the parameters and the trainer must outlive it. Every rank must make the same
//! calls in the same order (backward() outside no_sync() is a collective).
template <class Loss, class Policy, class T>
class data_parallel {
public:
    using trainer_type = Trainer<Loss, Policy, T>;
    using batch_type = typename trainer_type::batch_type;
    using dataset_type = typename trainer_type::dataset_type;
    static constexpr std::size_t total = trainer_type::total;

    //! Broadcasts rank 0's values of `params` to every rank (a collective).
    template <class L>
    data_parallel(process_group& group, Parameters<L, T>& params, trainer_type& trainer)
        : group_(&group), values_(params.values()), grads_(params.grads()), trainer_(&trainer), buffer_(total + 1) {
        broadcast_parameters();
    }

    //! Adds d(mean loss over `batch`)/d(params) into the gradients, as Trainer::backward, then,
    //! unless inside no_sync(), averages the whole gradient buffer over the ranks. Returns this
    //! rank's mean loss over its batch. A collective unless inside no_sync().
    T backward(const batch_type& batch) {
        local_loss_ = trainer_->backward(batch);
        if (sync_)
            average_gradients();
        return local_loss_;
    }
    T backward(const dataset_type& data) { return backward(batch_type(data)); }

    //! Averages the gradient buffer over the ranks now (what a synchronised backward() does after
    //! the trainer's); global_loss() becomes the mean of the ranks' last local losses. A collective.
    void average_gradients() {
        const T scale = T(1) / T(group_->world_size());
        for (std::size_t i = 0; i < total; ++i)
            buffer_[i] = grads_[i] * scale;
        buffer_[total] = local_loss_ * scale;
        group_->allreduce_sum(std::span<T>(buffer_), "distributed::data_parallel: the allreduce of the gradients");
        for (std::size_t i = 0; i < total; ++i)
            grads_[i] = buffer_[i];
        global_loss_ = buffer_[total];
        ++allreduces_;
    }

    //! Applies the optimiser step on this rank. torch: `optimizer.step()`.
    void step() { trainer_->step(); }
    //! Sets every gradient to zero. torch: `optimizer.zero_grad()`.
    void zero_grad() noexcept { trainer_->zero_grad(); }

    //! Copies rank 0's parameter values to every rank (a collective).
    void broadcast_parameters() {
        group_->broadcast(values_, 0, "distributed::data_parallel: the broadcast of rank 0's parameters");
    }

    //! While it lives, backward() only accumulates into this rank's gradients, without an
    //! allreduce; the next synchronised backward() averages everything accumulated. torch: `with
    //! model.no_sync():`.
    class no_sync_guard {
    public:
        explicit no_sync_guard(data_parallel& dp) noexcept : dp_(&dp), previous_(dp.sync_) { dp.sync_ = false; }
        no_sync_guard(const no_sync_guard&) = delete;
        no_sync_guard& operator=(const no_sync_guard&) = delete;
        ~no_sync_guard() { dp_->sync_ = previous_; }

    private:
        data_parallel* dp_;
        bool previous_;
    };
    //! See no_sync_guard: `{ auto guard = dp.no_sync(); dp.backward(micro_batch); }`.
    [[nodiscard]] no_sync_guard no_sync() noexcept { return no_sync_guard(*this); }
    //! Whether backward() averages the gradients (false inside no_sync()).
    bool synchronizing() const noexcept { return sync_; }

    //! This rank's mean loss of its last backward().
    T local_loss() const noexcept { return local_loss_; }
    //! The mean over the ranks of their local losses at the last averaging backward(): the mean loss
    //! of the global batch when every rank's batch has the same number of rows.
    T global_loss() const noexcept { return global_loss_; }
    //! The number of gradient allreduces made so far.
    std::size_t allreduces() const noexcept { return allreduces_; }

    trainer_type& trainer() noexcept { return *trainer_; }
    process_group& group() noexcept { return *group_; }

private:
    process_group* group_;
    std::span<T, total> values_;
    std::span<T, total> grads_;
    trainer_type* trainer_;
    std::vector<T> buffer_;  // the gradients and the loss, scaled, reduced in one call
    T local_loss_ = T(0);
    T global_loss_ = T(0);
    std::size_t allreduces_ = 0;
    bool sync_ = true;
};

template <class L, class T, class Loss, class Policy>
data_parallel(process_group&, Parameters<L, T>&, Trainer<Loss, Policy, T>&) -> data_parallel<Loss, Policy, T>;

}  // namespace TYPEGRAD_NS::distributed
