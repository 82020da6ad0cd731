#pragma once
// Integer feature columns: the selection of columns of the input row (`tg::column<C>(x)`,
// `tg::columns<C...>(x)`) and the lookup table torch.nn.Embedding is (`tg::embedding<"emb", Num,
// Dim>(tg::column<C>(x))`). A header of its own, as the lookup is neither elementwise nor a product:
// its forward gathers one row of the weight per sample and its VJP scatters into that row. The
// indices are data: the adapter from a batch to the sweep checks them once per dataset
// (data/feed.hpp, through `index_bound`), and a row that was never checked reads no weight.
#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/core/values.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS {

namespace detail {

//! The row an index value names in a table of `Num` rows, or `Num` when the value is not an
//! integer in [0, Num) (NaN included).
template <std::size_t Num, class S>
constexpr std::size_t embedding_row(S v) noexcept {
    if (!(v >= S(0) && v < static_cast<S>(Num)))
        return Num;
    const auto r = static_cast<std::size_t>(v);
    return static_cast<S>(r) == v ? r : Num;
}

//! Element i of a parameter seen from the lanes, as a number: the flat value where the view keeps
//! it, else the first lane of its broadcast.
template <class W>
constexpr auto weight_scalar(const W& w, std::size_t i) noexcept {
    if constexpr (requires { w.scalar(i); })
        return w.scalar(i);
    else
        return w[i].get(0);
}

//! Whether a list of columns names none twice.
template <std::size_t... Cs>
constexpr bool distinct_columns() {
    constexpr std::array<std::size_t, sizeof...(Cs)> c{Cs...};
    for (std::size_t i = 0; i < c.size(); ++i)
        for (std::size_t j = i + 1; j < c.size(); ++j)
            if (c[i] == c[j])
                return false;
    return true;
}

}  // namespace detail

namespace ops {

//! y = (a[C0], a[C1], ...): the listed elements of a vector, in the order listed.
//! d/da[Ck] += gy[k]; the other elements of a get nothing.
template <std::size_t... Cs>
struct take {
    static constexpr std::array<std::size_t, sizeof...(Cs)> columns{Cs...};
    template <class SA>
    using result_shape = shape<sizeof...(Cs)>;

    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        for (std::size_t k = 0; k < columns.size(); ++k)
            y[k] = a[columns[k]];
    }
    template <std::size_t I, class G, class GY, class Y, class A>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const A&) {
        for (std::size_t k = 0; k < columns.size(); ++k)
            g[columns[k]] += gy[k];
    }
};

//! y = W[i]: row i of the table W [Num, Dim], i the index operand (a number holding an integer in
//! [0, Num)). d/dW[i] += gy (the other rows get nothing; a sum over the samples is a scatter-add,
//! autodiff/block_kernels.hpp); d/di = 0, as torch gives none. An index outside [0, Num), which the
//! data's check (data/feed.hpp) rejects before a sweep, gives NaN and adds nothing to W's gradient.
template <std::size_t Num, std::size_t Dim>
struct embedding {
    static constexpr std::size_t num_embeddings = Num;
    static constexpr std::size_t embedding_dim = Dim;
    //! The indices the op takes from its operand 0: [0, index_bound) (read by data/feed.hpp).
    static constexpr std::size_t index_bound = Num;
    //! torch.nn.Embedding's weight is drawn from N(0, 1) (init::torch_default).
    template <std::size_t I>
    static constexpr double initial_normal_std = 1.0;

    template <class SI, class SW>
    using result_shape = shape<Dim>;

    //! The row the index value v names, or Num when v is not an integer in [0, Num).
    template <class S>
    static constexpr std::size_t row(S v) noexcept {
        return detail::embedding_row<Num>(v);
    }

