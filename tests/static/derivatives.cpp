// Derivatives computed by the compiler: tg::backward and tg::value run the generated forward and
// reverse sweeps in constant evaluation, so a wrong gradient is a build failure.
#include <array>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {

// d/dw (w * w) at w = 3 is 2 * 3 = 6.
constexpr auto w = tg::param<"w">;
constexpr auto w_squared = w * w;
constexpr auto d_w_squared = [] {
    tg::Parameters<decltype(w_squared), double> params;
    params.value<"w">()[0] = 3;
    const double value = tg::backward(w_squared, params);
    return std::array{value, params.grad<"w">()[0]};
}();
static_assert(d_w_squared[0] == 9 && d_w_squared[1] == 6);

// backward() adds into the gradient (torch's accumulation): twice gives 12, zero_grad() resets.
constexpr auto accumulated = [] {
    tg::Parameters<decltype(w_squared), double> params;
    params.value<"w">()[0] = 3;
    tg::backward(w_squared, params);
    tg::backward(w_squared, params);
    const double twice = params.grad<"w">()[0];
    params.zero_grad();
    return std::array{twice, params.grad<"w">()[0]};
}();
static_assert(accumulated[0] == 12 && accumulated[1] == 0);

// A common subexpression is differentiated once through each use: d/dw (w*w + w*w) = 4w = 12.
constexpr auto twice_square = w * w + w * w;
static_assert([] {
    tg::Parameters<decltype(twice_square), double> params;
    params.value<"w">()[0] = 3;
    tg::backward(twice_square, params);
    return params.grad<"w">()[0];
}() == 12);

// A constant: d/dw (2.5 * w) = 2.5.
constexpr auto scaled = 2.5_c * w;
static_assert([] {
    tg::Parameters<decltype(scaled), double> params;
    params.value<"w">()[0] = 7;
    tg::backward(scaled, params);
    return params.grad<"w">()[0];
}() == 2.5);

// The mean squared error of fc(x) = w x + b on two samples (x, y) = (1, 3) and (2, 5), at w = 1,
// b = 0:
//   predictions 1, 2; errors e = p - y = -2, -3
//   loss    = ((-2)² + (-3)²) / 2           = (4 + 9) / 2         = 6.5
//   d/dw    = (2 e₁ x₁ + 2 e₂ x₂) / 2        = (-4 - 12) / 2       = -8
//   d/db    = (2 e₁ + 2 e₂) / 2              = (-4 - 6) / 2        = -5
// torch: F.mse_loss(fc(X), Y).backward() with fc.weight = [[1.]], fc.bias = [0.].
constexpr auto x = tg::input<"x", 1>;
constexpr auto y = tg::target<"y">;
constexpr auto mse = tg::mse(tg::linear<"fc", 1, 1>(x), y);
constexpr std::array<double, 2> features{1, 2};
constexpr std::array<double, 2> targets{3, 5};
constexpr auto fitted = [] {
    tg::Parameters<decltype(mse), double> params;
    params.value<"fc.weight">()[0] = 1;
    params.value<"fc.bias">()[0] = 0;
    const double loss = tg::backward(mse, params, features, targets);
    return std::array{loss, params.grad<"fc.weight">()[0], params.grad<"fc.bias">()[0],
                      tg::value(mse, params, features, targets)};
}();
static_assert(fitted[0] == 6.5);
static_assert(fitted[1] == -8);
static_assert(fitted[2] == -5);
static_assert(fitted[3] == 6.5);  // value() is the forward sweep alone

// At the least-squares solution (w = 2, b = 1 fits both samples) the gradient vanishes.
static_assert([] {
    tg::Parameters<decltype(mse), double> params;
    params.value<"fc.weight">()[0] = 2;
    params.value<"fc.bias">()[0] = 1;
    const double loss = tg::backward(mse, params, features, targets);
    return loss == 0 && params.grad<"fc.weight">()[0] == 0 && params.grad<"fc.bias">()[0] == 0;
}());

}  // namespace
