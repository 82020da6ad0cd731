#pragma once
// The layers typegrad defines, as one compile-time list: the header that brings them all, and the
// list `tg::sequential`'s "not a layer" diagnostic shows, so that the message names exactly the
// layers there are. A layer added to the library is added here.
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/linear.hpp>
#include <typegrad/layers/rectifiers.hpp>
#include <typegrad/layers/softmax.hpp>

namespace TYPEGRAD_NS::layers {

//! Stands for a layer template of two widths in the catalogue's list: `with_widths<tg::Linear>`
//! reads as `tg::Linear<In, Out>`.
template <template <std::size_t, std::size_t> class L>
struct with_widths;

//! Every layer of the library, in the order the documentation lists them (besides `tg::sequential`
//! itself, and the user's own types derived from `module`).
using catalogue =
    type_list<with_widths<Linear>, Tanh, ReLU, Sigmoid, Softplus, GELU<>, SiLU, ELU<>, LeakyReLU<>, Softmax>;

}  // namespace TYPEGRAD_NS::layers
