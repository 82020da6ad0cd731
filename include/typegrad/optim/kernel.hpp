#ifndef TYPEGRAD_OPTIM_KERNEL_HPP
#define TYPEGRAD_OPTIM_KERNEL_HPP

// Plumbing shared by every optimiser policy: the SIMD sweep over one parameter's slice,
// torch-worded argument errors, and by-name access to optimiser state.

#include <typegrad/detail/partial.hpp>
#include <typegrad/detail/xsimd.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typegrad::optim::detail {

// ---------------------------------------------------------------------------------------------
// Errors. Formats a double the way Python's repr() does, so messages read exactly like torch's
// ("Invalid learning rate: -0.1", "Invalid epsilon value: -1e-08").

inline std::string py_repr(double x) {
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
[[noreturn]] inline void invalid(std::string_view who, std::string_view what) {
    throw std::invalid_argument("typegrad: " + std::string(who) + ": " + std::string(what));
}
[[noreturn]] inline void invalid_value(std::string_view who, std::string_view what, double v) {
    invalid(who, std::string(what) + py_repr(v));
}

// ---------------------------------------------------------------------------------------------
// The sweep: one kernel over a slice, `xsimd::batch<T>` wide, the tail loaded under a mask into a
// batch so every element sees the same instruction sequence (results never depend on its index).

template <class T>
struct in {
    const T* p;
};
template <class T>
struct inout {
    T* p;
};

template <class T>
inline xsimd::batch<T> load(in<T> s, std::size_t i) {
    return xsimd::batch<T>::load_unaligned(s.p + i);
}
template <class T>
inline xsimd::batch<T> load(inout<T> s, std::size_t i) {
    return xsimd::batch<T>::load_unaligned(s.p + i);
}
template <class T>
inline void store(in<T>, std::size_t, const xsimd::batch<T>&) {}
template <class T>
inline void store(inout<T> s, std::size_t i, const xsimd::batch<T>& b) {
    b.store_unaligned(s.p + i);
}
template <class T>
inline xsimd::batch<T> load_first(in<T> s, std::size_t i, std::size_t n) {
    return typegrad::detail::load_first<xsimd::batch<T>>(s.p + i, n);
}
template <class T>
inline xsimd::batch<T> load_first(inout<T> s, std::size_t i, std::size_t n) {
    return typegrad::detail::load_first<xsimd::batch<T>>(s.p + i, n);
}
template <class T>
inline void store_first(in<T>, std::size_t, std::size_t, const xsimd::batch<T>&) {}
template <class T>
inline void store_first(inout<T> s, std::size_t i, std::size_t n, const xsimd::batch<T>& b) {
    typegrad::detail::store_first(s.p + i, n, b);
}

template <class T, class Kernel, class... Streams>
inline void sweep(std::size_t n, Kernel&& kernel, Streams... streams) {
    using batch = xsimd::batch<T>;
    constexpr std::size_t width = batch::size;
    std::size_t i = 0;
    for (; i + width <= n; i += width) {
        std::array<batch, sizeof...(Streams)> b{load(streams, i)...};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            kernel(b[I]...);
            (store(streams, i, b[I]), ...);
        }
        (std::index_sequence_for<Streams...>{});
    }
    if (i == n)
        return;
    // The tail: lanes past the slice are zero and are never written back.
    const std::size_t rest = n - i;
    std::array<batch, sizeof...(Streams)> b{load_first(streams, i, rest)...};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        kernel(b[I]...);
        (store_first(streams, i, rest, b[I]), ...);
    }
    (std::index_sequence_for<Streams...>{});
}

// ---------------------------------------------------------------------------------------------
// State storage. Sized at run time (by the optimiser's constructor), so a policy's state and its
// SIMD update depend on the element type only: one instantiation per (policy, T), whatever the
// model. All allocation happens at construction; step() touches no heap.

//! A zero-initialised, 64-byte-aligned array of `n` T, owned; copyable and movable.
template <class T>
class aligned_buffer {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

public:
    static constexpr std::size_t alignment = 64;
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    aligned_buffer() noexcept = default;
    explicit aligned_buffer(std::size_t n) : data_(allocate(n)), size_(n) {}
    aligned_buffer(const aligned_buffer& o) : aligned_buffer(o.size_) { std::copy(o.begin(), o.end(), begin()); }
    aligned_buffer(aligned_buffer&& o) noexcept : data_(std::move(o.data_)), size_(std::exchange(o.size_, 0)) {}
    aligned_buffer& operator=(const aligned_buffer& o) {
        if (this != &o)
            *this = aligned_buffer(o);
        return *this;
    }
    aligned_buffer& operator=(aligned_buffer&& o) noexcept {
        data_ = std::move(o.data_);
        size_ = std::exchange(o.size_, 0);
        return *this;
    }
    ~aligned_buffer() = default;

    T* data() noexcept { return data_.get(); }
    const T* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    T* begin() noexcept { return data(); }
    T* end() noexcept { return data() + size_; }
    const T* begin() const noexcept { return data(); }
    const T* end() const noexcept { return data() + size_; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    operator std::span<T>() noexcept { return {data(), size_}; }
    operator std::span<const T>() const noexcept { return {data(), size_}; }

private:
    struct deleter {
        void operator()(T* p) const noexcept { ::operator delete (p, std::align_val_t{alignment}); }
    };
    static T* allocate(std::size_t n) {
        if (n == 0)
            return nullptr;
        if (n > std::size_t(-1) / sizeof(T))
            throw std::bad_array_new_length();
        T* p = static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{alignment}));
        std::uninitialized_value_construct_n(p, n);
        return p;
    }
    std::unique_ptr<T[], deleter> data_;
    std::size_t size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// By-name state access. A policy's state derives from `named_state<Derived, T>`, is constructed
