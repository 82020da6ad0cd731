#pragma once
// A policy's hyperparameters declared once, by torch's option names: the table every generic use
// reads (range checks worded as torch words them, the "changed since validated" test of step(),
// the JSON options of the replay tool).

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/errors.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace TYPEGRAD_NS::optim::detail {

//! The values an option accepts. Every range but `unchecked` rejects NaN.
enum range : std::uint8_t {
    unchecked,      // the bools
    non_negative,   // 0 <= x < inf (torch: x >= 0)
    unit_interval,  // 0 <= x <= 1 (Adadelta's rho)
    beta_interval,  // 0 <= x < 1 for each element (torch: "Invalid beta parameter at index k")
    finite_only,    // any finite value (options torch does not check)
    not_nan,        // anything but NaN; an infinity means something (ASGD's t0, Rprop's step sizes)
    eta_pair,       // Rprop's 0 < etaminus < 1 < etaplus < inf
};

//! One hyperparameter: torch's keyword, the `options` member (a number, a pair of numbers or a
//! flag), the range it must lie in. One type for every member, so that a table is a plain array.
template <class O>
struct option_entry {
    std::string_view name{};
    double O::*number = nullptr;
    std::array<double, 2> O::*pair = nullptr;
    bool O::*flag = nullptr;
    range check = unchecked;

    constexpr option_entry() = default;
    constexpr option_entry(std::string_view n, double O::*m, range r) : name(n), number(m), check(r) {}
    constexpr option_entry(std::string_view n, std::array<double, 2> O::*m, range r) : name(n), pair(m), check(r) {}
    constexpr option_entry(std::string_view n, bool O::*m, range r) : name(n), flag(m), check(r) {}

    //! Calls f(member) with a reference to this entry's member of `o`.
    template <class Options, class F>
    constexpr decltype(auto) visit(Options& o, F&& f) const {
        if (number)
            return f(o.*number);
        if (pair)
            return f(o.*pair);
        return f(o.*flag);
    }
};

namespace table {
template <class O>
constexpr void fill(option_entry<O>*) {}
template <class O, class M, class... Rest>
constexpr void fill(option_entry<O>* out, const char* name, M O::*member, range check, Rest... rest) {
    *out = option_entry<O>(name, member, check);
    fill<O>(out + 1, rest...);
}
}  // namespace table

//! A policy's table of hyperparameters from (torch's keyword, member, range) triples, in the order
//! torch checks them: `options_table("lr", &options::lr, non_negative, "maximize", &options::maximize,
//! unchecked)`. Every member of `options` must be listed. The table is a plain array of one entry
//! type, read by loops: cheap to compile.
template <class O, class M, class... Rest>
constexpr auto options_table(const char* name, M O::*member, range check, Rest... rest) {
    static_assert(sizeof...(Rest) % 3 == 0, "typegrad: options_table takes (name, member, range) triples");
    std::array<option_entry<O>, 1 + sizeof...(Rest) / 3> entries{};
    table::fill<O>(entries.data(), name, member, check, rest...);
    return entries;
}

//! The table of a policy of the Adam family (Adam, AdamW, Adamax, NAdam, RAdam), whose options
//! start with lr, eps, betas and weight_decay, checked first and in this order by torch; then the
//! policy's own (name, member, range) triples: `adam_family_table<options>("maximize",
//! &options::maximize, unchecked)`.
template <class O, class... Rest>
constexpr auto adam_family_table(Rest... rest) {
    return options_table("lr", &O::lr, non_negative, "eps", &O::eps, non_negative, "betas", &O::betas, beta_interval,
                         "weight_decay", &O::weight_decay, non_negative, rest...);
}

// torch's words for a value in its messages: "Invalid learning rate: ", "Invalid epsilon value: ",
// otherwise "Invalid <name> value: ".
inline std::string invalid_words(std::string_view name) {
    if (name == "lr")
        return "Invalid learning rate: ";
    if (name == "eps")
        return "Invalid epsilon value: ";
    return "Invalid " + std::string(name) + " value: ";
}

constexpr bool in_range(range r, double x) {
    switch (r) {
        case non_negative:
            return x >= 0.0 && finite(x);
        case unit_interval:
            return x >= 0.0 && x <= 1.0;
        case beta_interval:
            return x >= 0.0 && x < 1.0;
        case finite_only:
            return finite(x);
        case not_nan:
            return x == x;
        default:
            return true;
    }
}

template <class M>
constexpr void check_value(std::string_view who, range check, std::string_view name, const M& v) {
    if constexpr (std::is_same_v<M, double>) {
        if (!in_range(check, v))
            invalid_value(who, invalid_words(name), v);
    } else if constexpr (std::is_same_v<M, std::array<double, 2>>) {
        if (check == eta_pair) {
            if (!(0.0 < v[0] && v[0] < 1.0 && 1.0 < v[1] && finite(v[1])))
                invalid(who, "Invalid eta values: " + py_repr(v[0]) + ", " + py_repr(v[1]));
        } else {
            for (std::size_t k = 0; k < 2; ++k)
                if (!in_range(check, v[k]))
                    invalid_value(who,
                                  check == beta_interval ? "Invalid beta parameter at index " + std::to_string(k) + ": "
                                                         : invalid_words(name),
                                  v[k]);
        }
    }
}

//! Checks every option of `o` against `Policy::hyperparameters`, in the table's order (torch's
//! order of checks); throws std::invalid_argument with torch's message.
template <class Policy>
constexpr void check_options(const typename Policy::options& o) {
    for (const auto& e : Policy::hyperparameters)
        e.visit(o, [&](const auto& v) { check_value(Policy::name, e.check, e.name, v); });
}

template <class M>
constexpr bool same_bits(const M& a, const M& b) {
    if constexpr (std::is_same_v<M, double>)
        return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
    else if constexpr (std::is_same_v<M, std::array<double, 2>>)
        return same_bits(a[0], b[0]) && same_bits(a[1], b[1]);
    else
        return a == b;
}

//! The base of a policy `P`: `validate(options)` checks every option against `P::hyperparameters`
//! (torch's words), then runs `P::check(options)`, the policy's test across options, if it has one.
template <class P>
struct policy_base {
    template <class Options>
    static constexpr void validate(const Options& o) {
        check_options<P>(o);
        if constexpr (requires { P::check(o); })
            P::check(o);
    }
};

//! Whether a and b hold the same options, bit for bit (so a NaN equals itself and -0.0 differs
//! from 0.0): the test step() runs on each group before it re-validates.
template <class Policy>
constexpr bool same_options(const typename Policy::options& a, const typename Policy::options& b) {
    for (const auto& e : Policy::hyperparameters) {
        const bool same = e.number ? same_bits(a.*e.number, b.*e.number)
                          : e.pair ? same_bits(a.*e.pair, b.*e.pair)
                                   : a.*e.flag == b.*e.flag;
        if (!same)
            return false;
    }
    return true;
}

//! Calls f(name, member) for every hyperparameter of `o`, in the table's order.
template <class Policy, class Options, class F>
constexpr void for_each_option(Options& o, F&& f) {
    for (const auto& e : Policy::hyperparameters)
        e.visit(o, [&](auto& v) { f(e.name, v); });
}

}  // namespace TYPEGRAD_NS::optim::detail
