#pragma once
// The sweep every policy's update runs: one kernel over a parameter's slice, `xsimd::batch<T>`
// wide, the tail loaded under a mask into one more batch so every element sees the same
// instruction sequence (results never depend on an element's index).

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/xsimd.hpp>
#include <typegrad/parallel/threads.hpp>

#include <array>
#include <cstddef>
#include <utility>

namespace TYPEGRAD_NS::optim::detail {

//! A stream the kernel reads (the gradients) ...
template <class T>
struct in {
    const T* p;
};
//! ... and one it reads and writes back (the values, the state buffers).
template <class T>
struct inout {
    T* p;
};

template <class T>
inline xsimd::batch<T> load(in<T> s, std::size_t i) {
    return xsimd::batch<T>::load_unaligned(s.p + i);
}
template <class T>
inline xsimd::batch<T> load(inout<T> s, std::size_t i) {
    return xsimd::batch<T>::load_unaligned(s.p + i);
}
template <class T>
inline void store(in<T>, std::size_t, const xsimd::batch<T>&) {}
template <class T>
inline void store(inout<T> s, std::size_t i, const xsimd::batch<T>& b) {
    b.store_unaligned(s.p + i);
}
template <class T>
inline xsimd::batch<T> load_first(in<T> s, std::size_t i, std::size_t n) {
    return typegrad::detail::load_first<xsimd::batch<T>>(s.p + i, n);
}
template <class T>
inline xsimd::batch<T> load_first(inout<T> s, std::size_t i, std::size_t n) {
    return typegrad::detail::load_first<xsimd::batch<T>>(s.p + i, n);
}
template <class T>
inline void store_first(in<T>, std::size_t, std::size_t, const xsimd::batch<T>&) {}
template <class T>
inline void store_first(inout<T> s, std::size_t i, std::size_t n, const xsimd::batch<T>& b) {
    typegrad::detail::store_first(s.p + i, n, b);
}

template <class T>
inline in<T> shifted(in<T> s, std::size_t i) {
    return {s.p + i};
}
template <class T>
inline inout<T> shifted(inout<T> s, std::size_t i) {
    return {s.p + i};
}

//! Calls kernel(batch&...) over [0, n) of every stream on the calling thread, writing the inout
//! streams back.
template <class T, class Kernel, class... Streams>
inline void sweep_serial(std::size_t n, Kernel& kernel, Streams... streams) {
    using batch = xsimd::batch<T>;
    constexpr std::size_t width = batch::size;
    std::size_t i = 0;
    for (; i + width <= n; i += width) {
        std::array<batch, sizeof...(Streams)> b{load(streams, i)...};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            kernel(b[I]...);
            (store(streams, i, b[I]), ...);
        }
        (std::index_sequence_for<Streams...>{});
    }
    if (i == n)
        return;
    // The tail: lanes past the slice are zero and are never written back.
    const std::size_t rest = n - i;
    std::array<batch, sizeof...(Streams)> b{load_first(streams, i, rest)...};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        kernel(b[I]...);
        (store_first(streams, i, rest, b[I]), ...);
    }
    (std::index_sequence_for<Streams...>{});
}

//! Elements of a slice below which a sweep stays on the calling thread, and the size of the pieces
//! a longer one is cut into (a multiple of every vector width). Chosen, not tuned: a parallel region
//! costs microseconds, a sweep of 2^15 elements several times that.
inline constexpr std::size_t parallel_sweep_min = std::size_t{1} << 15;
inline constexpr std::size_t parallel_sweep_piece = std::size_t{1} << 13;

//! Calls kernel(batch&...) over [0, n) of every stream, writing the inout streams back; a long slice
//! is cut into fixed pieces run on parallel::step_threads() threads. Every element sees the same
//! instructions wherever the cuts fall (they fall on whole vectors), so the thread count changes no
//! bit. The kernel is called from several threads at once: it reads what it captured, never writes it.
template <class T, class Kernel, class... Streams>
inline void sweep(std::size_t n, Kernel&& kernel, Streams... streams) {
    if constexpr (!parallel::available) {  // one thread: the pieces would be swept one after another
        sweep_serial<T>(n, kernel, streams...);
    } else {
        const unsigned threads = parallel::step_threads();
        if (threads <= 1 || n < parallel_sweep_min) {
            sweep_serial<T>(n, kernel, streams...);
            return;
        }
        const std::size_t pieces = (n + parallel_sweep_piece - 1) / parallel_sweep_piece;
        parallel::for_each_index(threads, pieces, [&](std::size_t k, unsigned) {
            const std::size_t first = k * parallel_sweep_piece;
            const std::size_t count = first + parallel_sweep_piece <= n ? parallel_sweep_piece : n - first;
            sweep_serial<T>(count, kernel, shifted(streams, first)...);
        });
    }
}

//! A hyperparameter computed in double cast to the tensor's element type, as torch casts a Python
//! float that meets a float32 tensor.
template <class T>
inline xsimd::batch<T> bc(double v) {
    return xsimd::batch<T>(static_cast<T>(v));
}

//! The gradient most of torch's updates start from, g = ±∇ + wd·θ: negated under `maximize`, then
//! weight_decay times the parameter added, unless weight_decay is 0 (then nothing is added: not
//! 0·θ, which would make an infinite parameter's gradient NaN).
template <class T>
class decayed_gradient {
public:
    using batch = xsimd::batch<T>;
    decayed_gradient(bool maximize, double weight_decay)
        : maximize_(maximize), decay_(weight_decay != 0), wd_(bc<T>(weight_decay)) {}
    batch operator()(const batch& p, const batch& g) const {
        const batch grad = maximize_ ? -g : g;
        return decay_ ? xsimd::fma(wd_, p, grad) : grad;
    }

private:
    bool maximize_;
    bool decay_;
    batch wd_;
};

}  // namespace TYPEGRAD_NS::optim::detail
