// An embedding whose index is a computed value rather than a column of the input: the data's
// indices could not be checked.
// expect: typegrad: embedding / Embedding: the index must be one column of the model's input
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 10>;
#ifndef TYPEGRAD_COMPILE_FAIL
constexpr auto looked_up = tg::column<1>(x);
#else
constexpr auto looked_up = tg::linear<"fc", 10, 1>(x);
#endif
[[maybe_unused]] constexpr auto prediction = tg::embedding<"emb", 2, 3>(looked_up);