    template <class Y, class I, class W>
    static constexpr void forward(Y& y, const I& index, const W& w) {
        using V = std::remove_cvref_t<decltype(y[0])>;
        if constexpr (detail::is_batch_v<V>) {
            using S = typename V::value_type;
            constexpr std::size_t lanes = V::size;
            alignas(64) S ids[lanes];
            alignas(64) S rows[Dim][lanes];
            V(index[0]).store_aligned(ids);
            for (std::size_t l = 0; l < lanes; ++l) {
                const std::size_t r = detail::embedding_row<Num>(ids[l]);
                for (std::size_t d = 0; d < Dim; ++d)
                    rows[d][l] = r < Num ? static_cast<S>(detail::weight_scalar(w, r * Dim + d))
                                         : std::numeric_limits<S>::quiet_NaN();
            }
            for (std::size_t d = 0; d < Dim; ++d)
                y[d] = V::load_aligned(rows[d]);
        } else {
            const std::size_t r = detail::embedding_row<Num>(V(index[0]));
            for (std::size_t d = 0; d < Dim; ++d)
                y[d] = r < Num ? V(w[r * Dim + d]) : std::numeric_limits<V>::quiet_NaN();
        }
    }
    template <std::size_t I, class G, class GY, class Y, class X, class W>
    static constexpr void vjp(G& g, const GY& gy, const Y&, const X& index, const W&) {
        if constexpr (I == 1) {
            using V = std::remove_cvref_t<decltype(gy[0])>;
            if constexpr (detail::is_batch_v<V>) {
                // Per lane into per-lane accumulators: the sweep takes the block kernel instead
                // (autodiff/block_kernels.hpp); this serves any other caller.
                using S = typename V::value_type;
                alignas(64) S ids[V::size];
                V(index[0]).store_aligned(ids);
                for (std::size_t l = 0; l < V::size; ++l) {
                    const std::size_t r = detail::embedding_row<Num>(ids[l]);
                    if (r >= Num)
                        continue;
                    alignas(64) S one[V::size] = {};
                    one[l] = S(1);
                    const V lane_mask = V::load_aligned(one);
                    for (std::size_t d = 0; d < Dim; ++d)
                        g[r * Dim + d] += gy[d] * lane_mask;
                }
            } else {
                const std::size_t r = detail::embedding_row<Num>(V(index[0]));
                if (r < Num)
                    for (std::size_t d = 0; d < Dim; ++d)
                        g[r * Dim + d] += gy[d];
            }
        }
        // The index's gradient is zero: nothing to add.
    }
};

}  // namespace ops

//! The element C of the vector x, as a vector of one: `tg::column<1>(x)` is the second feature of
//! the input row. torch: `x[:, C:C+1]` on a batch. The index operand of `tg::embedding`.
template <std::size_t C, Expression X>
constexpr auto column(X) {
    using SX = typename X::shape_type;
    constexpr bool ok = SX::rank == 1 && C < SX::size;
    if constexpr (error::check<ok>(
                      error::fault<error::column_outside_the_input<error::column<C>, error::shaped<error::input, SX>>>))
        return node<ops::take<C>, X>{};
    else
        return error::stand_in<shape<1>>{};
}

//! The elements C... of the vector x, in that order, as a vector: `tg::columns<0, 2, 3>(x)`, the
//! numeric columns beside an embedded one. torch: `x[:, [0, 2, 3]]` on a batch.
template <std::size_t... Cs, Expression X>
constexpr auto columns(X) {
    using SX = typename X::shape_type;
    constexpr bool ok = SX::rank == 1 && sizeof...(Cs) > 0 && ((Cs < SX::size) && ...);
    if constexpr (!error::check<ok>(
                      error::fault<
                          error::column_outside_the_input<error::column<Cs...>, error::shaped<error::input, SX>>>))
        return error::stand_in<shape<sizeof...(Cs)>>{};
    else if constexpr (!error::check<detail::distinct_columns<Cs...>()>(
                           error::fault<error::column_selected_twice<error::column<Cs...>>>))
        return error::stand_in<shape<sizeof...(Cs)>>{};
    else
        return node<ops::take<Cs...>, X>{};
}

namespace detail {
template <class X>
inline constexpr bool is_input_column = false;
template <std::size_t C, InputLeaf X>
inline constexpr bool is_input_column<node<ops::take<C>, X>> = true;
template <fixed_string Name>
inline constexpr bool is_input_column<input_leaf<Name, 1>> = true;  // an input of one column: the index
template <>
inline constexpr bool is_input_column<error::stand_in<shape<1>>> = true;  // a column already reported
}  // namespace detail

//! A lookup table of `Num` rows of `Dim` numbers, `<Name>.weight` [Num, Dim], read at the index in
//! one column of the input row: `tg::embedding<"emb", 2, 4>(tg::column<1>(x))` is row x[1] of
//! `emb.weight`, a vector of 4. Each value of that column must be an integer in [0, Num); the data is
//! checked once per dataset, and a value outside is an error naming its row and column. An input
//! of one column is itself an index: `tg::embedding<"emb", 5, 3>(tg::input<"i", 1>)`.
//! torch: `torch.nn.Embedding(Num, Dim)(x[:, C].long())`, its weight drawn from N(0, 1).
template <fixed_string Name, std::size_t Num, std::size_t Dim, Expression X>
constexpr auto embedding(X) {
    static_assert(Num > 0 && Dim > 0, "typegrad: embedding: Num (rows) and Dim (their width) must be positive");
    using W = param_leaf<Name + fixed_string(".weight"), shape<Num, Dim>>;
    if constexpr (error::check<detail::is_input_column<X>>(error::fault<error::embedding_index_is_not_an_input_column>))
        return node<ops::embedding<Num, Dim>, X, W>{};
    else
        return node<ops::embedding<Num, Dim>, error::stand_in<shape<1>>, W>{};
}

}  // namespace TYPEGRAD_NS