// with (n, p) = (values in the flat buffer, parameters), and defines
//   template <class Self, class F> static void visit_buffers(Self&, F&&);  // f(name, aligned_buffer<T>&)
//   template <class Self, class F> static void visit_scalars(Self&, F&&);  // f(name, std::vector<X>&)
// `present` (p entries, from named_state): bit k set when the k-th name (buffers, then scalars)
// exists in torch's state dict for that parameter.

template <class Derived, class T>
struct named_state {
    std::vector<std::uint16_t> present;

    named_state() = default;
    explicit named_state(std::size_t params) : present(params, 0) {}

    //! The flat buffer (all N elements) behind a state tensor such as "exp_avg"; slice it with a
    //! parameter's offset/size. Throws std::invalid_argument for a name the policy does not keep.
    std::span<const T> buffer(std::string_view name) const {
        std::span<const T> out;
        bool found = false;
        Derived::visit_buffers(self(), [&](std::string_view n, const auto& a) {
            if (n == name)
                out = std::span<const T>(a.data(), a.size()), found = true;
        });
        if (!found)
            unknown(name);
        return out;
    }
    std::span<T> buffer(std::string_view name) {
        std::span<T> out;
        bool found = false;
        Derived::visit_buffers(self(), [&](std::string_view n, auto& a) {
            if (n == name)
                out = std::span<T>(a.data(), a.size()), found = true;
        });
        if (!found)
            unknown(name);
        return out;
    }
    //! A per-parameter scalar such as "step" (stored as torch stores it: float32 or int), as double.
    double scalar(std::string_view name, std::size_t param) const {
        double out = 0;
        bool found = false;
        Derived::visit_scalars(self(), [&](std::string_view n, const auto& a) {
            if (n == name)
                out = static_cast<double>(a.at(param)), found = true;
        });
        if (!found)
            unknown(name);
        return out;
    }
    //! Sets a scalar (checkpoint loading); the value is converted to the stored type.
    void set_scalar(std::string_view name, std::size_t param, double v) {
        bool found = false;
        Derived::visit_scalars(self(), [&](std::string_view n, auto& a) {
            if (n == name) {
                a.at(param) = static_cast<typename std::remove_cvref_t<decltype(a)>::value_type>(v);
                found = true;
            }
        });
        if (!found)
            unknown(name);
    }
    //! Whether torch's state dict for `param` holds `name` now (e.g. "max_exp_avg_sq" only with
    //! amsgrad, and nothing before the first step).
    bool has(std::string_view name, std::size_t param) const {
        std::size_t k = 0, hit = 64;
        auto look = [&](std::string_view n, const auto&) {
            if (n == name)
                hit = k;
            ++k;
        };
        Derived::visit_buffers(self(), look);
        Derived::visit_scalars(self(), look);
        return hit < 16 && ((present.at(param) >> hit) & 1u) != 0;
    }
    //! Whether parameters a and b have the same per-parameter scalars (and state keys).
    bool same_scalars(std::size_t a, std::size_t b) const {
        bool same = present.at(a) == present.at(b);
        Derived::visit_scalars(self(), [&](std::string_view, const auto& v) { same = same && v.at(a) == v.at(b); });
        return same;
    }
    //! Gives parameter `to` the per-parameter scalars (and state keys) of `from`.
    void copy_scalars(std::size_t from, std::size_t to) {
        present.at(to) = present.at(from);
        Derived::visit_scalars(self(), [&](std::string_view, auto& v) { v.at(to) = v.at(from); });
    }

    //! Calls f(name) for every state entry the policy can keep, buffers first, in torch's order.
    template <class F>
    void for_each_name(F&& f) const {
        Derived::visit_buffers(self(), [&](std::string_view n, const auto&) { f(n, true); });
        Derived::visit_scalars(self(), [&](std::string_view n, const auto&) { f(n, false); });
    }

private:
    const Derived& self() const { return static_cast<const Derived&>(*this); }
    Derived& self() { return static_cast<Derived&>(*this); }
    [[noreturn]] static void unknown(std::string_view name) {
        invalid(Derived::policy_name, "no optimizer state named '" + std::string(name) + "'");
    }
};

//! beta^step for a parameter stepped once more: one multiplication by beta instead of std::pow when
//! the last value computed was beta^(step - 1) (otherwise, e.g. after a checkpoint set the step or
//! a scheduler changed beta, std::pow). For the bias corrections 1 - beta^step: a power below 1e-30
//! is kept at 0, where 1 - power is 1 in double either way, so no arithmetic on denormals follows.
class power_cache {
public:
    double next(double base, double step) {
        if (base == base_ && step == step_)
            return power_;  // a float step count stops at 2^24
        if (base == base_ && step == step_ + 1)
            power_ *= base;
        else
            power_ = std::pow(base, step);
        if (power_ < 1e-30)
            power_ = 0;
        base_ = base;
        step_ = step;
        return power_;
    }

private:
    double base_ = -1, step_ = -1, power_ = 1;
};

// Cast of a hyperparameter computed in double to the tensor's element type, as torch does when a
// Python float meets a float32 tensor.
template <class T>
inline xsimd::batch<T> bc(double v) {
    return xsimd::batch<T>(static_cast<T>(v));
}

}  // namespace typegrad::optim::detail

#endif
