#pragma once
// The one point where typegrad raises a run-time error. With exceptions (the default) it throws
// the error; in a build without them (-fno-exceptions: games, embedded) it calls the handler the
// program installed with set_error_handler, by default one that prints the message to stderr and
// aborts. The errors a program is expected to recover from also have entry points that return
// them as values in either build (core/result.hpp): data::try_read_csv, try_load, and
// Trainer::try_backward / try_step. docs/errors.md, "Builds without exceptions".

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <type_traits>
#include <utility>

#include <typegrad/detail/arch.hpp>

//! 1 when typegrad throws its errors, 0 when it hands them to the error handler. Follows the
//! compiler (-fno-exceptions makes it 0); define it before including typegrad to override.
#ifndef TYPEGRAD_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define TYPEGRAD_EXCEPTIONS 1
#else
#define TYPEGRAD_EXCEPTIONS 0
#endif
#endif

namespace TYPEGRAD_NS {

//! An error typegrad raised, as the error handler of a build without exceptions receives it.
struct error_info {
    //! The error object the exception build would have thrown (std::invalid_argument,
    //! data::csv_error, io::format_error, ...), alive for the handler's call only.
    const std::exception& error;
    //! The message: `error.what()`, which starts with "typegrad:".
    const char* message() const noexcept { return error.what(); }
};

//! A handler of the errors raised in a build without exceptions. It must not return: it ends the
//! program (std::abort, std::quick_exit), or leaves by longjmp / a game engine's own recovery at
//! its own risk; a handler that returns is followed by std::abort().
using error_handler = void (*)(const error_info&);

//! The handler used when none is installed: writes the message and a newline to stderr, then
//! calls std::abort().
[[noreturn]] inline void default_error_handler(const error_info& e) noexcept {
    std::fputs(e.message(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    std::abort();
}

namespace detail {
inline std::atomic<error_handler>& installed_error_handler() noexcept {
    static std::atomic<error_handler> handler{nullptr};
    return handler;
}
}  // namespace detail

//! Installs `handler` for the errors raised in a build without exceptions (nullptr: the default
//! handler again) and returns the previous one (nullptr for the default). Thread-safe; in a build
//! with exceptions the handler is kept but never called.
inline error_handler set_error_handler(error_handler handler) noexcept {
    return detail::installed_error_handler().exchange(handler);
}

//! The handler installed by set_error_handler, or nullptr for the default one.
inline error_handler get_error_handler() noexcept { return detail::installed_error_handler().load(); }

namespace detail {

//! Raises `error`: throws it with exceptions, else calls the error handler (which must not
//! return; if it does, std::abort()). Every run-time error of typegrad goes through here.
template <class E>
[[noreturn, gnu::cold, gnu::noinline]] void raise(E&& error) {
    static_assert(std::is_base_of_v<std::exception, std::remove_cvref_t<E>>,
                  "typegrad: detail::raise takes an exception type");
#if TYPEGRAD_EXCEPTIONS
    throw std::forward<E>(error);
#else
    const error_info info{error};
    if (const error_handler handler = get_error_handler())
        handler(info);
    else
        default_error_handler(info);
    std::abort();
#endif
}

}  // namespace detail
}  // namespace TYPEGRAD_NS
