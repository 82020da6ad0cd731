#pragma once
// Training and evaluation (torch's `model.train()` / `model.eval()`) for the ops whose result
// depends on them, dropout first. An op opts in with `static constexpr bool mode_dependent = true`;
// the sweep (autodiff/sweep.hpp) then hands it a mode_view beside its operands, and a buffer of
// its own that its forward fills and its vjp reads (`template <class V, std::size_t N> using
// saved = ...`). Whether an expression holds such an op is known at compile time: the workspace of
// one that does not has no mode state, and its sweep is the same code as before.
//
// The random numbers of a training sweep come from a counter-based generator: a pure function of
// (seed, step, site, row, element), with `site` the position of the op among the mode-dependent
// ops of the expression (topological order) and `row` the sample's row in its dataset. So a mask
// depends neither on how the rows are shared between threads nor on which SIMD lane a row lands in.
#include <cstddef>
#include <cstdint>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! What the random ops of a training sweep draw from. A sweep given one trains (the trainer's
//! backward()); a sweep without one (a null pointer, as `loss()`, `predict` and `input_gradient`
//! run) evaluates.
struct mode_state {
    std::uint64_t seed = 0;  //!< the trainer's seed (Trainer::set_seed)
    std::uint64_t step = 0;  //!< the trainer's step count at backward() (Trainer::steps())
    //! A test hook: when set, `keep(keep_context, site, row, element)` decides which elements a
    //! dropout keeps, instead of the generator (tests replay torch's recorded masks with it).
    bool (*keep)(const void* context, std::size_t site, std::uint64_t row, std::size_t element) = nullptr;
    const void* keep_context = nullptr;
};

//! Whether the op `Op` depends on the mode (it states `static constexpr bool mode_dependent = true`).
template <class Op>
inline constexpr bool mode_dependent = requires {
    requires static_cast<bool>(Op::mode_dependent);
};

//! What a mode-dependent op sees of the sweep: the mode (null: evaluation), the row in its dataset
//! of the sample in each lane, and its own site (its position among the mode-dependent ops).
struct mode_view {
    const mode_state* state = nullptr;
    const std::uint64_t* rows = nullptr;
    std::size_t site = 0;
    constexpr bool training() const noexcept { return state != nullptr; }
};

namespace detail {

//! splitmix64's finaliser: a bijection of 64-bit words whose every output bit depends on every
//! input bit (Steele, Lea and Flood's SplitMix, the mixer of java.util.SplittableRandom).
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

//! The stream of one (seed, step, site, row): its elements are counter_uniform53(stream, element).
constexpr std::uint64_t counter_stream(std::uint64_t seed, std::uint64_t step, std::size_t site,
                                       std::uint64_t row) noexcept {
    return mix64(mix64(mix64(mix64(seed) ^ step) ^ site) ^ row);
}

//! A uniform integer in [0, 2^53) for element `element` of a stream.
constexpr std::uint64_t counter_uniform53(std::uint64_t stream, std::size_t element) noexcept {
    return mix64(stream ^ mix64(element)) >> 11;
}

//! Whether a draw u53 from counter_uniform53 falls below probability q: q · 2^53 as the threshold
//! (q = 0 keeps nothing, q = 1 everything).
constexpr std::uint64_t threshold53(double q) noexcept {
    return static_cast<std::uint64_t>(q * 9007199254740992.0);  // 2^53
}

}  // namespace detail

}  // namespace TYPEGRAD_NS
