#pragma once
// Run-time errors of the optimisers, schedulers and clipping, worded as torch words them: Python's
// repr() of a double and the std::invalid_argument every bad hyperparameter throws.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typegrad/core/error.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>

namespace TYPEGRAD_NS::optim::detail {

//! A double as Python's repr() writes it, so messages read exactly like torch's
//! ("Invalid learning rate: -0.1", "Invalid epsilon value: -1e-08"). For messages only: cold.
[[gnu::cold]] inline std::string py_repr(double x) {
    if (std::isnan(x))
        return "nan";
    if (std::isinf(x))
        return x < 0 ? "-inf" : "inf";
    if (x == 0)
        return std::signbit(x) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));  // [-]d[.ddd]e[+-]XX
    std::string sign;
    if (s.front() == '-') {
        sign = "-";
        s.remove_prefix(1);
    }
    auto epos = s.find('e');
    std::string digits;
    for (char c : s.substr(0, epos))
        if (c != '.')
            digits += c;
    int e = 0;
    auto exp = s.substr(epos + 1);
    if (exp.front() == '+')
        exp.remove_prefix(1);
    std::from_chars(exp.data(), exp.data() + exp.size(), e);
    if (e < -4 || e >= 16) {
        std::string m = digits.substr(0, 1);
        if (digits.size() > 1)
            m += "." + digits.substr(1);
        std::string es = std::to_string(e < 0 ? -e : e);
        if (es.size() < 2)
            es = "0" + es;
        return sign + m + "e" + (e < 0 ? "-" : "+") + es;
    }
    std::string out;
    if (e < 0) {
        out = "0." + std::string(static_cast<std::size_t>(-e - 1), '0') + digits;
    } else {
        auto point = static_cast<std::size_t>(e) + 1;
        if (digits.size() <= point) {
            out = digits + std::string(point - digits.size(), '0') + ".0";
        } else {
            out = digits.substr(0, point) + "." + digits.substr(point);
        }
    }
    return sign + out;
}

// Not constexpr on purpose: reaching it during constant evaluation is a compile error, which is
// how a constant bad hyperparameter fails to compile (`constexpr auto ok = (SGD::validate(o), 0);`).
// Out of line and cold: every policy's checks call them, none needs them compiled in.
[[noreturn, gnu::cold, gnu::noinline]] inline void invalid(std::string_view who, std::string_view what) {
    typegrad::detail::raise(std::invalid_argument(typegrad::detail::cat({"typegrad: ", who, ": ", what})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void invalid_value(std::string_view who, std::string_view what,
                                                                 double v) {
    invalid(who, typegrad::detail::cat({what, py_repr(v)}));
}

//! Whether x is finite; constexpr, unlike std::isfinite in C++20 (inf - inf and NaN - NaN are NaN).
constexpr bool finite(double x) { return x - x == 0; }

}  // namespace TYPEGRAD_NS::optim::detail
