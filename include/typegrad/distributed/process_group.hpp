#pragma once
// The processes of an MPI job as one group (torch.distributed's process group): MPI's start and
// end, rank and world size, and the collectives a data-parallel run needs, each of which fails
// with a `typegrad:` message instead of hanging when another rank has died. A header of its own,
// not included by typegrad.hpp: it needs <mpi.h> (link the CMake target typegrad::mpi).
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include <typegrad/core/error.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::distributed {

//! The options of a process_group.
struct group_options {
    //! How long a collective (broadcast, allreduce, barrier) may wait for the other ranks before
    //! this rank prints a `typegrad:` message naming it and aborts the whole job (MPI_Abort). A
    //! rank that dies is normally noticed sooner by mpirun, which then ends the job itself.
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

namespace detail {
template <class T>
MPI_Datatype mpi_type() {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int>,
                  "typegrad: the collectives of process_group take float, double or int");
    if constexpr (std::is_same_v<T, float>)
        return MPI_FLOAT;
    else if constexpr (std::is_same_v<T, double>)
        return MPI_DOUBLE;
    else
        return MPI_INT;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void fail_mpi(const char* call, int code) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    typegrad::detail::raise(
        std::runtime_error(std::string("typegrad: ") + call + " failed: " + std::string(text, std::size_t(length))));
}
inline void check_mpi(const char* call, int code) {
    if (code != MPI_SUCCESS)
        fail_mpi(call, code);
}
}  // namespace detail

//! Every process of the job (MPI_COMM_WORLD, duplicated so that typegrad's messages never mix with
//! the program's own). torch: `torch.distributed.init_process_group(...)`.
//!
//! Makes MPI start (MPI_Init_thread, MPI_THREAD_FUNNELED) unless the program already did, and, if it
//! did start it, ends it (MPI_Finalize) when destroyed. One per program; not copyable.
class process_group {
public:
    explicit process_group(group_options options = {}) : process_group(nullptr, nullptr, options) {}
    process_group(int* argc, char*** argv, group_options options = {}) : options_(options) {
        int started = 0;
        MPI_Initialized(&started);
        if (!started) {
            int provided = 0;
            detail::check_mpi("MPI_Init_thread", MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
            owns_mpi_ = true;
        }
        detail::check_mpi("MPI_Comm_dup", MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
        // Errors come back as codes, which become typegrad: exceptions, instead of aborting in MPI.
        MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    process_group(const process_group&) = delete;
    process_group& operator=(const process_group&) = delete;
    ~process_group() {
        int finished = 0;
        MPI_Finalized(&finished);
        if (finished)  // the program ended MPI itself
            return;
        MPI_Comm_free(&comm_);
        if (owns_mpi_)
            MPI_Finalize();
    }

    //! This process, 0 .. world_size() - 1. torch: `dist.get_rank()`.
    int rank() const noexcept { return rank_; }
    //! The number of processes. torch: `dist.get_world_size()`.
    int world_size() const noexcept { return size_; }
    //! The communicator typegrad uses (a duplicate of MPI_COMM_WORLD).
    MPI_Comm comm() const noexcept { return comm_; }
    const group_options& options() const noexcept { return options_; }

    //! Copies `root`'s `data` into every rank's. torch: `dist.broadcast(tensor, src=root)`.
    template <class T, std::size_t N>
    void broadcast(std::span<T, N> data, int root, const char* what) {
        MPI_Request request;
        detail::check_mpi("MPI_Ibcast",
                          MPI_Ibcast(data.data(), count_of(data.size()), detail::mpi_type<T>(), root, comm_, &request));
        wait(request, what);
    }

    //! Replaces every rank's `data` by the element-wise sum over the ranks. torch:
    //! `dist.all_reduce(tensor, op=ReduceOp.SUM)`.
    template <class T, std::size_t N>
    void allreduce_sum(std::span<T, N> data, const char* what) {
        MPI_Request request;
        detail::check_mpi("MPI_Iallreduce", MPI_Iallreduce(MPI_IN_PLACE, data.data(), count_of(data.size()),
                                                           detail::mpi_type<T>(), MPI_SUM, comm_, &request));
        wait(request, what);
    }

    //! Returns once every rank has called it. torch: `dist.barrier()`.
    void barrier(const char* what) {
        MPI_Request request;
        detail::check_mpi("MPI_Ibarrier", MPI_Ibarrier(comm_, &request));
        wait(request, what);
    }

    //! Prints `message` (which starts with `typegrad:`) and ends every process of the job.
    [[noreturn]] void abort(const std::string& message) const {
        std::fprintf(stderr, "%s\n", message.c_str());
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
        std::abort();  // MPI_Abort does not return; this tells the compiler so
    }

private:
    static int count_of(std::size_t n) {
        if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            typegrad::detail::raise(
                std::length_error("typegrad: process_group: more than 2^31 - 1 values in one call"));
        return static_cast<int>(n);
    }

    // Polls the request until it completes or the timeout passes: a blocking MPI call would wait
    // forever for a rank that died without mpirun noticing, or that stalls.
    void wait(MPI_Request& request, const char* what) {
        const auto start = std::chrono::steady_clock::now();
        const auto deadline = start + options_.timeout;
        for (unsigned polls = 0;; ++polls) {
            int done = 0;
            detail::check_mpi("MPI_Test", MPI_Test(&request, &done, MPI_STATUS_IGNORE));
            if (done)
                return;
            if (polls % 64 == 63) {
                if (std::chrono::steady_clock::now() > deadline)
                    abort(std::string("typegrad: ") + what + " on rank " + std::to_string(rank_) + " of " +
                          std::to_string(size_) + " did not complete within " +
                          std::to_string(options_.timeout.count()) +
                          " ms (process_group's timeout): another rank has died or stalled; aborting the job");
                std::this_thread::yield();  // a rank that waits leaves the core to the others
            }
        }
    }

    group_options options_;
    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0;
    int size_ = 1;
    bool owns_mpi_ = false;
};

}  // namespace TYPEGRAD_NS::distributed
