#pragma once
// Layers that hold other layers as branches: `tg::residual<Layers...>` (x + f(x)) and
// `tg::concat_branches<BranchA, BranchB>` (torch.cat((a(x), b(x)), dim=1)). A file of its own since
// they apply stacks: `tg::sequential` is only declared here (layers/sequential.hpp defines it and
// includes this file through the catalogue), so that the catalogue can list these layers too.
//
// Parameter names are those of a torch module that holds its branches as submodules:
//
//     class Residual(nn.Module):                   # tg::residual<Layers...> at position i:
//         def __init__(self, *layers):             #   "i.body.<j>.weight", ...
//             super().__init__()
//             self.body = nn.Sequential(*layers)
//         def forward(self, x):
//             return x + self.body(x)
//
//     class ConcatBranches(nn.Module):             # tg::concat_branches<A, B> at position i:
//         def __init__(self, a, b):                #   "i.branches.0.<j>.weight" (A's),
//             super().__init__()                   #   "i.branches.1.<j>.weight" (B's)
//             self.branches = nn.ModuleList([a, b])
//         def forward(self, x):
//             return torch.cat([f(x) for f in self.branches], dim=1)
#include <cstddef>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/concat.hpp>

namespace TYPEGRAD_NS {

template <class... Layers>
struct sequential;

namespace detail::branches {

//! The name of the submodule `Child` of the module named `Prefix` ("3" and "body" give "3.body"; an
//! empty prefix gives "body").
template <auto Prefix, fixed_string Child>
constexpr auto child_name() {
    if constexpr (Prefix.size() == 0)
        return Child;
    else
        return Prefix + fixed_string(".") + Child;
}

template <class L>
inline constexpr std::size_t in_of = layers::any_width;
template <layers::Layer L>
inline constexpr std::size_t in_of<L> = L::in_features;
template <class L>
inline constexpr std::size_t out_of = layers::any_width;
template <layers::Layer L>
inline constexpr std::size_t out_of<L> = L::out_features;

//! The width a branch gives for an input of width `in`, or computed_width when it is known only once
//! the branch is applied.
constexpr std::size_t branch_out(std::size_t in, std::size_t out) {
    if (out == layers::any_width)
        return in == layers::any_width ? layers::computed_width : in;
    return out;
}

}  // namespace detail::branches

//! A residual block: y = x + f(x), f the stack of `Layers...` (as `tg::sequential<Layers...>`),
//! whose output must have the shape of its input (a compile-time check naming both widths). Its
//! parameters are those of f under "<index>.body": in `tg::sequential<tg::Linear<4, 16>, tg::ReLU,
//! tg::residual<tg::Linear<16, 16>, tg::ReLU, tg::Linear<16, 16>>>`, "2.body.0.weight", ...,
//! "2.body.2.bias". torch: a module whose `forward(x)` is `x + self.body(x)` with `self.body =
//! nn.Sequential(...)` (docs/layers.md).
template <class... Layers>
struct residual : layers::module {
    //! The stack f.
    using body = sequential<Layers...>;

    //! The width the block takes (f's), or layers::any_width.
    static constexpr std::size_t in_features = body::in_features;
    //! The width the block gives: the one it takes.
    static constexpr std::size_t out_features = in_features != layers::any_width ? in_features : body::out_features;

    //! x + f(x), f's parameters named "<Prefix>.body.<j>.weight" ("body.<j>.weight" for an empty prefix).
    template <auto Prefix, Expression X>
    static constexpr auto apply(X x) {
        using F = decltype(body::template apply<detail::branches::child_name<Prefix, "body">()>(x));
        using SX = typename X::shape_type;
        using SF = typename F::shape_type;
        constexpr bool ok = std::is_same_v<SX, SF>;
        [[maybe_unused]] constexpr bool checked =
            error::check<ok>(error::fault<error::residual_width_mismatch<error::shaped<error::input, SX>,
                                                                         error::shaped<error::branch_output, SF>>>);
        if constexpr (ok)
            return node<ops::add, X, F>{};
        else
            return x;  // already reported: the model goes on with the input's width
    }

    //! x + f(x). torch: `model(x)`.
    template <Expression X>
    constexpr auto operator()(X x) const {
        return apply<fixed_string<0>{}>(x);
    }
};

//! Two branches over the same input, their outputs concatenated: y = (a(x), b(x)) (`tg::concat`).
//! Each branch is a layer, usually a `tg::sequential<...>`; A's parameters are named
//! "<index>.branches.0.<j>.weight", B's "<index>.branches.1.<j>.weight". torch: a module whose
//! `forward(x)` is `torch.cat([f(x) for f in self.branches], dim=1)` with `self.branches =
//! nn.ModuleList([a, b])` (docs/layers.md).
template <class BranchA, class BranchB>
struct concat_branches : layers::module {
    //! The width the branches take (the first branch's that states one), or layers::any_width.
    static constexpr std::size_t in_features = detail::branches::in_of<BranchA> != layers::any_width
                                                   ? detail::branches::in_of<BranchA>
                                                   : detail::branches::in_of<BranchB>;
    //! The sum of the branches' output widths, or layers::computed_width when one depends on the input.
    static constexpr std::size_t out_features = [] {
        using namespace detail::branches;
        const std::size_t a = branch_out(in_features, out_of<BranchA>), b = branch_out(in_features, out_of<BranchB>);
        return a == layers::computed_width || b == layers::computed_width ? layers::computed_width : a + b;
    }();

    //! concat(a(x), b(x)), the branches' parameters named "<Prefix>.branches.0..." and "<Prefix>.branches.1...".
    template <auto Prefix, Expression X>
    static constexpr auto apply(X x) {
        constexpr bool a_is_layer = layers::Layer<BranchA>, b_is_layer = layers::Layer<BranchB>;
        [[maybe_unused]] constexpr bool a_checked =
            error::check<a_is_layer>(error::fault<error::concat_branch_is_not_a_layer<error::argument<0>, BranchA>>);
        constexpr bool b_ok = !a_is_layer || b_is_layer;  // B reported only if A is sound: one message
        [[maybe_unused]] constexpr bool b_checked =
            error::check<b_ok>(error::fault<error::concat_branch_is_not_a_layer<error::argument<1>, BranchB>>);
        if constexpr (a_is_layer && b_is_layer) {
            using detail::branches::child_name;
            return concat(BranchA::template apply<child_name<Prefix, "branches.0">()>(x),
                          BranchB::template apply<child_name<Prefix, "branches.1">()>(x));
        } else {
            return x;  // already reported
        }
    }

    //! concat(a(x), b(x)). torch: `model(x)`.
    template <Expression X>
    constexpr auto operator()(X x) const {
        return apply<fixed_string<0>{}>(x);
    }
};

}  // namespace TYPEGRAD_NS
