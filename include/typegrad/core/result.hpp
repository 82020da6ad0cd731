#pragma once
// A value or the error that stopped it, for the entry points that report a recoverable error
// as a value in every build, with or without exceptions (data::try_read_csv, try_load,
// Trainer::try_backward and try_step). C++20 has no std::expected; this is the small part of it
// typegrad needs.

#include <typegrad/core/error.hpp>
#include <typegrad/detail/arch.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace TYPEGRAD_NS {

//! Either a T (the call succeeded) or an E (the error it would have raised). Test it with
//! `if (r)` or has_value(); value() of an error raises the error (throws it with exceptions),
//! so `try_read_csv(...).value()` behaves as read_csv.
template <class T, class E>
class [[nodiscard]] result {
    static_assert(!std::is_same_v<T, E>, "typegrad: result<T, E> needs distinct types");

public:
    //! A success holding `value`.
    result(T value) : value_(std::move(value)) {}
    //! A failure holding `error`.
    result(E error) : error_(std::move(error)) {}

    //! Whether the call succeeded.
    bool has_value() const noexcept { return value_.has_value(); }
    //! has_value().
    explicit operator bool() const noexcept { return has_value(); }

    //! The value; raises error() when there is none.
    T& value() & {
        check();
        return *value_;
    }
    //! The value; raises error() when there is none.
    const T& value() const& {
        check();
        return *value_;
    }
    //! The value, moved out; raises error() when there is none.
    T&& value() && {
        check();
        return std::move(*value_);
    }
    //! The error; only when !has_value().
    const E& error() const& noexcept { return *error_; }
    //! The error, moved out; only when !has_value().
    E&& error() && noexcept { return std::move(*error_); }

    //! The value; only when has_value().
    T& operator*() & noexcept { return *value_; }
    //! The value; only when has_value().
    const T& operator*() const& noexcept { return *value_; }
    //! The value's members; only when has_value().
    T* operator->() noexcept { return &*value_; }
    //! The value's members; only when has_value().
    const T* operator->() const noexcept { return &*value_; }

private:
    void check() const {
        if (!has_value())
            detail::raise(E(*error_));
    }
    // Two optionals rather than a std::variant: one of them is engaged, and <optional> is cheaper
    // to compile (every program that reads a CSV file instantiates a result).
    std::optional<T> value_;
    std::optional<E> error_;
};

//! A call with nothing to return: success, or the error that stopped it.
template <class E>
class [[nodiscard]] result<void, E> {
public:
    //! A success.
    result() noexcept = default;
    //! A failure holding `error`.
    result(E error) : error_(std::move(error)) {}

    //! Whether the call succeeded.
    bool has_value() const noexcept { return !error_.has_value(); }
    //! has_value().
    explicit operator bool() const noexcept { return has_value(); }
    //! Nothing; raises error() when the call failed.
    void value() const {
        if (error_)
            detail::raise(E(*error_));
    }
    //! The error; only when !has_value().
    const E& error() const& noexcept { return *error_; }
    //! The error, moved out; only when !has_value().
    E&& error() && noexcept { return std::move(*error_); }

private:
    std::optional<E> error_;
};

}  // namespace TYPEGRAD_NS
