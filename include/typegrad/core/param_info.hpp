#pragma once
#include <cstddef>
#include <string_view>

namespace typegrad {

//! One parameter's place in the flat value and gradient buffers: `values[offset, offset + size)`.
//! Names are torch's (`"0.weight"`, `"fc.bias"`).
struct param_info {
    std::string_view name;
    std::size_t offset = 0;
    std::size_t size = 0;
    std::size_t columns = 1;  //!< last dimension (In for a weight [Out, In]); 1 for a scalar
};

}  // namespace typegrad
