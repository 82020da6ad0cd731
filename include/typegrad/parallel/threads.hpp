#pragma once
// The thread engine of data-parallel training: OpenMP as GCC and Clang ship it (libgomp, libomp),
// when the program is compiled with it (-fopenmp; CMake: link typegrad::parallel), else the calling
// thread alone. OpenMP keeps one pool of threads for the whole program, so a parallel region makes
// no thread and allocates nothing once the pool exists. Nothing here decides how work is cut: the
// callers cut it into pieces whose bounds do not depend on the thread count, so that any thread
// count gives the same bits (see autodiff/chunks.hpp).
#include <cstddef>

#ifdef _OPENMP
#include <omp.h>
#elif defined(__unix__)
#include <unistd.h>  // sysconf: <thread> would cost every program that includes typegrad ~0.3 s to parse
#else
#include <thread>
#endif

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::parallel {

//! Whether this program was compiled with OpenMP, i.e. whether more than one thread can run.
inline constexpr bool available =
#ifdef _OPENMP
    true;
#else
    false;
#endif

//! The threads "every core" means: OpenMP's count of processors, or the system's count of online
//! processors in a program without OpenMP.
inline unsigned hardware_threads() noexcept {
#ifdef _OPENMP
    const int n = omp_get_num_procs();
    return n > 0 ? static_cast<unsigned>(n) : 1u;
#elif defined(__unix__)
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1u;
#else
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? n : 1u;
#endif
}

//! Calls f(i, thread) for every i in [0, count), on up to `threads` threads (thread in [0, threads)
//! names the calling thread's scratch), and returns when all calls have returned. Which thread runs
//! which i is not fixed, so f(i, ...) must not depend on `thread` for anything but scratch it
//! leaves as it found it. f must not throw.
template <class F>
void for_each_index(unsigned threads, std::size_t count, F&& f) {
#ifdef _OPENMP
    if (threads > 1 && count > 1) {
        const auto n = static_cast<long long>(count);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (long long i = 0; i < n; ++i)
            f(static_cast<std::size_t>(i), static_cast<unsigned>(omp_get_thread_num()));
        return;
    }
#endif
    (void)threads;
    for (std::size_t i = 0; i < count; ++i)
        f(i, 0u);
}

//! The threads the optimiser's elementwise sweeps may use on this thread (1: none but itself). The
//! trainer sets it around its step() (step_threads_scope); optim/sweep.hpp reads it.
inline unsigned& step_threads() noexcept {
    thread_local unsigned n = 1;
    return n;
}

//! Sets step_threads() for its lifetime.
class step_threads_scope {
public:
    explicit step_threads_scope(unsigned n) noexcept : saved_(step_threads()) { step_threads() = n; }
    ~step_threads_scope() { step_threads() = saved_; }
    step_threads_scope(const step_threads_scope&) = delete;
    step_threads_scope& operator=(const step_threads_scope&) = delete;

private:
    unsigned saved_;
};

}  // namespace TYPEGRAD_NS::parallel
