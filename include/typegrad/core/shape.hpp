#pragma once
// Per-sample shapes: scalar, vector<N>, matrix<R, C>. The batch dimension is never part of a shape.
#include <cstddef>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! The shape of one sample's value: `shape<>` is a scalar, `shape<N>` a vector, `shape<R, C>` a
//! row-major matrix (torch's layout).
template <std::size_t... Dims>
struct shape {
    static constexpr std::size_t rank = sizeof...(Dims);
    static constexpr std::size_t size = (std::size_t{1} * ... * Dims);
};

using scalar_shape = shape<>;

}  // namespace TYPEGRAD_NS
