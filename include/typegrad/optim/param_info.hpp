#ifndef TYPEGRAD_OPTIM_PARAM_INFO_HPP
#define TYPEGRAD_OPTIM_PARAM_INFO_HPP

#include <typegrad/core/param_info.hpp>

namespace typegrad::optim {

//! One parameter's place in the flat value/gradient buffers (the same record the model's layout uses).
using param_info = typegrad::param_info;

}  // namespace typegrad::optim

#endif
