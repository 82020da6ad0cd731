#pragma once
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! One parameter's place in the flat value and gradient buffers: `values[offset, offset + size)`.
//! Names are torch's (`"0.weight"`, `"fc.bias"`).
struct param_info {
    std::string_view name;
    std::size_t offset = 0;
    std::size_t size = 0;
    std::size_t columns = 1;  //!< last dimension (In for a weight [Out, In]); 1 for a scalar
    static constexpr std::size_t max_rank = 4;
    std::size_t rank = 0;                      //!< number of dimensions (torch's dim())
    std::array<std::size_t, max_rank> dims{};  //!< torch's shape: dims[0, rank)

    //! torch's shape, e.g. {16, 10} for the weight of a Linear(10, 16).
    constexpr std::span<const std::size_t> shape() const noexcept { return {dims.data(), rank}; }
};

}  // namespace TYPEGRAD_NS
