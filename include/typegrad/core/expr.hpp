#pragma once
// Expressions are types. A node is an empty, trivially copyable type whose template arguments are its
// operation and its operands; leaves carry a compile-time name and shape. All numbers live in buffers
// owned by the evaluation, so expressions are `constexpr` values and template arguments.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/decimal.hpp>

namespace TYPEGRAD_NS {

template <class... Ts>
struct type_list {};

//! Base of every expression node (a tag; nodes hold no data).
struct expr_base {};

//! A typegrad expression: an empty node type built by typegrad's builders.
template <class E>
concept Expression = std::is_base_of_v<expr_base, std::remove_cvref_t<E>> && std::is_empty_v<std::remove_cvref_t<E>>;

enum class leaf_kind { param, input, target, constant };

//! What the named leaves have in common: their kind, their name (part of their type), their shape,
//! and no operands.
template <leaf_kind Kind, fixed_string Name, class Shape>
struct named_leaf : expr_base {
    static constexpr leaf_kind kind = Kind;
    static constexpr auto name = Name;
    using shape_type = Shape;
    using children = type_list<>;
};

//! A trainable parameter `Name` of shape `Shape` (values and gradients live in `tg::Parameters`).
template <fixed_string Name, class Shape>
struct param_leaf : named_leaf<leaf_kind::param, Name, Shape> {};

//! One sample's feature vector of width `N`, read from the data's feature columns.
template <fixed_string Name, std::size_t N>
struct input_leaf : named_leaf<leaf_kind::input, Name, shape<N>> {};

//! One sample's target (a scalar, or a class index for classification losses).
template <fixed_string Name, class Shape>
struct target_leaf : named_leaf<leaf_kind::target, Name, Shape> {};

//! A compile-time scalar constant; the value is kept as the bits of a double, since Clang 14 takes no
//! floating-point template arguments.
template <std::uint64_t Bits>
struct constant_leaf : expr_base {
    static constexpr leaf_kind kind = leaf_kind::constant;
    static constexpr double value = std::bit_cast<double>(Bits);
    using shape_type = scalar_shape;
    using children = type_list<>;
};

//! An operation `Op` applied to the operands `Args...`; `Op` states the shape rule, forward and VJP.
template <class Op, class... Args>
struct node : expr_base {
    using op = Op;
    using children = type_list<Args...>;
    using shape_type = typename Op::template result_shape<typename Args::shape_type...>;
};

template <class E>
concept Leaf = Expression<E> && requires {
    E::kind;
};
template <class E>
concept ParamLeaf = Leaf<E> &&(E::kind == leaf_kind::param);
template <class E>
concept InputLeaf = Leaf<E> &&(E::kind == leaf_kind::input);
template <class E>
concept TargetLeaf = Leaf<E> &&(E::kind == leaf_kind::target);
template <class E>
concept ConstantLeaf = Leaf<E> &&(E::kind == leaf_kind::constant);

template <Expression E>
inline constexpr std::size_t size_of = E::shape_type::size;

//! Whether two expression types are the same expression (ignoring const, as `decltype` of a
//! `constexpr` variable adds it).
template <class A, class B>
concept SameExpression = std::is_same_v<std::remove_cvref_t<A>, std::remove_cvref_t<B>>;

//! `tg::param<"w", 3>`: a parameter named "w" of shape [3] (`tg::param<"w">` is a scalar).
template <fixed_string Name, std::size_t... Dims>
inline constexpr param_leaf<Name, shape<Dims...>> param{};

//! `tg::input<"x", 10>`: one sample's 10 features.
template <fixed_string Name, std::size_t N>
inline constexpr input_leaf<Name, N> input{};

//! `tg::target<"y">`: one sample's scalar target.
template <fixed_string Name, std::size_t... Dims>
inline constexpr target_leaf<Name, shape<Dims...>> target{};

//! `tg::constant<2>`: an integer constant; for decimals write `2.5_c` (`using namespace tg::literals`).
template <long long N>
inline constexpr constant_leaf<std::bit_cast<std::uint64_t>(static_cast<double>(N))> constant{};

namespace detail {
template <char... Cs>
inline constexpr char literal_text[] = {Cs...};
template <char... Cs>
constexpr double parse_decimal() {
    return parse_decimal(std::string_view(literal_text<Cs...>, sizeof...(Cs)));
}
}  // namespace detail

namespace literals {
//! `0.5_c`: a compile-time constant expression node, holding the double that C++ makes of the
//! literal `0.5` (the nearest double: `0.3_c` is the double `0.3`, as in torch). A literal that a
//! double cannot hold, which the compiler would warn of (`1e309`: inf, `1e-400`: 0), is an error.
template <char... Cs>
constexpr auto operator""_c() {
    constexpr std::string_view text(detail::literal_text<Cs...>, sizeof...(Cs));
    constexpr detail::decimal_text::parts parts = detail::decimal_text::split(text);
    constexpr bool well_formed = parts.well_formed;
    static_assert(well_formed, "typegrad: _c takes a decimal literal such as 2.5_c or 1e-3_c");
    if constexpr (well_formed) {
        constexpr double value = detail::parse_decimal(text);
        static_assert(value <= 1.7976931348623157e308,
                      "typegrad: _c: the literal is beyond the greatest double, 1.7976931348623157e308 (as a double "
                      "literal it would be inf, which the compiler warns of)");
        static_assert(value != 0 || parts.significant == 0,
                      "typegrad: _c: the literal is below half the least double, 4.9406564584124654e-324 (as a "
                      "double literal it would be 0, which the compiler warns of)");
        return constant_leaf<std::bit_cast<std::uint64_t>(value)>{};
    } else
        return constant_leaf<0>{};
}
}  // namespace literals

template <std::uint64_t Bits>
constexpr auto operator-(constant_leaf<Bits>) {
    return constant_leaf<std::bit_cast<std::uint64_t>(-constant_leaf<Bits>::value)>{};
}

//! One sample's class index in [0, K), stored in the data's target column as a number (0, 1, 2,
//! ...); the target of classification losses (`tg::nll`, `tg::cross_entropy`).
template <fixed_string Name, std::size_t K>
struct class_target_leaf : named_leaf<leaf_kind::target, Name, scalar_shape> {
    static constexpr std::size_t classes = K;
};

//! A class-index target (see class_target_leaf).
template <class E>
concept ClassTarget = TargetLeaf<E> && requires {
    std::remove_cvref_t<E>::classes;
};

//! `tg::class_target<"y", 3>`: one sample's class index, one of 3 classes (torch: an integer label
//! tensor, as `F.cross_entropy` takes).
template <fixed_string Name, std::size_t K>
inline constexpr class_target_leaf<Name, K> class_target{};

}  // namespace TYPEGRAD_NS
