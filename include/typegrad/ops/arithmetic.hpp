#pragma once
// + - * / and negation of expressions, elementwise with scalar broadcast (torch: `a + b`, ...).
#include <type_traits>

#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/elementwise.hpp>
#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {
namespace ops {

//! a + b.  d/da = 1, d/db = 1.
struct add : detail::binary_elementwise<add> {
    static constexpr auto f(const auto& a, const auto& b) { return a + b; }
    static constexpr auto da(const auto& a, const auto&, const auto&) { return std::remove_cvref_t<decltype(a)>(1); }
    static constexpr auto db(const auto&, const auto& b, const auto&) { return std::remove_cvref_t<decltype(b)>(1); }
};
//! a - b.  d/da = 1, d/db = -1.
struct sub : detail::binary_elementwise<sub> {
    static constexpr auto f(const auto& a, const auto& b) { return a - b; }
    static constexpr auto da(const auto& a, const auto&, const auto&) { return std::remove_cvref_t<decltype(a)>(1); }
    static constexpr auto db(const auto&, const auto& b, const auto&) { return std::remove_cvref_t<decltype(b)>(-1); }
};
//! a * b.  d/da = b, d/db = a.
struct mul : detail::binary_elementwise<mul> {
    static constexpr auto f(const auto& a, const auto& b) { return a * b; }
    static constexpr auto da(const auto&, const auto& b, const auto&) { return b; }
    static constexpr auto db(const auto& a, const auto&, const auto&) { return a; }
};
//! a / b.  d/da = 1 / b, d/db = -y / b.
struct div : detail::binary_elementwise<div> {
    static constexpr auto f(const auto& a, const auto& b) { return a / b; }
    static constexpr auto da(const auto&, const auto& b, const auto&) {
        return std::remove_cvref_t<decltype(b)>(1) / b;
    }
    static constexpr auto db(const auto&, const auto& b, const auto& y) { return -y / b; }
};
//! -a.  d/da = -1.
struct neg : detail::unary_elementwise<neg> {
    static constexpr auto f(const auto& a) { return -a; }
    static constexpr auto df(const auto& a, const auto&) { return std::remove_cvref_t<decltype(a)>(-1); }
};

}  // namespace ops

namespace detail {
template <class T>
concept PlainNumber = std::is_arithmetic_v<std::remove_cvref_t<T>>;
}  // namespace detail

//! Elementwise sum; shapes equal or one side scalar. torch: `a + b`.
template <Expression A, Expression B>
constexpr auto operator+(A, B) {
    [[maybe_unused]] constexpr bool checked = detail::check_elementwise<A, B>();
    return node<ops::add, A, B>{};
}
//! Elementwise difference; shapes equal or one side scalar. torch: `a - b`.
template <Expression A, Expression B>
constexpr auto operator-(A, B) {
    [[maybe_unused]] constexpr bool checked = detail::check_elementwise<A, B>();
    return node<ops::sub, A, B>{};
}
//! Elementwise product; shapes equal or one side scalar. torch: `a * b`.
template <Expression A, Expression B>
constexpr auto operator*(A, B) {
    [[maybe_unused]] constexpr bool checked = detail::check_elementwise<A, B>();
    return node<ops::mul, A, B>{};
}
//! Elementwise quotient; shapes equal or one side scalar. torch: `a / b`.
template <Expression A, Expression B>
constexpr auto operator/(A, B) {
    [[maybe_unused]] constexpr bool checked = detail::check_elementwise<A, B>();
    return node<ops::div, A, B>{};
}
//! Elementwise negation. torch: `-a`.
template <Expression A>
constexpr auto operator-(A) {
    return node<ops::neg, A>{};
}

// A plain number has no compile-time value, so it cannot be part of an expression's type. The
// result stands in for the expression that was meant (the number broadcast over the other
// operand), so that an expression built on it goes on without a second message.
template <class A, class B>
requires((Expression<A> && detail::PlainNumber<B>) ||
         (detail::PlainNumber<A> && Expression<B>)) constexpr auto operator_with_number_error() {
    [[maybe_unused]] constexpr bool checked =
        error::check<!std::is_same_v<A, A>>(error::fault<error::plain_number_in_expression>);
    return error::stand_in<typename std::conditional_t<Expression<A>, A, B>::shape_type>{};
}
template <class A, class B>
requires((Expression<A> && detail::PlainNumber<B>) || (detail::PlainNumber<A> && Expression<B>)) constexpr auto
operator+(A, B) {
    return operator_with_number_error<A, B>();
}
template <class A, class B>
requires((Expression<A> && detail::PlainNumber<B>) || (detail::PlainNumber<A> && Expression<B>)) constexpr auto
operator-(A, B) {
    return operator_with_number_error<A, B>();
}
template <class A, class B>
requires((Expression<A> && detail::PlainNumber<B>) || (detail::PlainNumber<A> && Expression<B>)) constexpr auto
operator*(A, B) {
    return operator_with_number_error<A, B>();
}
template <class A, class B>
requires((Expression<A> && detail::PlainNumber<B>) || (detail::PlainNumber<A> && Expression<B>)) constexpr auto
operator/(A, B) {
    return operator_with_number_error<A, B>();
}

}  // namespace TYPEGRAD_NS
