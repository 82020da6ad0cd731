#pragma once
// Building error messages with little code: `cat({"a", b, "c"})` is one call with an array of
// views, where `"a" + b + "c"` is a chain of std::string temporaries that the optimiser inlines
// and schedules at every site. The messages are cold (each is built at most once per failure), but
// their code is compiled in every program that can fail so: this keeps it small.
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::detail {

//! The pieces, joined. Out of line and cold: one copy per program, never inlined into a caller.
[[gnu::cold, gnu::noinline]] inline std::string cat(std::initializer_list<std::string_view> pieces) {
    std::size_t size = 0;
    for (const std::string_view p : pieces)
        size += p.size();
    std::string s;
    s.reserve(size);
    for (const std::string_view p : pieces)
        s.append(p);
    return s;
}

//! n in decimal, as std::to_string writes it; out of line so that each call site is one call.
[[gnu::cold, gnu::noinline]] inline std::string decimal(std::size_t n) { return std::to_string(n); }

}  // namespace TYPEGRAD_NS::detail
