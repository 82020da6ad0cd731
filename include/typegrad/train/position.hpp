#pragma once
// Where a run is in its data: what a checkpoint saves (checkpoint.hpp) and Trainer::fit resumes from.
#include <cstdint>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! Where a run is in its data, saved so that a resumed run visits the same batches: the epoch, the
//! batch within it, and the seed of the shuffle (tg::data::shuffle).
struct data_position {
    std::uint64_t epoch = 0;
    std::uint64_t batch = 0;
    std::uint64_t seed = 0;
    bool operator==(const data_position&) const = default;
};

}  // namespace TYPEGRAD_NS
