#pragma once
// Optimiser state: the aligned buffers behind per-element tensors, and `state_of`, which stores a
// policy's state from one declaration of its entries and gives it its by-name face (presence in
// torch's state dict, lookup, enumeration for checkpoints). Sized at run time (by the optimiser's
// constructor), so a policy's state and its SIMD update depend on the element type only: one
// instantiation per (policy, T), whatever the model. All allocation happens at construction.

#include <typegrad/core/error.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/errors.hpp>

#include <algorithm>
#include <array>
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

namespace TYPEGRAD_NS::optim::detail {

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
            typegrad::detail::raise(std::bad_array_new_length());
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

//! The entries of a state declaration, by torch's key: `buffer<"exp_avg">`, a tensor shaped like
//! the parameter (an `aligned_buffer<T>`); `scalar<"step", X>`, a 0-d tensor or Python number, one
//! X per parameter as torch stores it (float or std::int64_t); `scratch<"beta1_power", X>`, one X
//! per parameter that is not state (never in torch's state dict). All start value-initialised.
template <fixed_string Name, bool Named = true>
struct entry_name {
    static constexpr std::string_view name = Name;
    static constexpr bool named = Named;
};
template <fixed_string Name>
struct buffer : entry_name<Name> {
    template <class T>
    using storage = aligned_buffer<T>;
};
template <fixed_string Name, class X, bool Named = true>
struct scalar : entry_name<Name, Named> {
    template <class>
    using storage = std::vector<X>;
};
template <fixed_string Name, class X>
struct scratch : scalar<Name, X, false> {};

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

//! A policy's state for element type T, declared by its entries in torch's order:
//!   template <class T>
//!   using state = detail::state_of<Adamax, T, detail::buffer<"exp_avg">, detail::scalar<"step", float>>;
//! It holds the entries; the policy's code reaches them by name at compile time
//! (`st.template get<"exp_avg">()`; a name the declaration does not list does not compile), and
//! sizing (`allocate`), presence, lookup and enumeration read the same list; errors name
//! `Policy::name`.
template <class Policy, class T, class... E>
class state_of {
    static constexpr std::size_t entry_count = sizeof...(E);
    static constexpr std::array<std::string_view, entry_count> names_{E::name...};
    static constexpr std::array<bool, entry_count> named_{E::named...};
    using storage = std::tuple<typename E::template storage<T>...>;
    template <std::size_t I>
    using storage_at = std::tuple_element_t<I, storage>;

    // Position of `name` among all entries; entry_count when unknown.
    static constexpr std::size_t position(std::string_view name) {
        for (std::size_t i = 0; i < entry_count; ++i)
            if (names_[i] == name)
                return i;
        return entry_count;
    }
    static constexpr bool unique_names() {
        for (std::size_t i = 0; i < entry_count; ++i)
            if (position(names_[i]) != i)
                return false;
        return true;
    }
    static_assert(unique_names(), "typegrad: two optimizer state entries of the same name");

public:
    //! A state key checked at compile time: a name the declaration does not list does not compile.
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

    //! The storage of entry `Name`: an aligned_buffer<T> for a buffer, a std::vector<X> with one
    //! element per parameter for a scalar or scratch.
    template <fixed_string Name>
    auto& get() noexcept {
        constexpr std::size_t i = position(Name);
        static_assert(i < entry_count, "typegrad: this optimizer keeps no state entry of this name");
        return std::get<i>(data_);
    }
    //! References to several entries at once: `auto [m, v] = st.template get<"exp_avg", "exp_avg_sq">();`.
    template <fixed_string... Names>
    requires(sizeof...(Names) > 1) auto get() noexcept { return std::tie(get<Names>()...); }
    template <fixed_string Name>
    const auto& get() const noexcept {
        constexpr std::size_t i = position(Name);
        static_assert(i < entry_count, "typegrad: this optimizer keeps no state entry of this name");
        return std::get<i>(data_);
    }

    //! Sizes every entry: buffers to `n` zeros, per-parameter entries to `params` value-initialised
    //! elements; nothing is present yet.
    void allocate(std::size_t n, std::size_t params) {
        static_assert(count() <= 16, "typegrad: an optimizer state keeps at most 16 named entries");
        present_ = std::vector<std::uint16_t>(params);
        each([&](auto i) {
            auto& m = std::get<i>(data_);
            using M = storage_at<i>;
            if constexpr (is_buffer_v<M>)
                m = M(n);
            else
                m = M(params);  // value-initialised
        });
    }

