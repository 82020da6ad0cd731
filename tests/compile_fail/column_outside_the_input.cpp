// A selected column past the input's last: columns count from 0, so x of 10 features has 0 to 9.
// expect: typegrad: column / columns: a selected column is outside the input vector
// expect: column_outside_the_input<typegrad::error::column<10>, typegrad::error::input<10> ?>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr std::size_t sex = 1;
#else
constexpr std::size_t sex = 10;
#endif
[[maybe_unused]] constexpr auto prediction = tg::linear<"fc", 3, 1>(tg::embedding<"emb", 2, 3>(tg::column<sex>(x)));
