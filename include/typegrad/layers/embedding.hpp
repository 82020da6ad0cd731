#pragma once
// Integer feature columns as layers, for `tg::sequential`: `tg::Column<C>` and `tg::Columns<C...>`
// select columns of the input row, `tg::Embedding<Num, Dim>` looks an index up in its table, each
// giving exactly the expression of its builder (ops/embedding.hpp). One column embedded beside the
// numeric ones is a `tg::concat_branches` of the two:
//
//     tg::sequential<tg::concat_branches<tg::sequential<tg::Column<1>, tg::Embedding<2, 3>>,
//                                        tg::Columns<0, 2, 3>>,
//                    tg::Linear<6, 1>>
#include <cstddef>

#include <typegrad/core/expr.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/layers/module.hpp>
#include <typegrad/ops/embedding.hpp>

namespace TYPEGRAD_NS {

//! Column C of the input row, as a vector of one: the index an `tg::Embedding` after it reads.
//! No parameters. torch: `x[:, C]` (a module whose forward is that, docs/layers.md).
template <std::size_t C>
struct Column : layers::module {
    static constexpr std::size_t in_features = layers::any_width;
    static constexpr std::size_t out_features = 1;
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return column<C>(x);
    }
};

//! The columns C... of the input row, in that order. No parameters. torch: `x[:, [C...]]`.
template <std::size_t... Cs>
struct Columns : layers::module {
    static constexpr std::size_t in_features = layers::any_width;
    static constexpr std::size_t out_features = sizeof...(Cs);
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return columns<Cs...>(x);
    }
};

//! A lookup table of Num rows of Dim numbers, `<index>.weight` [Num, Dim], read at the index its
//! input holds (a `tg::Column<C>` before it, or an input of one column: `tg::sequential<
//! tg::Embedding<5, 3>, tg::Linear<3, 1>>{}(tg::input<"i", 1>)` is torch's `nn.Sequential(
//! nn.Embedding(5, 3), nn.Linear(3, 1))` on a vector of indices): in_features 1, out_features Dim. torch:
//! `torch.nn.Embedding(Num, Dim)`, its weight drawn from N(0, 1) by `tg::init::torch_default`.
template <std::size_t Num, std::size_t Dim>
struct Embedding : layers::module {
    static constexpr std::size_t num_embeddings = Num;
    static constexpr std::size_t embedding_dim = Dim;
    static constexpr std::size_t in_features = 1;
    static constexpr std::size_t out_features = Dim;
    template <auto Name, Expression X>
    static constexpr auto apply(X x) {
        return embedding<Name, Num, Dim>(x);
    }
};

}  // namespace TYPEGRAD_NS
