#pragma once
// The optimiser a trainer owns: parameter groups, the layout, a policy's state, and step(), which
// re-validates a group's options when they changed and then sweeps every parameter.

#include <typegrad/core/param_info.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/text.hpp>
#include <typegrad/optim/errors.hpp>
#include <typegrad/optim/options.hpp>
#include <typegrad/optim/policy.hpp>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace TYPEGRAD_NS::optim {

//! A torch-like parameter group: the options its parameters are stepped with, and their indices
//! into the layout. Schedulers write `options.lr` (and momentum / betas[0]).
template <class Options>
struct param_group {
    Options options;
    std::vector<std::size_t> params;
    //! torch's group['initial_lr']: set by the first scheduler made over the group.
    std::optional<double> initial_lr;
};

//! The optimiser proper, sized at run time: policy `Policy` over the parameters of `layout`, laid out
//! in a flat buffer of `n` values of type T. `step(values, grads)` applies one
//! `torch.optim.<Policy>.step()`: it sweeps every parameter of every group with that group's
//! options, touching no heap; options written since they were last validated (through
//! `param_groups()`, by a scheduler) are validated again first, before any parameter changes.
//! Instantiated once per (Policy, T), whatever the model's sizes; `optimizer<Policy, T, N, P>` is
//! the thin compile-time-sized face the trainer uses.
template <class Policy, class T>
requires OptimizerPolicy<Policy> &&(std::same_as<T, float> || std::same_as<T, double>)class basic_optimizer {
public:
    using policy_type = Policy;
    using value_type = T;
    using options_type = typename Policy::options;
    using state_type = typename Policy::template state<T>;
    using group_type = param_group<options_type>;

    //! Validates `defaults` (torch's messages) and the layout (slices inside [0, n)); every
    //! parameter starts in group 0. Allocates all the state here.
    basic_optimizer(std::span<const param_info> layout, std::size_t n, options_type defaults)
        : layout_(layout.begin(), layout.end()), size_(n), defaults_(defaults) {
        Policy::validate(defaults);
        state_.allocate(n, layout_.size());
        for (const auto& p : layout_)
            if (p.offset > n || p.size > n - p.offset)
                detail::invalid(Policy::name,
                                typegrad::detail::cat({"parameter '", p.name, "' lies outside the buffer of ",
                                                       typegrad::detail::decimal(n), " values"}));
        group_type g{defaults, {}, std::nullopt};
        for (std::size_t i = 0; i < layout_.size(); ++i)
            g.params.push_back(i);
        groups_.push_back(std::move(g));
        validated_.push_back(defaults);
        for (std::size_t i = 0; i < layout_.size(); ++i)
            init_state(i, defaults);
    }

    //! Moves the named parameters into a new group with `options`. An unknown name throws
    //! std::invalid_argument naming it. Returns the new group's index.
    std::size_t add_param_group(std::span<const std::string_view> names, const options_type& options) {
        std::vector<std::size_t> picked;
        for (auto n : names) {
            auto it = std::find_if(layout_.begin(), layout_.end(), [&](const param_info& p) { return p.name == n; });
            if (it == layout_.end())
                detail::invalid(Policy::name, typegrad::detail::cat({"add_param_group: no parameter named '", n, "'"}));
            picked.push_back(static_cast<std::size_t>(it - layout_.begin()));
        }
        return move_to_new_group(picked, options);
    }
    std::size_t add_param_group(std::initializer_list<std::string_view> names, const options_type& options) {
        return add_param_group(std::span<const std::string_view>(names.begin(), names.size()), options);
    }
    //! Moves every parameter whose name satisfies `pred` into a new group with `options`.
    template <std::predicate<std::string_view> Pred>
    std::size_t add_param_group(Pred pred, const options_type& options) {
        std::vector<std::size_t> picked;
        for (std::size_t i = 0; i < layout_.size(); ++i)
            if (pred(layout_[i].name))
                picked.push_back(i);
        return move_to_new_group(picked, options);
    }

    //! One optimiser step. `values` and `grads` point at the flat buffers of buffer_size() values.
    //! Throws std::invalid_argument (torch's message) when a group's options, changed since they
    //! were validated, are invalid; then no value and no state has changed.
    void step(T* values, const T* grads) {
        revalidate();
        for (const auto& g : groups_) {
            const auto& ps = g.params;
            // Parameters that follow each other in the flat buffer and whose per-parameter state
            // (step counts, ...) agrees are swept as one slice: the same arithmetic element by
            // element, one call instead of one per parameter (a bias of 1 element costs as much to
            // set up as a weight).
            for (std::size_t k = 0; k < ps.size();) {
                std::size_t end = k + 1, size = layout_[ps[k]].size;
                while (end < ps.size() &&
                       layout_[ps[end]].offset == layout_[ps[end - 1]].offset + layout_[ps[end - 1]].size &&
                       state_.same_scalars(ps[k], ps[end]))
                    size += layout_[ps[end++]].size;
                Policy::update(g.options, state_, ps[k], values, grads, layout_[ps[k]].offset, size);
                for (std::size_t j = k + 1; j < end; ++j)
                    state_.copy_scalars(ps[k], ps[j]);
                k = end;
            }
        }
    }

    std::span<group_type> param_groups() { return groups_; }
    std::span<const group_type> param_groups() const { return groups_; }
    const options_type& defaults() const { return defaults_; }
    state_type& state() { return state_; }
    const state_type& state() const { return state_; }
    std::span<const param_info> layout() const { return layout_; }
    //! Values in the flat buffers (N).
    std::size_t buffer_size() const { return size_; }

    //! Index of the parameter named `name` (std::invalid_argument if none).
    std::size_t index_of(std::string_view name) const {
        for (std::size_t i = 0; i < layout_.size(); ++i)
            if (layout_[i].name == name)
                return i;
        detail::invalid(Policy::name, typegrad::detail::cat({"no parameter named '", name, "'"}));
    }

    //! Validates every group's options that differ from the copy last validated (step() does it
    //! first); a few comparisons per group when nothing changed.
    void revalidate() {
        for (std::size_t i = 0; i < groups_.size(); ++i)
            if (!detail::same_options<Policy>(groups_[i].options, validated_[i])) {
                Policy::validate(groups_[i].options);
                validated_[i] = groups_[i].options;
            }
    }

private:
    std::size_t move_to_new_group(const std::vector<std::size_t>& picked, const options_type& options) {
        Policy::validate(options);
        for (auto& g : groups_)
            std::erase_if(g.params,
                          [&](std::size_t i) { return std::find(picked.begin(), picked.end(), i) != picked.end(); });
        group_type g{options, {}, std::nullopt};
        for (std::size_t i : picked)
            if (std::find(g.params.begin(), g.params.end(), i) == g.params.end())
                g.params.push_back(i);
        groups_.push_back(std::move(g));
        validated_.push_back(options);
        // State made at construction (Adagrad's) stays: torch fills it from the constructor's
        // arguments for every parameter, whatever group options come later.
        return groups_.size() - 1;
    }
    void init_state(std::size_t i, const options_type& options) {
        if constexpr (requires { Policy::init(options, state_, i, layout_[i].offset, layout_[i].size); })
            Policy::init(options, state_, i, layout_[i].offset, layout_[i].size);
    }

    std::vector<param_info> layout_;
    std::size_t size_;
    options_type defaults_;
    std::vector<group_type> groups_;
    std::vector<options_type> validated_;  // groups_[i].options as last validated
    state_type state_;
};

