#pragma once
// Which rows each process of a data-parallel run reads in an epoch: torch.utils.data's
// DistributedSampler rule, in a header of its own because it needs no MPI (it is plain arithmetic
// on indices, unit-tested without any process group).
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/data/batches.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::distributed {

//! The options of a distributed_sampler. torch: `DistributedSampler(dataset, num_replicas, rank,
//! shuffle, seed, drop_last)`.
struct sampler_options {
    std::size_t world_size = 1;  //!< torch: num_replicas
    std::size_t rank = 0;        //!< this process, 0 .. world_size - 1
    bool shuffle = true;         //!< permute the rows anew every epoch
    std::uint64_t seed = 0;      //!< epoch e is permuted with the seed `seed + e`
    bool drop_last = false;      //!< drop the tail instead of padding to a multiple of world_size
};

//! The rows of a dataset of `rows` samples that one rank visits in an epoch, by
//! torch.utils.data.DistributedSampler's rule (torch 1.13):
//!  1. the order: 0, 1, ..., rows-1, or with `shuffle` a permutation that depends on seed + epoch;
//!  2. without drop_last, the order is padded by repeating its first indices (again and again if
//!     needed) to total_size() = ceil(rows / W) * W; with drop_last, its tail is cut to
//!     total_size() = floor(rows / W) * W;
//!  3. rank r takes positions r, r + W, r + 2W, ... of that list: num_samples() = total_size() / W.
//!
//! The one difference from torch: torch permutes with `torch.randperm(rows, generator)` seeded with
//! seed + epoch, which typegrad cannot reproduce; typegrad permutes with its own portable rule,
//! `data::permutation(rows, seed + epoch)` (data/batches.hpp). indices(epoch, order) takes any order,
//! e.g. torch's permutation, and then gives exactly torch's lists.
class distributed_sampler {
public:
    //! Throws std::invalid_argument when world_size is 0 or rank is not below it.
    distributed_sampler(std::size_t rows, sampler_options options) : rows_(rows), options_(options) {
        if (options.world_size == 0 || options.rank >= options.world_size)
            typegrad::detail::raise(std::invalid_argument(
                "typegrad: distributed_sampler: expected a rank below the world size, found rank " +
                std::to_string(options.rank) + " of " + std::to_string(options.world_size)));
    }

    //! The rows this rank visits in one epoch (all ranks visit the same number).
    std::size_t num_samples() const noexcept { return total_size() / options_.world_size; }
    //! The length of the padded (or cut) order shared out among the ranks.
    std::size_t total_size() const noexcept {
        const std::size_t w = options_.world_size;
        return options_.drop_last ? rows_ / w * w : (rows_ + w - 1) / w * w;
    }
    const sampler_options& options() const noexcept { return options_; }

    //! The order of every row for `epoch` before it is shared out: the identity, or with shuffle
    //! `data::permutation(rows, seed + epoch)`.
    [[nodiscard]] std::vector<std::uint32_t> order(std::uint64_t epoch) const {
        if (options_.shuffle)
            return data::permutation(rows_, options_.seed + epoch);
        data::detail::check_row_count(rows_, "distributed_sampler");
        std::vector<std::uint32_t> rows(rows_);
        std::iota(rows.begin(), rows.end(), std::uint32_t{0});
        return rows;
    }

    //! This rank's rows for `epoch`, in the order to visit them. torch: `sampler.set_epoch(epoch);
    //! list(sampler)` (up to the permutation, see the class comment).
    [[nodiscard]] std::vector<std::uint32_t> indices(std::uint64_t epoch) const { return indices_of(order(epoch)); }

    //! This rank's rows when the epoch's order is `order` (a permutation of 0 .. rows-1, e.g.
    //! torch's `torch.randperm(rows, generator=g)` with g seeded seed + epoch): steps 2 and 3 of the
    //! rule alone. Throws std::invalid_argument when `order` does not have rows() entries.
    [[nodiscard]] std::vector<std::uint32_t> indices_of(std::span<const std::uint32_t> order) const {
        if (order.size() != rows_)
            typegrad::detail::raise(std::invalid_argument("typegrad: distributed_sampler: expected an order of " +
                                                          std::to_string(rows_) + " rows, found " +
                                                          std::to_string(order.size())));
        const std::size_t w = options_.world_size, total = total_size();
        std::vector<std::uint32_t> mine;
        mine.reserve(total / w);
        // Position p of the padded list is order[p mod rows]: the first indices repeated.
        for (std::size_t p = options_.rank; p < total; p += w)
            mine.push_back(order[p % rows_]);
        return mine;
    }

    //! The number of rows of the dataset.
    std::size_t rows() const noexcept { return rows_; }

private:
    std::size_t rows_;
    sampler_options options_;
};

}  // namespace TYPEGRAD_NS::distributed
