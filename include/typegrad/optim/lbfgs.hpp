#pragma once
// L-BFGS (torch.optim.LBFGS, 1.13): a quasi-Newton optimiser driven by a closure, over the flat
// values and gradients of a model's parameters.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/detail/arch.hpp>
#include <typegrad/optim/errors.hpp>

namespace TYPEGRAD_NS::optim {

//! The line search of LBFGS. torch: `line_search_fn=None` or `"strong_wolfe"`.
enum class line_search {
    none,          //!< a fixed step of lr along the direction (torch: None)
    strong_wolfe,  //!< a bracketing and zooming search for the strong Wolfe conditions
};

//! LBFGS's options: torch's keywords and defaults (torch's code uses tolerance_grad = 1e-7; its
//! docstring says 1e-5).
struct lbfgs_options {
    double lr = 1;
    int max_iter = 20;
    //! The most closure calls per step(); std::nullopt: max_iter * 5 / 4, as torch.
    std::optional<int> max_eval = std::nullopt;
    double tolerance_grad = 1e-7;
    double tolerance_change = 1e-9;
    int history_size = 100;
    line_search line_search_fn = line_search::none;
};

//! What LBFGS carries from one step() to the next: torch's `optimizer.state_dict()['state'][0]`
//! under its own keys, the pairs oldest first. torch's `al` is left out: scratch, each entry read
//! by the two-loop recursion was written earlier in the same pass. Of the rest a bit-identical
//! resume needs n_iter (the first iteration ever is steepest descent with a scaled step), d and t
//! (s = t·d of the next pair), prev_flat_grad (y = g − g_prev), the pairs and ro, and H_diag (kept
//! when the next pair fails the curvature check); func_evals is a count that changes no number, and
//! prev_loss is set before it is read in every iteration: both are kept as torch keeps them.
template <class T>
struct lbfgs_state {
    long func_evals = 0;            //!< closure calls so far
    long n_iter = 0;                //!< iterations so far; while 0 nothing below is read
    std::vector<T> d;               //!< the last direction (as many values as the parameters)
    T t = 0;                        //!< the last step length
    std::vector<T> old_dirs;        //!< y = g − g_prev of the pairs held, oldest first: history() rows
    std::vector<T> old_stps;        //!< s = t·d of the pairs held, in the same order
    std::vector<T> ro;              //!< 1 / y·s of each pair held
    T h_diag = 1;                   //!< the initial inverse Hessian scale y·s / y·y
    std::vector<T> prev_flat_grad;  //!< the gradient at the start of the last iteration
    double prev_loss = 0;           //!< the loss at the start of the last iteration

    //! The pairs held.
    std::size_t history() const noexcept { return ro.size(); }
};

namespace detail {
//! Deliberate departures from torch, for tests that show a replay can tell them apart. Every field
//! false is torch's algorithm.
struct lbfgs_variant {
    bool skip_curvature_check = false;  //!< store every pair, even with y·s <= 1e-10
    bool unscaled_first_step = false;   //!< first step lr instead of min(1, 1/|g|₁)·lr
};
}  // namespace detail

//! L-BFGS as `torch.optim.LBFGS` (1.13): the two-loop recursion over the last `history_size` pairs
//! (s, y) whose y·s > 1e-10, the initial Hessian y·s / y·y, the first step scaled to
//! min(1, 1/|g|₁)·lr, at most `max_iter` iterations and `max_eval` closure calls per step(),
//! stopping when max|g| <= tolerance_grad or when max|t·d| or the loss change falls under
//! tolerance_change; with `line_search::strong_wolfe`, torch's strong Wolfe search (c1 = 1e-4,
//! c2 = 0.9, 25 evaluations at most).
//!
//! It works over flat values and gradients (a `tg::Parameters`, or two spans of equal size): the
//! closure given to step() computes the loss at the current values, leaves its gradient in the
//! gradient buffer and returns the loss, as in torch:
//!
//!     tg::LBFGS lbfgs{params, {.max_iter = 20, .line_search_fn = tg::line_search::strong_wolfe}};
//!     float loss = lbfgs.step([&] { trainer.zero_grad(); return trainer.backward(data); });
//!
//! Every buffer ((history_size + 1) pairs and a few vectors of the parameters' size) is allocated
//! at construction; step() allocates nothing (the closure may).
template <class T>
class LBFGS {
    static_assert(std::is_floating_point_v<T>, "typegrad: LBFGS computes in float or double");

public:
    using options = lbfgs_options;
    using value_type = T;
    static constexpr std::string_view name = "LBFGS";

