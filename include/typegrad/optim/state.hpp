#pragma once
// Optimiser state: the aligned buffers behind per-element tensors, and `named_state`, which gives
// a policy's state its by-name face (presence in torch's state dict, lookup, enumeration for
// checkpoints) from one declaration of its entries. Sized at run time (by the optimiser's
// constructor), so a policy's state and its SIMD update depend on the element type only: one
// instantiation per (policy, T), whatever the model. All allocation happens at construction.

#include <typegrad/optim/errors.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typegrad::optim::detail {

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

template <class X>
inline constexpr bool is_buffer_v = false;
template <class T>
inline constexpr bool is_buffer_v<aligned_buffer<T>> = true;

//! One entry of a state declaration: torch's key and the member that holds it, an
//! `aligned_buffer<T>` (a tensor shaped like the parameter) or a `std::vector<X>` with one X per
//! parameter (a 0-d tensor or Python number, X as torch stores it: float or std::int64_t), all
//! zero. An entry without a name (`scratch`) is sized per parameter but is not state.
template <class S, class M, bool Named = true>
struct state_entry {
    static constexpr bool named = Named;
    std::string_view name;
    M S::*member;
};
template <class S, class M>
constexpr state_entry<S, M> entry(std::string_view name, M S::*member) {
    return {name, member};
}
template <class S, class M>
constexpr state_entry<S, M, false> scratch(M S::*member) {
    return {{}, member};
}
//! A state declaration from (torch's key, member) pairs: `state_table("exp_avg", &state::exp_avg, ...)`.
template <class... A>
constexpr auto state_table(A... a) {
    static_assert(sizeof...(A) % 2 == 0, "typegrad: state_table takes (name, member) pairs");
    const std::tuple<A...> args{a...};
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::tuple{entry(std::string_view(std::get<2 * I>(args)), std::get<2 * I + 1>(args))...};
    }
    (std::make_index_sequence<sizeof...(A) / 2>{});
}
template <class E>
inline constexpr bool named_v = std::remove_cvref_t<E>::named;

//! What a checkpoint needs to know of a state entry: torch's key, whether it is shaped like the
//! parameter (else a 0-d scalar), and its dtype as safetensors names it.
struct state_entry_info {
    std::string_view name;
    bool is_buffer;
    std::string_view dtype;
};

// safetensors' dtype of a stored element: float (F32), double (F64) or std::int64_t (I64).
template <class X>
constexpr std::string_view dtype_name() {
    static_assert(std::is_same_v<X, float> || std::is_same_v<X, double> || std::is_same_v<X, std::int64_t>,
                  "typegrad: optimizer state is stored as float, double or std::int64_t");
    return std::is_same_v<X, float> ? "F32" : std::is_same_v<X, double> ? "F64" : "I64";
}

//! The by-name face of a policy's state. `Derived` (the policy's `state<T>`) holds its entries as
//! members and lists them once, in torch's names:
//!   static constexpr auto entries = state_table("exp_avg", &state::exp_avg, "step", &state::step);
//! Sizing (`allocate`), presence, lookup and enumeration all read that list; errors name
//! `Policy::name`.
template <class Policy, class Derived, class T>
class named_state {
public:
    //! A state key checked at compile time: a name `Derived::entries` does not list does not compile.
    class key {
    public:
        template <std::size_t N>
        consteval key(const char (&name)[N]) : bit_(bit_of(std::string_view(name, N - 1))) {}
        std::uint16_t bit() const { return bit_; }

    private:
        static consteval std::uint16_t bit_of(std::string_view name) {
            const auto k = index(name);
            if (k >= count())
                no_state_entry_of_this_name();
            return static_cast<std::uint16_t>(1u << k);
        }
        std::uint16_t bit_;
    };

    //! Sizes every entry: buffers to `n` zeros, per-parameter entries to `params` value-initialised
    //! elements; nothing is present yet.
    void allocate(std::size_t n, std::size_t params) {
        static_assert(count() <= 16, "typegrad: an optimizer state keeps at most 16 named entries");
        present_.assign(params, 0);
        each([&](const auto& e) {
            auto& m = self().*e.member;
            using M = std::remove_cvref_t<decltype(m)>;
            if constexpr (is_buffer_v<M>)
                m = M(n);
            else
                m.assign(params, typename M::value_type{});
        });
    }

    //! Records that torch's state dict holds these keys for `param` from now on.
    void mark_present(std::size_t param, std::initializer_list<key> keys) {
        for (const key& k : keys)
            present_[param] = static_cast<std::uint16_t>(present_[param] | k.bit());
    }
    //! Whether torch's state dict holds `k` for `param` now.
    bool is_present(std::size_t param, key k) const { return (present_[param] & k.bit()) != 0; }
    //! Whether torch's state dict holds nothing for `param` yet (before its first step).
    bool is_empty(std::size_t param) const { return present_[param] == 0; }

