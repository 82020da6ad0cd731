#pragma once
// A string usable as a template argument: parameter and input names are part of a node's type.
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! A compile-time string of N characters, usable as a template argument (`tg::input<"x", 10>`).
template <std::size_t N>
struct fixed_string {
    char chars[N + 1]{};

    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&s)[N + 1]) noexcept { std::copy_n(s, N + 1, chars); }

    static constexpr std::size_t size() noexcept { return N; }
    constexpr std::string_view view() const noexcept { return {chars, N}; }
    constexpr operator std::string_view() const noexcept { return view(); }

    template <std::size_t M>
    constexpr bool operator==(const fixed_string<M>& other) const noexcept {
        return view() == other.view();
    }
};

template <std::size_t N>
fixed_string(const char (&)[N]) -> fixed_string<N - 1>;

//! `a` followed by `b`, as one fixed_string (`"fc" + ".weight"`).
template <std::size_t N, std::size_t M>
constexpr fixed_string<N + M> operator+(const fixed_string<N>& a, const fixed_string<M>& b) noexcept {
    fixed_string<N + M> r;
    std::copy_n(a.chars, N, r.chars);
    std::copy_n(b.chars, M + 1, r.chars + N);
    return r;
}

//! The decimal digits of `v` as a fixed_string (used for `torch.nn.Sequential`'s names "0", "2", ...).
template <std::size_t V>
constexpr auto index_string() noexcept {
    constexpr std::size_t digits = [] {
        std::size_t d = 1;
        for (std::size_t n = V; n >= 10; n /= 10)
            ++d;
        return d;
    }();
    fixed_string<digits> r;
    std::size_t n = V;
    for (std::size_t i = digits; i-- > 0; n /= 10)
        r.chars[i] = static_cast<char>('0' + n % 10);
    return r;
}

}  // namespace TYPEGRAD_NS
