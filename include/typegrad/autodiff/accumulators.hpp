#pragma once
// The per-lane gradient accumulators of a batch: which parameters have them (those some use adds
// into lane by lane; large dense weights reduce each block straight into the gradient instead),
// and their sums over lanes into the gradient once per batch. A file of its own so that program.hpp
// only orchestrates.
#include <array>
#include <cstddef>
#include <utility>

#include <typegrad/autodiff/sweep.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/shuffle.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::autodiff {

//! The lane accumulators of the parameters `Params` of a graph whose reverse order is `Reversed`,
//! for lane value `Lane` (an xsimd batch of T).
template <class Lane, class T, class Reversed, class Params>
struct lane_accumulators;
template <class Lane, class T, class Reversed, class... Ps>
struct lane_accumulators<Lane, T, Reversed, type_list<Ps...>> {
    static constexpr std::size_t lanes = Lane::size;

    //! A run of consecutive elements of the flat parameter buffer summed in lane accumulators.
    struct run {
        std::size_t first = 0, count = 0;
    };
    static constexpr auto runs = [] {
        constexpr std::size_t n = sizeof...(Ps);
        constexpr std::array<bool, n + 1> per_lane{reverse_plan<Lane, Reversed>::template lane_accumulated<Ps>...,
                                                   false};
        constexpr std::array<std::size_t, n + 1> sizes{size_of<Ps>..., 0};
        std::array<run, n + 1> out{};
        std::size_t count = 0, offset = 0;
        for (std::size_t k = 0; k < n; offset += sizes[k], ++k) {
            if (!per_lane[k] || sizes[k] == 0)
                continue;
            if (count > 0 && out[count - 1].first + out[count - 1].count == offset)
                out[count - 1].count += sizes[k];
            else
                out[count++] = run{offset, sizes[k]};
        }
        return std::pair{out, count};
    }();

    template <class F>
    static void for_each_run(F&& f) {
        for (std::size_t r = 0; r < runs.second; ++r)
            f(runs.first[r].first, runs.first[r].count);
    }

    //! acc += tail in the lanes of `valid`, and tail = 0: the last, partly filled block of a batch.
    template <class Mask>
    static void merge_tail(Lane* acc, Lane* tail, const Mask& valid) {
        for_each_run([&](std::size_t first, std::size_t count) {
            for (std::size_t k = first; k < first + count; ++k) {
                acc[k] += xsimd::select(valid, tail[k], Lane(T(0)));
                tail[k] = Lane(T(0));
            }
        });
    }

    //! grads += the sum over lanes of acc, a vector of parameters at a time; acc is left zero. `acc`
    //! is followed by a vector's worth of zeros, so the sums always read whole groups of vectors.
    static void add_sums(T* grads, Lane* acc) {
        for_each_run([&](std::size_t first, std::size_t count) {
            T* const g = grads + first;
            Lane* const a = acc + first;
            const std::size_t whole = count / lanes * lanes;
            for (std::size_t k = 0; k < whole; k += lanes) {
                (Lane::load_unaligned(g + k) + detail::lane_sums(a + k)).store_unaligned(g + k);
                for (std::size_t j = 0; j < lanes; ++j)
                    a[k + j] = Lane(T(0));
            }
            if (whole < count) {
                // A last, partial group: the sums of the accumulators after it (another parameter's,
                // or the zeros that end the array) are computed and not kept.
                const std::size_t rest = count - whole;
                detail::store_first(g + whole, rest,
                                    detail::load_first<Lane>(g + whole, rest) + detail::lane_sums(a + whole));
                for (std::size_t j = whole; j < count; ++j)
                    a[j] = Lane(T(0));
            }
        });
    }
};

}  // namespace TYPEGRAD_NS::autodiff
