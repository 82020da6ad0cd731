// Shape rules of the builders, as the compiler sees them.
#include <type_traits>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {

constexpr auto x = tg::input<"x", 10>;
constexpr auto y = tg::target<"y">;

template <class E, class S>
constexpr bool shape_is = std::is_same_v<typename std::remove_cvref_t<E>::shape_type, S>;

// Leaves.
static_assert(shape_is<decltype(x), tg::shape<10>>);
static_assert(shape_is<decltype(y), tg::scalar_shape>);
static_assert(shape_is<decltype(tg::param<"w", 3, 10>), tg::shape<3, 10>>);
static_assert(shape_is<decltype(tg::param<"b">), tg::shape<>>);
static_assert(tg::size_of<decltype(tg::param<"w", 3, 10>)> == 30);

// Products: matvec [Out, In] x [In] -> [Out]; dot -> scalar; linear<Name, In, Out> -> [Out].
static_assert(shape_is<decltype(tg::matvec(tg::param<"w", 3, 10>, x)), tg::shape<3>>);
static_assert(shape_is<decltype(tg::dot(x, tg::param<"w", 10>)), tg::scalar_shape>);
static_assert(shape_is<decltype(tg::linear<"fc", 10, 3>(x)), tg::shape<3>>);

// Elementwise ops keep the shape; a scalar operand broadcasts, on either side.
static_assert(shape_is<decltype(tg::tanh(tg::linear<"fc", 10, 3>(x))), tg::shape<3>>);
static_assert(shape_is<decltype(x * tg::param<"s">), tg::shape<10>>);
static_assert(shape_is<decltype(tg::param<"s"> - x), tg::shape<10>>);
static_assert(shape_is<decltype(x * 0.5_c + x), tg::shape<10>>);

// Reductions and losses give one number per sample.
static_assert(shape_is<decltype(tg::sum(x)), tg::scalar_shape>);
static_assert(shape_is<decltype(tg::mean(x)), tg::scalar_shape>);
static_assert(shape_is<decltype(tg::mse(tg::linear<"fc", 10, 1>(x), y)), tg::scalar_shape>);

// Expressions are empty, trivially copyable types: usable as constexpr values and template arguments.
constexpr auto loss = tg::mse(tg::linear<"fc", 10, 1>(x), y);
static_assert(std::is_empty_v<decltype(loss)> && std::is_trivially_copyable_v<decltype(loss)>);
static_assert(tg::Expression<decltype(loss)>);
static_assert(!tg::Expression<int>);

// The same expression written twice is the same type.
static_assert(tg::SameExpression<decltype(loss), decltype(tg::mse(tg::linear<"fc", 10, 1>(x), y))>);

}  // namespace