    //! Over `values` and the `grads` the closure writes (the same size; both must outlive this).
    LBFGS(std::span<T> values, std::span<const T> grads, options o = {}, detail::lbfgs_variant v = {})
        : values_(values), grads_(grads), options_(validated(o)), variant_(v) {
        if (values.size() != grads.size())
            detail::invalid(name, "the values and the gradients differ in size (" + std::to_string(values.size()) +
                                      " and " + std::to_string(grads.size()) + ")");
        const std::size_t n = values.size(), h = static_cast<std::size_t>(o.history_size);
        flat_grad_.resize(n);
        prev_flat_grad_.resize(n);
        d_.resize(n);
        x_init_.resize(n);
        for (auto& b : pool_)
            b.resize(o.line_search_fn == line_search::strong_wolfe ? n : 0);
        dirs_.resize((h + 1) * n);
        stps_.resize((h + 1) * n);
        ro_.resize(h + 1);
        al_.resize(h + 1);
    }

    //! Over a `tg::Parameters` (its values and gradients).
    template <class Params>
    requires requires(Params& p) {
        std::span<T>(p.values());
        std::span<const T>(p.grads());
    }
    explicit LBFGS(Params& params, options o = {}, detail::lbfgs_variant v = {})
        : LBFGS(std::span<T>(params.values()), std::span<const T>(params.grads()), o, v) {}

    //! Throws std::invalid_argument (torch's wording) for a bad option; returns `o`.
    static options validated(const options& o) {
        if (!(o.lr >= 0) || !std::isfinite(o.lr))
            detail::invalid_value(name, "Invalid learning rate: ", o.lr);
        if (o.max_iter < 0)
            detail::invalid(name, "Invalid max_iter value: " + std::to_string(o.max_iter));
        if (o.max_eval && *o.max_eval < 0)
            detail::invalid(name, "Invalid max_eval value: " + std::to_string(*o.max_eval));
        if (!(o.tolerance_grad >= 0))
            detail::invalid_value(name, "Invalid tolerance_grad value: ", o.tolerance_grad);
        if (!(o.tolerance_change >= 0))
            detail::invalid_value(name, "Invalid tolerance_change value: ", o.tolerance_change);
        if (o.history_size < 1)
            detail::invalid(name, "Invalid history_size value: " + std::to_string(o.history_size));
        return o;
    }

    //! Up to max_iter L-BFGS iterations from the current values; `closure()` computes the loss at
    //! the values and leaves its gradient in the gradient buffer. Returns the loss of its first
    //! call (the loss before this step), as torch.
    template <class Closure>
    requires std::is_convertible_v<std::invoke_result_t<Closure&>, T> T step(Closure&& closure) {
        const options& o = options_;
        const int max_eval = o.max_eval ? *o.max_eval : o.max_iter * 5 / 4;
        const T orig_loss = static_cast<T>(closure());
        double loss = static_cast<double>(orig_loss);
        int current_evals = 1;
        ++func_evals_;
        gather(flat_grad_);
        bool opt_cond = max_abs(flat_grad_) <= o.tolerance_grad;
        if (opt_cond)
            return orig_loss;

        const std::size_t n = values_.size();
        int iter = 0;
        while (iter < o.max_iter) {
            ++iter;
            ++n_iter_;
            // The direction: steepest descent at first, then the two-loop recursion.
            if (n_iter_ == 1) {
                for (std::size_t i = 0; i < n; ++i)
                    d_[i] = -flat_grad_[i];
                start_ = count_ = 0;
                h_diag_ = 1;
            } else {
                update_memory();
                two_loop();
            }
            std::copy(flat_grad_.begin(), flat_grad_.end(), prev_flat_grad_.begin());
            prev_loss_ = loss;

            // The step length.
            if (n_iter_ == 1 && !variant_.unscaled_first_step)
                t_ = std::min(T(1), T(1) / sum_abs(flat_grad_)) * static_cast<T>(o.lr);
            else
                t_ = static_cast<T>(o.lr);
            const T gtd = dot(flat_grad_.data(), d_.data());
            if (gtd > -o.tolerance_change)
                break;

            int ls_func_evals = 0;
            if (o.line_search_fn == line_search::strong_wolfe) {
                std::copy(values_.begin(), values_.end(), x_init_.begin());
                ls_func_evals = strong_wolfe(closure, loss, gtd);
                add_direction(t_);
                opt_cond = max_abs(flat_grad_) <= o.tolerance_grad;
            } else {
                add_direction(t_);
                if (iter != o.max_iter) {
                    loss = static_cast<double>(static_cast<T>(closure()));
                    gather(flat_grad_);
                    opt_cond = max_abs(flat_grad_) <= o.tolerance_grad;
                    ls_func_evals = 1;
                }
            }
            current_evals += ls_func_evals;
            func_evals_ += ls_func_evals;

            if (iter == o.max_iter || current_evals >= max_eval || opt_cond)
                break;
            T change = 0;  // max |t·d|
            for (std::size_t i = 0; i < n; ++i)
                change = std::max(change, std::abs(d_[i] * t_));
            if (change <= o.tolerance_change)
                break;
            if (std::abs(loss - prev_loss_) < o.tolerance_change)
                break;
        }
        return orig_loss;
    }

