#pragma once
// The static trainer: PyTorch's loop with the optimiser as a policy. backward() ADDS the gradient of
// the batch's mean loss into every parameter's gradient; zero_grad() resets them; step() applies the
// optimiser. Forgetting zero_grad() piles gradients up exactly as in PyTorch.
#include <cmath>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <typegrad/detail/xsimd.hpp>

#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/diagnostics.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/optim/rmsprop.hpp>
#include <typegrad/optim/sgd.hpp>
#include <typegrad/parameters.hpp>

namespace typegrad {

//! Optional run-time checks of a Trainer (off by default: they cost a pass over the gradients).
struct trainer_checks {
    bool zero_grad = false;  //!< throw if backward() follows a step() with no zero_grad() between
    bool finite = false;     //!< throw, naming the parameter, when a gradient or value is NaN or inf
};

namespace detail {
template <class Loss>
constexpr bool check_trainer_loss() {
    error::check<Expression<Loss>>(error::fault<error::trainer_needs_a_loss_expression<Loss>>);
    return true;
}
// Whether `Options` are another policy's than `Policy`'s own (see the constructors that catch them).
template <class Policy, class Options>
inline constexpr bool options_of_another_policy = !std::is_same_v<typename Policy::options, Options>;
}  // namespace detail

//! Trains the parameters of `Loss` with the optimiser policy `Policy` (tg::SGD, tg::Adam, ...),
//! computing in T (float or double). torch: the loop `opt.zero_grad(); loss.backward(); opt.step()`.
template <class Loss, class Policy, class T = float>
class Trainer {
    static_assert(detail::check_trainer_loss<Loss>());

public:
    using loss_type = std::remove_cv_t<std::conditional_t<Expression<Loss>, Loss, error::stand_in<scalar_shape>>>;
    using program = autodiff::program<loss_type, T>;
    using layout = typename program::layout;
    static constexpr std::size_t total = layout::total;
    static constexpr std::size_t count = layout::count;
    using optimizer_type = optim::optimizer<Policy, T, total, count>;
    using options_type = typename Policy::options;
    using dataset_type = data::basic_dataset<T>;
    using batch_type = data::batch_view<T>;

    //! A trainer over `params` (which must outlive it) with the optimiser's options.
    template <SameExpression<Loss> L>
    Trainer(Parameters<L, T>& params, options_type options = {})
        : values_(params.values().data()),
          grads_(params.grads().data()),
          optimizer_(layout::slots, options),
          lane_grads_(std::make_unique<typename program::lane[]>(program::scratch_size)) {}

    template <class P>
    requires(!Expression<Loss>) Trainer(P&&, options_type options = {})
        : optimizer_(layout::slots, options) {}  // after check_trainer_loss's message

    template <SameExpression<Loss> L, class U>
    requires(!std::is_same_v<U, T>) Trainer(Parameters<L, U>&, options_type options = {})
        : optimizer_(layout::slots, options) {
        error::check<std::is_same_v<U, T>>(error::fault<error::trainer_precision_mismatch>);
    }

    template <Expression L, class U>
    requires(Expression<Loss> && !SameExpression<L, Loss>) Trainer(Parameters<L, U>&, options_type options = {})
        : optimizer_(layout::slots, options) {
        error::check<SameExpression<L, Loss>>(error::fault<error::trainer_parameters_of_another_loss>);
    }

    // Options of another policy (`{.lr = 0.01, .momentum = 0.9}` given to tg::Adam): a braced list
    // that SGD's, Adam's or RMSprop's `options` accept and the policy's do not. The reference to the
    // parameters ranks the overloads: the plain one above beats all three, SGD's (const) and
    // Adam's (volatile) each beat RMSprop's (const volatile). Lists that both SGD's and Adam's
    // accept (.lr, .weight_decay, .maximize only) fit nearly every policy, so that tie is rare.
    template <SameExpression<Loss> L>
    requires detail::options_of_another_policy<Policy, optim::SGD::options> Trainer(const Parameters<L, T>&,
                                                                                    optim::SGD::options)
        : optimizer_(layout::slots, {}) {
        error::check<!SameExpression<L, L>>(
            error::fault<error::options_written_for<optim::SGD, error::given_to<Policy>>>);
    }
    template <SameExpression<Loss> L>
    requires detail::options_of_another_policy<Policy, optim::Adam::options> Trainer(volatile Parameters<L, T>&,
                                                                                     optim::Adam::options)
        : optimizer_(layout::slots, {}) {
        error::check<!SameExpression<L, L>>(
            error::fault<error::options_written_for<optim::Adam, error::given_to<Policy>>>);
    }
    template <SameExpression<Loss> L>
    requires detail::options_of_another_policy<Policy, optim::RMSprop::options> Trainer(
        const volatile Parameters<L, T>&, optim::RMSprop::options)
        : optimizer_(layout::slots, {}) {
        error::check<!SameExpression<L, L>>(
            error::fault<error::options_written_for<optim::RMSprop, error::given_to<Policy>>>);
    }