//! The optimiser a trainer owns: policy `Policy` over P parameters laid out in a flat buffer of N
//! values of type T. Only the sizes live here (checked spans, the layout as an array); everything
//! else, the update code above all, is `basic_optimizer<Policy, T>`'s and shared by every model.
template <class Policy, class T, std::size_t N, std::size_t P>
requires OptimizerPolicy<Policy> &&(std::same_as<T, float> || std::same_as<T, double>)class optimizer
    : public basic_optimizer<Policy, T> {
    using base = basic_optimizer<Policy, T>;

public:
    using typename base::group_type;
    using typename base::options_type;
    using typename base::policy_type;
    using typename base::state_type;
    using typename base::value_type;
    static constexpr std::size_t size = N;
    static constexpr std::size_t param_count = P;

    //! Validates `defaults` (torch's messages) and the layout (slices inside [0, N)); every
    //! parameter starts in group 0.
    optimizer(std::array<param_info, P> layout, options_type defaults)
        : base(std::span<const param_info>(layout), N, defaults), layout_(layout) {}

    using base::step;
    void step(std::span<T, N> values, std::span<const T, N> grads) { base::step(values.data(), grads.data()); }

    const std::array<param_info, P>& layout() const { return layout_; }

private:
    std::array<param_info, P> layout_;
};

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::basic_optimizer;
using optim::optimizer;
}  // namespace TYPEGRAD_NS