    //! The options (fixed at construction: the buffers are sized by history_size).
    const options& get_options() const noexcept { return options_; }
    //! Closure calls over every step() so far. torch: `state['func_evals']`.
    long func_evals() const noexcept { return func_evals_; }
    //! Iterations over every step() so far. torch: `state['n_iter']`.
    long n_iter() const noexcept { return n_iter_; }
    //! The (s, y) pairs held, at most history_size. torch: `len(state['old_dirs'])`.
    std::size_t history() const noexcept { return count_; }
    //! The initial inverse Hessian scale y·s / y·y of the last stored pair. torch: `state['H_diag']`.
    T h_diag() const noexcept { return h_diag_; }
    //! The last step length. torch: `state['t']`.
    T t() const noexcept { return t_; }
    //! The last direction. torch: `state['d']`.
    std::span<const T> direction() const noexcept { return d_; }
    //! The loss at the start of the last iteration. torch: `state['prev_loss']`.
    double prev_loss() const noexcept { return prev_loss_; }
    //! The number of values it optimises.
    std::size_t size() const noexcept { return values_.size(); }

    //! A copy of the state carried between step() calls (allocates), torch's `state_dict()`; after
    //! an iteration, every vector filled (the pairs oldest first).
    lbfgs_state<T> state() const {
        lbfgs_state<T> s;
        s.func_evals = func_evals_;
        s.n_iter = n_iter_;
        if (n_iter_ == 0)
            return s;
        const std::size_t n = values_.size();
        s.d = d_;
        s.t = t_;
        for (std::size_t k = 0; k < count_; ++k) {
            const std::size_t at = slot(k) * n;
            s.old_dirs.insert(s.old_dirs.end(), dirs_.begin() + static_cast<std::ptrdiff_t>(at),
                              dirs_.begin() + static_cast<std::ptrdiff_t>(at + n));
            s.old_stps.insert(s.old_stps.end(), stps_.begin() + static_cast<std::ptrdiff_t>(at),
                              stps_.begin() + static_cast<std::ptrdiff_t>(at + n));
            s.ro.push_back(ro_[slot(k)]);
        }
        s.h_diag = h_diag_;
        s.prev_flat_grad = prev_flat_grad_;
        s.prev_loss = prev_loss_;
        return s;
    }