    //! Sets every gradient to zero. torch: `optimizer.zero_grad()`.
    void zero_grad() noexcept {
        for (std::size_t k = 0; k < total; ++k)
            grads_[k] = T(0);
        stepped_since_zero_ = false;
    }

    //! Adds d(mean loss over the batch)/d(params) into the gradients and returns that mean loss.
    //! torch: `loss = loss_fn(model(X[rows]), y[rows]); loss.backward()`. Allocates nothing.
    T backward(const batch_type& batch) {
        if (checks_.zero_grad && stepped_since_zero_)
            throw std::logic_error(
                "typegrad: backward() after step() without zero_grad(): the gradients of the previous "
                "step are still there and this one adds to them (as in PyTorch); call zero_grad() first");
        const T loss = program::backward(values_, grads_, lane_grads_.get(), rows_of(batch));
        if (checks_.finite)
            check_finite(grads_, "gradient", "after backward()");
        return loss;
    }
    T backward(const dataset_type& data) { return backward(batch_type(data)); }

    //! Applies one optimiser step to every parameter. torch: `optimizer.step()`.
    void step() {
        optimizer_.step(values_, grads_);
        stepped_since_zero_ = true;
        if (checks_.finite)
            check_finite(values_, "value", "after step()");
    }

    //! The mean loss over the rows (forward only; gradients untouched).
    T loss(const batch_type& batch) const { return program::loss(values_, rows_of(batch)); }
    T loss(const dataset_type& data) const { return loss(batch_type(data)); }

    //! The optimiser: its parameter groups (`param_groups()[g].options.lr`) and state.
    optimizer_type& optimizer() noexcept { return optimizer_; }
    const optimizer_type& optimizer() const noexcept { return optimizer_; }

    //! Turns the optional checks on or off.
    void set_checks(trainer_checks checks) noexcept { checks_ = checks; }

private:
    static autodiff::rows_ref<T> rows_of(const batch_type& batch) {
        if (batch.count == 0)
            return {};
        const dataset_type& d = batch.dataset();
        if constexpr (!std::is_void_v<typename program::input>) {
            constexpr std::size_t width = size_of<typename program::input>;
            if (d.cols() != width)
                throw std::invalid_argument("typegrad: the model's input '" + std::string(program::input::name.view()) +
                                            "' has " + std::to_string(width) + " features but the data has " +
                                            std::to_string(d.cols()) + " feature columns");
        }
        const bool columns = d.columns.size() == d.features.size() && !d.columns.empty();
        return {d.features.data(),
                d.cols(),
                d.targets.data(),
                batch.index,
                batch.first,
                batch.count,
                columns ? d.columns.data() : nullptr,
                d.rows()};
    }

    void check_finite(const T* buffer, const char* what, const char* when) const {
        for (const auto& p : layout::slots)
            for (std::size_t i = 0; i < p.size; ++i)
                if (!std::isfinite(buffer[p.offset + i]))
                    throw std::runtime_error("typegrad: " + std::string(when) + ": the " + what + " of '" +
                                             std::string(p.name) + "' [" + std::to_string(i) + "] is " +
                                             (std::isnan(buffer[p.offset + i]) ? "NaN" : "infinite"));
    }

    T* values_ = nullptr;
    T* grads_ = nullptr;
    optimizer_type optimizer_;
    std::unique_ptr<typename program::lane[]> lane_grads_;
    trainer_checks checks_{};
    bool stepped_since_zero_ = false;
};

}  // namespace typegrad
