#pragma once
// Checkpoints of a data-parallel run: written once, by rank 0, and read by every rank after it is
// complete. Needs <mpi.h>: not included by typegrad.hpp (link the CMake target typegrad::mpi).
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>

#include <typegrad/checkpoint.hpp>
#include <typegrad/distributed/process_group.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::distributed {

//! tg::save on rank 0 only, then every rank learns whether it succeeded (a collective that also
//! keeps any rank from going on, and reading the file, before it is written). torch: `if rank ==
//! 0: torch.save(...)` then `dist.barrier()`. Rank 0 rethrows its own error; the others throw a
//! std::runtime_error naming the file. The ranks hold equal parameters, so rank 0's file is the run's.
template <class L, class T, class... Parts>
void save(process_group& group, const std::filesystem::path& path, const Parameters<L, T>& params,
          const Parts&... parts) {
    int written = 1;
    if (group.rank() == 0) {
#if defined(__cpp_exceptions)
        try {
            typegrad::save(path, params, parts...);
        } catch (...) {
            written = 0;
            group.broadcast(std::span<int>(&written, 1), 0, "distributed::save: the end of rank 0's write");
            throw;
        }
#else
        typegrad::save(path, params, parts...);
#endif
    }
    group.broadcast(std::span<int>(&written, 1), 0, "distributed::save: the end of rank 0's write");
    if (!written)
        typegrad::detail::raise(
            std::runtime_error("typegrad: distributed::save: rank 0 could not write the checkpoint " + path.string()));
}

//! tg::load on every rank (each reads the file; call it after save, which every rank has left only
//! once the file was complete).
template <class L, class T, class... Parts>
void load(process_group&, const std::filesystem::path& path, Parameters<L, T>& params, Parts&... parts) {
    typegrad::load(path, params, parts...);
}

}  // namespace TYPEGRAD_NS::distributed
