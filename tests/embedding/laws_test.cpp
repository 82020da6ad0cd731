// The gradient laws (tests/ops/laws.hpp) over tg::embedding and the column selections: one embedded
// column beside the numeric ones, two tables read by two columns, one table read by two columns,
// a stack of layers with a tg::concat_branches, and a classifier. Each embedding meets a dense layer
// or a parameter, so that its VJP sees an upstream gradient other than all ones; the index columns
// hold random integers in [0, Num), so that the SIMD sweep scatters several lanes into one row.
#include <array>
#include <cstddef>

#include <typegrad/layers.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/concat.hpp>
#include <typegrad/ops/embedding.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>

#include "ops/laws.hpp"

namespace typegrad_test::embedding_cases {

inline constexpr auto x = tg::input<"x", 4>;
inline constexpr auto y = tg::target<"y">;

// Column 1 embedded (3 rows of 2), beside columns 0, 2 and 3, into a dense layer.
struct beside_numeric : case_defaults {
    static constexpr std::array<std::size_t, 4> index_bounds{0, 3, 0, 0};
    static constexpr auto loss = tg::mse(
        tg::linear<"fc", 5, 1>(tg::concat(tg::embedding<"emb", 3, 2>(tg::column<1>(x)), tg::columns<0, 2, 3>(x))), y);
};

// Two tables, columns 0 (5 rows) and 2 (2 rows), through tanh and a dot product.
struct two_tables : case_defaults {
    static constexpr std::array<std::size_t, 4> index_bounds{5, 0, 2, 0};
    static constexpr auto loss = tg::mse(tg::dot(tg::tanh(tg::concat(tg::embedding<"a", 5, 3>(tg::column<0>(x)),
                                                                     tg::embedding<"b", 2, 4>(tg::column<2>(x)))),
                                                 tg::param<"v", 7>) +
                                             tg::dot(tg::columns<1, 3>(x), tg::param<"u", 2>),
                                         y);
};

// One table read at two columns (shared weights): both lookups add into its gradient.
struct shared_table : case_defaults {
    static constexpr std::array<std::size_t, 4> index_bounds{4, 0, 0, 4};
    static constexpr auto loss =
        tg::mse(tg::dot(tg::embedding<"emb", 4, 3>(tg::column<0>(x)) * tg::embedding<"emb", 4, 3>(tg::column<3>(x)),
                        tg::param<"v", 3>),
                y);
};

// The layers: a stack whose first layer concatenates the embedded column 2 with columns 0, 1, 3.
struct stacked : case_defaults {
    static constexpr std::array<std::size_t, 4> index_bounds{0, 0, 6, 0};
    static constexpr auto loss = tg::mse(
        tg::sequential<tg::concat_branches<tg::sequential<tg::Column<2>, tg::Embedding<6, 3>>, tg::Columns<0, 1, 3>>,
                       tg::Linear<6, 4>, tg::Tanh, tg::Linear<4, 1>>{}(x),
        y);
};

// A classifier over an embedded column alone: a table wider than a SIMD vector.
struct classifier : case_defaults {
    static constexpr std::array<std::size_t, 4> index_bounds{0, 0, 0, 7};
    static constexpr auto loss = tg::cross_entropy(
        tg::linear<"fc", 19, 3>(tg::embedding<"emb", 7, 19>(tg::column<3>(x))), tg::class_target<"y", 3>);
};

}  // namespace typegrad_test::embedding_cases

namespace typegrad_test {

#define TYPEGRAD_EMBEDDING_CASES                                                                 \
    embedding_cases::beside_numeric, embedding_cases::two_tables, embedding_cases::shared_table, \
        embedding_cases::stacked, embedding_cases::classifier

TEMPLATE_TEST_CASE("embedding: the gradient matches central differences (double)", "[laws]", TYPEGRAD_EMBEDDING_CASES) {
    gradient_matches_central_differences<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("embedding: backward twice accumulates twice the gradient", "[laws]", (in_float, in_double),
                           (TYPEGRAD_EMBEDDING_CASES)) {
    backward_twice_doubles_the_gradient<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("embedding: zero_grad resets the gradient", "[laws]", (in_float, in_double),
                           (TYPEGRAD_EMBEDDING_CASES)) {
    zero_grad_resets<TestType>();
}
TEMPLATE_PRODUCT_TEST_CASE("embedding: the SIMD sweep equals the per-sample sweep", "[laws]", (in_float, in_double),
                           (TYPEGRAD_EMBEDDING_CASES)) {
    simd_matches_per_sample<TestType>();
}

}  // namespace typegrad_test