    //! How most updates begin: `param`'s "step" counted one up, and every entry of `Names` in
    //! torch's state dict for `param` from now on (it holds them from the first step); returns
    //! references to the entries, as get does:
    //! `auto [exp_avg, exp_inf, steps] = st.template step<"exp_avg", "exp_inf", "step">(param);`.
    template <fixed_string... Names>
    auto step(std::size_t param) {
        get<"step">()[param] += 1;
        present_[param] = static_cast<std::uint16_t>(present_[param] | (bit_of<Names>() | ...));
        return std::tie(get<Names>()...);
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
        each([&](auto i) {
            using M = storage_at<i>;
            if constexpr (named_[i])
                f(state_entry_info{names_[i], is_buffer_v<M>, dtype_name<typename M::value_type>()});
        });
    }

    //! Calls f(name, values) for every scratch entry (not torch state; one value per parameter), as
    //! a std::vector of the entry's type: what a checkpoint keeps beside torch's state so that a
    //! resumed run is bit-identical.
    template <class F>
    void for_each_scratch(F&& f) {
        for_each_scratch(*this, f);
    }
    template <class F>
    void for_each_scratch(F&& f) const {
        for_each_scratch(*this, f);
    }

private:
    // Calls f(std::integral_constant<std::size_t, i>) for every entry i.
    template <class F>
    static constexpr void each(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, I>{}), ...); }
        (std::make_index_sequence<entry_count>{});
    }
    // Position among the named entries: the bit of `present_`; count() when unknown.
    static constexpr std::size_t index(std::string_view name) {
        const std::size_t i = position(name);
        if (i == entry_count || !named_[i])
            return count();
        std::size_t k = 0;
        for (std::size_t j = 0; j < i; ++j)
            k += named_[j] ? 1 : 0;
        return k;
    }
    static constexpr std::size_t count() { return (std::size_t{E::named} + ... + 0); }
    template <fixed_string Name>
    static constexpr std::uint16_t bit_of() {
        constexpr std::size_t k = index(Name);
        static_assert(k < count(), "typegrad: this optimizer keeps no state entry of this name");
        return static_cast<std::uint16_t>(1u << k);
    }
    template <bool Buffer, class Self, class F>
    static void find(Self& self, std::string_view name, F&& f) {
        bool found = false;
        each([&](auto i) {
            if constexpr (named_[i] && is_buffer_v<storage_at<i>> == Buffer)
                if (names_[i] == name)
                    f(std::get<i>(self.data_)), found = true;
        });
        if (!found)
            unknown(name);
    }
    template <bool Buffer, class F>
    void find(std::string_view name, F&& f) const {
        find<Buffer>(*this, name, f);
    }
    template <bool Buffer, class F>
    void find(std::string_view name, F&& f) {
        find<Buffer>(*this, name, f);
    }
    template <class Self, class F>
    static void for_each_scratch(Self& self, F&& f) {
        each([&](auto i) {
            if constexpr (!named_[i])
                f(names_[i], std::get<i>(self.data_));
        });
    }
    template <class Self, class F>
    static void each_scalar(Self& self, F&& f) {
        each([&](auto i) {
            if constexpr (named_[i] && !is_buffer_v<storage_at<i>>)
                f(std::get<i>(self.data_));
        });
    }
    template <class F>
    void each_scalar(F&& f) const {
        each_scalar(*this, f);
    }
    template <class F>
    void each_scalar(F&& f) {
        each_scalar(*this, f);
    }
    // Not constexpr: a key naming no entry stops the constant evaluation there (a compile error).
    static void no_state_entry_of_this_name() {}
    [[noreturn]] static void unknown(std::string_view name) {
        invalid(Policy::name, "no optimizer state named '" + std::string(name) + "'");
    }

    storage data_;
    // Bit k set when the k-th named entry is in torch's state dict for that parameter.
    std::vector<std::uint16_t> present_;
};

}  // namespace TYPEGRAD_NS::optim::detail
