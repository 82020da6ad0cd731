#pragma once
// The fully connected layer as a type, `tg::Linear<In, Out>`, for `tg::sequential`: the module
// spelling of the builder `tg::linear<"fc", In, Out>(x)`, which it applies.
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/linalg.hpp>

namespace TYPEGRAD_NS {

//! A fully connected layer y = W x + b: parameters `<index>.weight` [Out, In] and `<index>.bias` [Out].
//! torch: `torch.nn.Linear(In, Out)`.
template <std::size_t In, std::size_t Out>
struct Linear : layers::module {
    static constexpr std::size_t in_features = In;
    static constexpr std::size_t out_features = Out;
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return linear<Name, In, Out>(x);
    }
};

}  // namespace TYPEGRAD_NS