    //! Replaces the state by `s` (torch's `load_state_dict`), so that the next step() goes on as the
    //! run that made `s` would. Throws std::invalid_argument when `s` does not fit: negative counts,
    //! or, after an iteration (n_iter > 0), vectors of other sizes or more pairs than history_size.
    void set_state(const lbfgs_state<T>& s) {
        const std::size_t n = values_.size(), h = s.history();
        if (s.func_evals < 0 || s.n_iter < 0)
            detail::invalid(name, "a state with negative counts (func_evals " + std::to_string(s.func_evals) +
                                      ", n_iter " + std::to_string(s.n_iter) + ")");
        if (s.n_iter > 0) {
            if (s.d.size() != n || s.prev_flat_grad.size() != n || s.old_dirs.size() != h * n ||
                s.old_stps.size() != h * n)
                detail::invalid(name, "a state whose vectors are not of " + std::to_string(n) +
                                          " values (the parameters') per pair or direction");
            if (h > static_cast<std::size_t>(options_.history_size))
                detail::invalid(name, "a state of " + std::to_string(h) + " pairs, more than history_size " +
                                          std::to_string(options_.history_size));
        }
        func_evals_ = s.func_evals;
        n_iter_ = s.n_iter;
        start_ = 0;
        count_ = 0;
        if (s.n_iter == 0)
            return;
        std::copy(s.d.begin(), s.d.end(), d_.begin());
        std::copy(s.prev_flat_grad.begin(), s.prev_flat_grad.end(), prev_flat_grad_.begin());
        std::copy(s.old_dirs.begin(), s.old_dirs.end(), dirs_.begin());
        std::copy(s.old_stps.begin(), s.old_stps.end(), stps_.begin());
        std::copy(s.ro.begin(), s.ro.end(), ro_.begin());
        count_ = h;
        t_ = s.t;
        h_diag_ = s.h_diag;
        prev_loss_ = s.prev_loss;
    }

private:
    std::span<T> values_;
    std::span<const T> grads_;
    options options_;
    detail::lbfgs_variant variant_;

    std::vector<T> flat_grad_, prev_flat_grad_, d_, x_init_;
    std::vector<T> pool_[3];  // the line search's gradients
    // (history_size + 1) slots of y (dirs) and s (stps), a ring: the pairs are the `count_` slots
    // from `start_`, the slot after them takes the next candidate pair.
    std::vector<T> dirs_, stps_, ro_, al_;
    std::size_t start_ = 0, count_ = 0;
    T h_diag_ = 1, t_ = 0;
    double prev_loss_ = 0;
    long func_evals_ = 0, n_iter_ = 0;

    std::size_t slots() const noexcept { return ro_.size(); }
    std::size_t slot(std::size_t k) const noexcept { return (start_ + k) % slots(); }
    T* dir(std::size_t s) noexcept { return dirs_.data() + s * values_.size(); }
    T* stp(std::size_t s) noexcept { return stps_.data() + s * values_.size(); }

    void gather(std::vector<T>& out) const { std::copy(grads_.begin(), grads_.end(), out.begin()); }

    T dot(const T* a, const T* b) const noexcept {
        T s = 0;
        for (std::size_t i = 0; i < values_.size(); ++i)
            s += a[i] * b[i];
        return s;
    }
    static T max_abs(const std::vector<T>& v) noexcept {
        T m = 0;
        for (T x : v)
            m = std::max(m, std::abs(x));
        return m;
    }
    static T sum_abs(const std::vector<T>& v) noexcept {
        T s = 0;
        for (T x : v)
            s += std::abs(x);
        return s;
    }
    void add_direction(T t) noexcept {
        for (std::size_t i = 0; i < values_.size(); ++i)
            values_[i] += t * d_[i];
    }

    // y = g - g_prev and s = t·d into the free slot; kept when y·s > 1e-10 (the oldest pair then
    // dropped if history_size are held), and H_diag = y·s / y·y.
    void update_memory() noexcept {
        const std::size_t n = values_.size(), free = slot(count_);
        T* y = dir(free);
        T* s = stp(free);
        for (std::size_t i = 0; i < n; ++i) {
            y[i] = flat_grad_[i] - prev_flat_grad_[i];
            s[i] = d_[i] * t_;
        }
        const T ys = dot(y, s);
        if (ys > T(1e-10) || variant_.skip_curvature_check) {
            if (count_ == slots() - 1)
                start_ = (start_ + 1) % slots();
            else
                ++count_;
            ro_[free] = T(1) / ys;
            h_diag_ = ys / dot(y, y);
        }
    }

