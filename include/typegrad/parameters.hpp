#pragma once
// The values and gradients of every parameter of a loss, in two aligned flat buffers, addressable
// by name (checked at compile time) and as flat spans (what optimisers sweep).
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include <typegrad/autodiff/buffers.hpp>
#include <typegrad/autodiff/graph.hpp>
#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/error.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/param_info.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>

namespace TYPEGRAD_NS {

namespace detail {
// The error of a parameter name a model does not have, out of line: one copy for every model.
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_no_parameter(std::string_view name,
                                                                     std::span<const param_info> slots) {
    std::string known;
    for (const auto& p : slots)
        known += cat({known.empty() ? "" : ", ", p.name});
    typegrad::detail::raise(
        std::out_of_range(cat({"typegrad: no parameter named '", name, "'; this model has: ", known})));
}
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_no_buffer(std::string_view layer) {
    typegrad::detail::raise(
        std::out_of_range(cat({"typegrad: no batch normalisation layer named '", layer, "' (no running statistics)"})));
}
}  // namespace detail

//! Every parameter of the expression `Loss`: values and gradients, in torch's layouts and order.
//! `tg::Parameters params{loss};` (float) or `tg::Parameters<decltype(loss), double> params;`.
template <Expression Loss, class T = float>
class Parameters {
public:
    using loss_type = Loss;
    using value_type = T;
    using layout = autodiff::param_layout<typename autodiff::graph<Loss>::params>;

    static_assert((autodiff::check_parameter_names(typename autodiff::graph<Loss>::params{}), true));
    static constexpr std::size_t count = layout::count;  //!< number of parameters
    static constexpr std::size_t total = layout::total;  //!< number of scalars in all of them
    //! The buffers of the batch-level layers (BatchNorm's running statistics): not parameters, no
    //! gradient, never moved by an optimiser; stored after the values (values() does not show them).
    using buffer_layout = autodiff::buffer_layout<typename autodiff::graph<Loss>::nodes>;
    static constexpr std::size_t buffer_total = buffer_layout::total;  //!< scalars in all buffers

    constexpr Parameters() = default;
    constexpr explicit Parameters(Loss) {}

    //! Name, offset and size of each parameter, in order.
    static constexpr const std::array<param_info, count>& info() noexcept { return layout::slots; }

    //! The values of the parameter `Name`; an unknown name does not compile.
    template <fixed_string Name>
    constexpr auto value() noexcept {
        return slice<Name>(values_);
    }
    template <fixed_string Name>
    constexpr auto value() const noexcept {
        return slice<Name>(values_);
    }
    //! The gradient of the parameter `Name`; an unknown name does not compile.
    template <fixed_string Name>
    constexpr auto grad() noexcept {
        return slice<Name>(grads_);
    }
    template <fixed_string Name>
    constexpr auto grad() const noexcept {
        return slice<Name>(grads_);
    }

    //! The values of the parameter called `name`; throws std::out_of_range for an unknown name.
    std::span<T> value(std::string_view name) { return runtime_slice(values_, name); }
    std::span<const T> value(std::string_view name) const { return runtime_slice(values_, name); }
    std::span<T> grad(std::string_view name) { return runtime_slice(grads_, name); }
    std::span<const T> grad(std::string_view name) const { return runtime_slice(grads_, name); }

    //! All values, flat, parameter after parameter.
    constexpr std::span<T, total> values() noexcept { return std::span<T, total>(values_.data(), total); }
    constexpr std::span<const T, total> values() const noexcept {
        return std::span<const T, total>(values_.data(), total);
    }
    //! The buffers, flat, layer after layer (buffer_layout::slots): for each BatchNorm its
    //! running_mean [C], running_var [C] and num_batches_tracked (one element). Right after the
    //! values in memory: an evaluation reads them at values().data() + total.
    constexpr std::span<T, buffer_total> buffers() noexcept {
        return std::span<T, buffer_total>(values_.data() + total, buffer_total);
    }
    constexpr std::span<const T, buffer_total> buffers() const noexcept {
        return std::span<const T, buffer_total>(values_.data() + total, buffer_total);
    }
    //! The running statistics of the batch-level layer `layer` ("1" for `1.running_mean`):
    //! `running_mean(layer)` [C], `running_var(layer)` [C], `num_batches_tracked(layer)`; throws
    //! std::out_of_range for a name without one.
    std::span<T> running_mean(std::string_view layer) { return buffer_part(layer, 0); }
    std::span<T> running_var(std::string_view layer) { return buffer_part(layer, 1); }
    std::span<const T> running_mean(std::string_view layer) const { return buffer_part(layer, 0); }
    std::span<const T> running_var(std::string_view layer) const { return buffer_part(layer, 1); }
    T num_batches_tracked(std::string_view layer) const { return buffer_part(layer, 2)[0]; }
    //! All gradients, flat, in the same order as values().
    constexpr std::span<T, total> grads() noexcept { return grads_; }
    constexpr std::span<const T, total> grads() const noexcept { return grads_; }

    //! Sets every gradient to zero (torch: `optimizer.zero_grad()`).
    constexpr void zero_grad() noexcept {
        for (auto& g : grads_)
            g = T(0);
    }

private:
    template <fixed_string Name, class Buffer>
    static constexpr auto slice(Buffer& buffer) noexcept {
        constexpr std::size_t index = layout::template index_of<Name>;
        constexpr bool found = index < count;
        error::check<found>(error::fault<error::no_parameter_named<error::spelled<Name>>>);
        if constexpr (found) {
            constexpr param_info p = layout::slots[index];
            return std::span<std::remove_reference_t<decltype(buffer[0])>, p.size>(buffer.data() + p.offset, p.size);
        } else {
            return std::span<std::remove_reference_t<decltype(buffer[0])>, 0>{};
        }
    }
    template <class Buffer>
    static auto runtime_slice(Buffer& buffer, std::string_view name) {
        for (const auto& p : layout::slots)
            if (p.name == name)
                return std::span<std::remove_reference_t<decltype(buffer[0])>>(buffer.data() + p.offset, p.size);
        detail::fail_no_parameter(name, layout::slots);
    }

    std::span<T> buffer_part(std::string_view layer, int part) const {
        for (const auto& b : buffer_layout::slots)
            if (b.layer == layer)
                return std::span<T>(const_cast<T*>(values_.data()) + total + b.offset + part * b.channels,
                                    part == 2 ? 1 : b.channels);
        detail::fail_no_buffer(layer);
    }
    // The values, then the buffers at their initial values (the ops' initial_buffer).
    static constexpr std::array<T, total + buffer_total> initial() {
        std::array<T, total + buffer_total> v{};
        if constexpr (buffer_total == 0)
            return v;
        [&]<class... Ns>(type_list<Ns...>) {
            const int each[] = {0, (initial_buffer<Ns>(v), 0)...};
            (void)each;
        }(typename autodiff::graph<Loss>::nodes{});
        return v;
    }
    template <class N>
    static constexpr void initial_buffer(std::array<T, total + buffer_total>& v) {
        if constexpr (autodiff::is_batch_level<N>) {
            constexpr std::size_t first = total + buffer_layout::template offset_of<N>;
            for (std::size_t k = 0; k < N::op::buffer_size; ++k)
                v[first + k] = static_cast<T>(N::op::initial_buffer(k));
        }
    }

    alignas(64) std::array<T, total + buffer_total> values_ = initial();
    alignas(64) std::array<T, total> grads_{};
};

template <Expression Loss>
Parameters(Loss) -> Parameters<Loss, float>;

}  // namespace TYPEGRAD_NS
