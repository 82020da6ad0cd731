// tg::export_header given a model with an op it has no emitter for (here the user's own op).
// expect: typegrad: export_header does not support the op named below
// expect: export_header_does_not_support_op<cube>
#include <cstddef>
#include <type_traits>

#include <typegrad/deploy/export_header.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// x³ elementwise, an op of the user's own: typegrad can evaluate it, export_header cannot write it.
struct cube {
    template <class S>
    using result_shape = S;
    template <class Y, class A>
    static constexpr void forward(Y& y, const A& a) {
        for (std::size_t i = 0; i < A::size; ++i)
            y[i] = a[i] * a[i] * a[i];
    }
};

constexpr auto hidden = tg::linear<"fc", 4, 2>(tg::input<"x", 4>);
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr auto model = tg::tanh(hidden);
#else
constexpr auto model = tg::node<cube, std::remove_cv_t<decltype(hidden)>>{};
#endif

void deploy(const tg::Parameters<decltype(model)>& params) { tg::export_header("model.hpp", model, params); }