    // d = -H·g by the two-loop recursion over the pairs held.
    void two_loop() noexcept {
        const std::size_t n = values_.size();
        T* q = d_.data();
        for (std::size_t i = 0; i < n; ++i)
            q[i] = -flat_grad_[i];
        for (std::size_t k = count_; k-- > 0;) {
            const std::size_t s = slot(k);
            const T a = dot(stp(s), q) * ro_[s];
            al_[s] = a;
            const T* y = dir(s);
            for (std::size_t i = 0; i < n; ++i)
                q[i] += -a * y[i];
        }
        for (std::size_t i = 0; i < n; ++i)
            q[i] *= h_diag_;
        for (std::size_t k = 0; k < count_; ++k) {
            const std::size_t s = slot(k);
            const T be = dot(dir(s), q) * ro_[s];
            const T c = al_[s] - be;
            const T* st = stp(s);
            for (std::size_t i = 0; i < n; ++i)
                q[i] += c * st[i];
        }
    }

    // torch's _cubic_interpolate: the minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2),
    // clamped to [lo, hi]; the middle when the cubic has none.
    static T cubic_interpolate(T x1, double f1, T g1, T x2, double f2, T g2, T lo, T hi) noexcept {
        const T d1 = g1 + g2 - T(3) * static_cast<T>(f1 - f2) / (x1 - x2);
        const T d2_square = d1 * d1 - g1 * g2;
        if (d2_square >= 0) {
            const T d2 = std::sqrt(d2_square);
            const T min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + T(2) * d2))
                                       : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + T(2) * d2));
            return std::min(std::max(min_pos, lo), hi);
        }
        return (lo + hi) / T(2);
    }
    static T cubic_interpolate(T x1, double f1, T g1, T x2, double f2, T g2) noexcept {
        return x1 <= x2 ? cubic_interpolate(x1, f1, g1, x2, f2, g2, x1, x2)
                        : cubic_interpolate(x1, f1, g1, x2, f2, g2, x2, x1);
    }

    // One point of the line search: f and g at x_init + t·d (g into `out`), the values restored.
    template <class Closure>
    double evaluate(Closure& closure, T t, T* out) {
        add_direction(t);
        const double f = static_cast<double>(static_cast<T>(closure()));
        std::copy(grads_.begin(), grads_.end(), out);
        std::copy(x_init_.begin(), x_init_.end(), values_.begin());
        return f;
    }

    // torch's _strong_wolfe from x_init along d_, starting at t_ with loss f and directional
    // derivative gtd: leaves the step in t_, its loss in `f` and its gradient in flat_grad_, and
    // returns the closure calls made. The gradients it keeps (the previous point's, the new one,
    // the bracket's two) are pointers into pool_'s three buffers (or flat_grad_ for the starting point): a new
    // point takes a buffer no pointer holds, so nothing held is overwritten.
    template <class Closure>
    int strong_wolfe(Closure& closure, double& f, T gtd) {
        constexpr T c1 = T(1e-4), c2 = T(0.9);
        constexpr int max_ls = 25;
        const T tolerance_change = static_cast<T>(options_.tolerance_change);
        const std::size_t n = values_.size();
        T d_norm = max_abs(d_);
        T* g0 = flat_grad_.data();

        T* held[4] = {nullptr, nullptr, nullptr, nullptr};  // g_prev, g_new, bracket_g[0], bracket_g[1]
        auto fresh = [&]() -> T* {
            for (auto& b : pool_)
                if (std::find(std::begin(held), std::end(held), b.data()) == std::end(held))
                    return b.data();
            return nullptr;  // unreachable: at most two are held when a point is evaluated
        };
        T*& g_prev = held[0];
        T*& g_new = held[1];
        T** bracket_g = held + 2;

        T t = t_;
        double f_new = 0;
        T gtd_new = 0;
        int ls_func_evals = 0;
        // The point at step t, in a buffer no one holds: its loss, gradient and directional derivative.
        auto evaluate_new = [&] {
            g_new = fresh();
            f_new = evaluate(closure, t, g_new);
            ++ls_func_evals;
            gtd_new = dot(g_new, d_.data());
        };
        evaluate_new();

        T t_prev = 0;
        double f_prev = f;
        g_prev = g0;
        T gtd_prev = gtd;
        bool done = false;
        int ls_iter = 0;
        T bracket[2] = {0, 0}, bracket_gtd[2] = {0, 0};
        double bracket_f[2] = {0, 0};
        std::size_t size = 0;
        // The bracket [a, b]: each end's step, loss, gradient and directional derivative.
        auto two_ends = [&](T ta, double fa, T* ga, T gtda, T tb, double fb, T* gb, T gtdb) {
            bracket[0] = ta;
            bracket[1] = tb;
            bracket_f[0] = fa;
            bracket_f[1] = fb;
            bracket_g[0] = ga;
            bracket_g[1] = gb;
            bracket_gtd[0] = gtda;
            bracket_gtd[1] = gtdb;
            size = 2;
        };
        auto two = [&] { two_ends(t_prev, f_prev, g_prev, gtd_prev, t, f_new, g_new, gtd_new); };
        while (ls_iter < max_ls) {
            if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {
                two();
                break;
            }
            if (std::abs(gtd_new) <= -c2 * gtd) {
                bracket[0] = t;
                bracket_f[0] = f_new;
                bracket_g[0] = g_new;
                size = 1;
                done = true;
                break;
            }
            if (gtd_new >= 0) {
                two();
                break;
            }
            const T min_step = t + T(0.01) * (t - t_prev), max_step = t * T(10);
            const T tmp = t;
            t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step);
            t_prev = tmp;
            f_prev = f_new;
            g_prev = g_new;
            gtd_prev = gtd_new;
            g_new = nullptr;
            evaluate_new();
            ++ls_iter;
        }
        if (ls_iter == max_ls)  // torch leaves the derivatives as they were: the zoom does not run
            two_ends(0, f, g0, bracket_gtd[0], t, f_new, g_new, bracket_gtd[1]);
        g_prev = g_new = nullptr;  // from here on only the bracket's gradients are held

        // Zoom: shrink the bracket until a point meets the conditions.
        bool insuf_progress = false;
        std::size_t low = bracket_f[0] <= bracket_f[size - 1] ? 0 : 1, high = 1 - low;
        while (!done && ls_iter < max_ls) {
            if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change)
                break;
            t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
            const T b_max = std::max(bracket[0], bracket[1]), b_min = std::min(bracket[0], bracket[1]);
            const T eps = T(0.1) * (b_max - b_min);
            if (std::min(b_max - t, t - b_min) < eps) {
                if (insuf_progress || t >= b_max || t <= b_min) {
                    t = std::abs(t - b_max) < std::abs(t - b_min) ? b_max - eps : b_min + eps;
                    insuf_progress = false;
                } else {
                    insuf_progress = true;
                }
            } else {
                insuf_progress = false;
            }
            evaluate_new();
            ++ls_iter;

            if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low]) {
                bracket[high] = t;
                bracket_f[high] = f_new;
                bracket_g[high] = g_new;
                bracket_gtd[high] = gtd_new;
                low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
                high = 1 - low;
            } else {
                if (std::abs(gtd_new) <= -c2 * gtd) {
                    done = true;
                } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
                    bracket[high] = bracket[low];
                    bracket_f[high] = bracket_f[low];
                    bracket_g[high] = bracket_g[low];
                    bracket_gtd[high] = bracket_gtd[low];
                }
                bracket[low] = t;
                bracket_f[low] = f_new;
                bracket_g[low] = g_new;
                bracket_gtd[low] = gtd_new;
            }
            g_new = nullptr;
        }
        t_ = bracket[low];
        f = bracket_f[low];
        if (bracket_g[low] != g0)
            std::copy(bracket_g[low], bracket_g[low] + n, g0);
        return ls_func_evals;
    }
};

template <class Params>
LBFGS(Params&, lbfgs_options = {}, detail::lbfgs_variant = {})
    -> LBFGS<typename std::remove_cvref_t<decltype(std::declval<Params&>().values())>::element_type>;

}  // namespace TYPEGRAD_NS::optim

namespace TYPEGRAD_NS {
using optim::LBFGS;
using optim::lbfgs_options;
using optim::lbfgs_state;
using optim::line_search;
}  // namespace TYPEGRAD_NS