    //! The flat buffer (all N elements) behind a state tensor such as "exp_avg"; slice it with a
    //! parameter's offset/size. Throws std::invalid_argument for a name the policy does not keep.
    std::span<const T> buffer(std::string_view name) const {
        std::span<const T> out;
        find<true>(name, [&](const auto& m) { out = std::span<const T>(m.data(), m.size()); });
        return out;
    }
    //! The same, writable (checkpoint loading).
    std::span<T> buffer(std::string_view name) {
        std::span<T> out;
        find<true>(name, [&](auto& m) { out = std::span<T>(m.data(), m.size()); });
        return out;
    }
    //! A per-parameter scalar such as "step" (stored as torch stores it: float32 or int), as double.
    double scalar(std::string_view name, std::size_t param) const {
        double out = 0;
        find<false>(name, [&](const auto& m) { out = static_cast<double>(m.at(param)); });
        return out;
    }
    //! Sets a scalar (checkpoint loading); the value is converted to the stored type.
    void set_scalar(std::string_view name, std::size_t param, double v) {
        find<false>(name, [&](auto& m) {
            m.at(param) = static_cast<typename std::remove_cvref_t<decltype(m)>::value_type>(v);
        });
    }
    //! Whether torch's state dict for `param` holds `name` now (e.g. "max_exp_avg_sq" only with
    //! amsgrad, and nothing before the first step); false for a name the policy does not keep.
    bool has(std::string_view name, std::size_t param) const {
        const auto k = index(name);
        return k < count() && ((present_.at(param) >> k) & 1u) != 0;
    }
    //! Sets whether `param` holds `name` (checkpoint loading); throws for an unknown name.
    void set_present(std::string_view name, std::size_t param, bool on) {
        const auto k = index(name);
        if (k >= count())
            unknown(name);
        const auto bit = static_cast<std::uint16_t>(1u << k);
        present_.at(param) = static_cast<std::uint16_t>(on ? present_.at(param) | bit : present_.at(param) & ~bit);
    }
    //! Whether parameters a and b have the same per-parameter scalars (and state keys).
    bool same_scalars(std::size_t a, std::size_t b) const {
        bool same = present_[a] == present_[b];
        each_scalar([&](const auto& v) { same = same && v[a] == v[b]; });
        return same;
    }
    //! Gives parameter `to` the per-parameter scalars (and state keys) of `from`.
    void copy_scalars(std::size_t from, std::size_t to) {
        present_[to] = present_[from];
        each_scalar([&](auto& v) { v[to] = v[from]; });
    }

    //! Calls f(name, is_buffer) for every state entry the policy can keep, in the declaration's order.
    template <class F>
    void for_each_name(F&& f) const {
        for_each_entry([&](const state_entry_info& e) { f(e.name, e.is_buffer); });
    }
    //! Calls f(state_entry_info) for every state entry: name, tensor or scalar, dtype.
    template <class F>
    void for_each_entry(F&& f) const {
        each([&](const auto& e) {
            using M = std::remove_cvref_t<decltype(self().*e.member)>;
            if constexpr (named_v<decltype(e)>)
                f(state_entry_info{e.name, is_buffer_v<M>, dtype_name<typename M::value_type>()});
        });
    }

private:
    template <class F>
    static constexpr void each(F&& f) {
        std::apply([&](const auto&... e) { (f(e), ...); }, Derived::entries);
    }
    // Position among the named entries: the bit of `present_`; count() when unknown.
    static constexpr std::size_t index(std::string_view name) {
        std::size_t k = 0, hit = std::tuple_size_v<decltype(Derived::entries)>;
        each([&](const auto& e) {
            if constexpr (named_v<decltype(e)>) {
                if (e.name == name)
                    hit = k;
                ++k;
            }
        });
        return hit == std::tuple_size_v<decltype(Derived::entries)> ? count() : hit;
    }
    static constexpr std::size_t count() {
        std::size_t k = 0;
        each([&](const auto& e) { k += named_v<decltype(e)> ? 1 : 0; });
        return k;
    }
    template <bool Buffer, class F>
    void find(std::string_view name, F&& f) const {
        bool found = false;
        each([&](const auto& e) {
            const auto& m = self().*e.member;
            if constexpr (named_v<decltype(e)> && is_buffer_v<std::remove_cvref_t<decltype(m)>> == Buffer)
                if (e.name == name)
                    f(m), found = true;
        });
        if (!found)
            unknown(name);
    }
    template <bool Buffer, class F>
    void find(std::string_view name, F&& f) {
        bool found = false;
        each([&](const auto& e) {
            auto& m = self().*e.member;
            if constexpr (named_v<decltype(e)> && is_buffer_v<std::remove_cvref_t<decltype(m)>> == Buffer)
                if (e.name == name)
                    f(m), found = true;
        });
        if (!found)
            unknown(name);
    }
    template <class F>
    void each_scalar(F&& f) const {
        each([&](const auto& e) {
            if constexpr (named_v<decltype(e)> && !is_buffer_v<std::remove_cvref_t<decltype(self().*e.member)>>)
                f(self().*e.member);
        });
    }
    template <class F>
    void each_scalar(F&& f) {
        each([&](const auto& e) {
            if constexpr (named_v<decltype(e)> && !is_buffer_v<std::remove_cvref_t<decltype(self().*e.member)>>)
                f(self().*e.member);
        });
    }
    const Derived& self() const { return static_cast<const Derived&>(*this); }
    Derived& self() { return static_cast<Derived&>(*this); }
    // Not constexpr: a key naming no entry stops the constant evaluation there (a compile error).
    static void no_state_entry_of_this_name() {}
    [[noreturn]] static void unknown(std::string_view name) {
        invalid(Policy::name, "no optimizer state named '" + std::string(name) + "'");
    }

    // Bit k set when the k-th named entry is in torch's state dict for that parameter.
    std::vector<std::uint16_t> present_;
};

}  // namespace typegrad::optim::detail
