// tg::embedding beyond the gradient laws: the data's index check (its message, once per dataset, again
// after a change), torch's N(0, 1) initialisation of the table, the block kernel taking the table's
// gradient straight into .grad, the parameter names and shapes of the layers, and the NaN a row
// that was never checked gives.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <typegrad/autodiff/data_parallel.hpp>
#include <typegrad/to_string.hpp>
#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace {

namespace tg = typegrad;

constexpr auto x = tg::input<"x", 3>;
constexpr auto y = tg::target<"y">;
constexpr auto model =
    tg::linear<"fc", 4, 1>(tg::concat(tg::embedding<"emb", 2, 2>(tg::column<1>(x)), tg::columns<0, 2>(x)));
constexpr auto loss = tg::mse(model, y);
using loss_type = std::remove_cv_t<decltype(loss)>;

// Rows (a, index, b), the index in column 1 ("f1").
tg::data::dataset rows(std::vector<float> indices) {
    std::vector<float> features, targets;
    for (std::size_t r = 0; r < indices.size(); ++r) {
        features.insert(features.end(), {0.5f * static_cast<float>(r), indices[r], 1.0f});
        targets.push_back(static_cast<float>(r));
    }
    return typegrad_test::make_dataset<float>(3, std::move(features), std::move(targets));
}

}  // namespace

TEST_CASE("embedding: the model's index columns are known from its type") {
    using program = tg::autodiff::program<loss_type, float>;
    using columns = typename program::index_columns;
    using expected = tg::type_list<tg::autodiff::index_column<1, 2, "emb.weight">>;
    STATIC_REQUIRE(std::is_same_v<columns, expected>);
    using none = typename tg::autodiff::program<std::remove_cv_t<decltype(tg::mse(tg::linear<"fc", 3, 1>(x), y))>,
                                                float>::index_columns;
    STATIC_REQUIRE(std::is_same_v<none, tg::type_list<>>);
}

TEST_CASE("embedding: an index outside [0, Num) is an error naming the value, the column and the row") {
    tg::Parameters<loss_type, float> params;
    tg::Trainer<loss_type, tg::SGD> trainer{params, {.lr = 0.1}};
    using Catch::Matchers::Contains;
    const std::string start =
        "typegrad: check_index_column: data row 2 (line 4 of its CSV file, if read by read_csv and not reordered "
        "since) has feature 'f1' (column 1) = ";
    const std::string end = ", expected an integer index in [0, 2) into the rows of 'emb.weight'";
    CHECK_THROWS_WITH(trainer.backward(rows({0, 1, 2, 0}).all()), start + "2" + end);
    CHECK_THROWS_WITH(trainer.backward(rows({0, 1, -1}).all()), start + "-1" + end);
    CHECK_THROWS_WITH(trainer.backward(rows({0, 1, 0.5f}).all()), start + "0.5" + end);
    CHECK_THROWS_WITH(trainer.backward(rows({1, 0, std::numeric_limits<float>::quiet_NaN()}).all()),
                      start + "nan" + end);
    CHECK_THROWS_AS(trainer.loss(rows({0, 0, 7}).all()), std::invalid_argument);
    CHECK_THROWS_AS(tg::predict(model, params, rows({0, 0, 7}).all()), std::invalid_argument);
    for (const float g : params.grads())
        CHECK(g == 0.0f);  // nothing was swept
}

TEST_CASE("embedding: the index check runs once per dataset, and again after a change") {
    tg::Parameters<loss_type, float> params;
    tg::Trainer<loss_type, tg::SGD> trainer{params, {.lr = 0.1}};
    auto data = rows({0, 1, 1, 0, 1});
    CHECK(data.checked().get() == 0);
    trainer.zero_grad();
    CHECK_NOTHROW(trainer.backward(data.all()));
    const std::uint64_t stamp = data.checked().get();
    CHECK((stamp >> 32) != 0);  // the index columns are recorded as checked
    // A view of the same dataset does not check again: the stamp stays as it is.
    CHECK_NOTHROW(trainer.backward(tg::data::batch_view<float>(data, 1, 3)));
    CHECK(data.checked().get() == stamp);
    // Another model over the same dataset, with other index columns, checks them in turn.
    constexpr auto other = tg::mse(tg::dot(tg::embedding<"e", 3, 2>(tg::column<1>(x)), tg::param<"v", 2>), y);
    tg::Parameters<std::remove_cv_t<decltype(other)>, float> other_params;
    tg::Trainer<std::remove_cv_t<decltype(other)>, tg::SGD> other_trainer{other_params, {.lr = 0.1}};
    CHECK_NOTHROW(other_trainer.backward(data.all()));
    CHECK(data.checked().get() != stamp);
    // A change forgets the checks: an index made invalid is found.
    data.update([](std::span<float> f, std::span<float>) { f[4 * 3 + 1] = 2; });
    CHECK_THROWS_WITH(trainer.backward(data.all()), Catch::Matchers::Contains("data row 4 (line 6") &&
                                                        Catch::Matchers::Contains("'f1' (column 1) = 2, expected"));
}

TEST_CASE("embedding: torch_default draws the table from N(0, 1) and the dense layer as torch.nn.Linear") {
    constexpr auto big = tg::mse(tg::linear<"fc", 8, 1>(tg::embedding<"emb", 500, 8>(tg::column<0>(x))), y);
    tg::Parameters<std::remove_cv_t<decltype(big)>, double> params;
    tg::init::torch_default(params, 7);
    const auto table = params.value<"emb.weight">();
    double sum = 0, squares = 0;
    for (const double v : table) {
        sum += v;
        squares += v * v;
    }
    const double n = static_cast<double>(table.size()), mean = sum / n, var = squares / n - mean * mean;
    // 4000 draws: the mean within 4 standard errors (4 / √4000 ≈ 0.063), the variance within 0.1.
    CHECK(std::abs(mean) < 0.065);
    CHECK(std::abs(var - 1.0) < 0.1);
    double largest = 0;
    for (const double v : table)
        largest = std::max(largest, std::abs(v));
    CHECK(largest > 2.5);  // a normal's tail, not a uniform in ±1/√fan_in
    for (const double v : params.value<"fc.weight">())
        CHECK(std::abs(v) <= 1 / std::sqrt(8.0));
    // The same seed, the same table.
    tg::Parameters<std::remove_cv_t<decltype(big)>, double> again;
    tg::init::torch_default(again, 7);
    CHECK(std::equal(table.begin(), table.end(), again.value<"emb.weight">().begin()));
}

TEST_CASE("embedding: the table's gradient goes straight into .grad, not through per-lane accumulators") {
    using program = tg::autodiff::program<loss_type, float>;
    using lane = typename program::lane;
    using table_node = std::remove_cv_t<decltype(tg::embedding<"emb", 2, 2>(tg::column<1>(x)))>;
    if constexpr (lane::size > 1) {
        STATIC_REQUIRE(tg::autodiff::uses_block_vjp<lane, table_node, 1>);
        using table = tg::param_leaf<"emb.weight", tg::shape<2, 2>>;
        using plan = tg::autodiff::reverse_plan<lane, typename program::reversed>;
        STATIC_REQUIRE(!plan::template lane_accumulated<table>);
    }
    // Only the rows read get a gradient: index 1 never appears.
    tg::Parameters<loss_type, float> params;
    tg::init::torch_default(params, 1);
    tg::Trainer<loss_type, tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.backward(rows(std::vector<float>(37, 0.0f)).all());
    const auto g = params.grad<"emb.weight">();
    CHECK(g[0] != 0.0f);
    CHECK(g[1] != 0.0f);
    CHECK(g[2] == 0.0f);
    CHECK(g[3] == 0.0f);
}

TEST_CASE("embedding: an expression is written back as its builders") {
    CHECK(tg::to_string(model) ==
          "linear<\"fc\", 4, 1>(concat(embedding<\"emb\", 2, 2>(column<1>(x)), columns<0, 2>(x)))");
    STATIC_REQUIRE(tg::op_name(tg::column<2>(x)) == "column");
    STATIC_REQUIRE(tg::op_name(tg::embedding<"emb", 2, 2>(tg::column<1>(x))) == "embedding");
}

TEST_CASE("embedding: the layers give the builders' expressions, with torch.nn.Sequential's names") {
    using stack =
        tg::sequential<tg::concat_branches<tg::sequential<tg::Column<1>, tg::Embedding<2, 2>>, tg::Columns<0, 2>>,
                       tg::Linear<4, 1>>;
    constexpr auto by_layers = stack{}(x);
    constexpr auto by_hand = tg::linear<"1", 4, 1>(
        tg::concat(tg::embedding<"0.branches.0.1", 2, 2>(tg::column<1>(x)), tg::columns<0, 2>(x)));
    STATIC_REQUIRE(std::is_same_v<decltype(by_layers), decltype(by_hand)>);
    STATIC_REQUIRE(stack::in_features == tg::layers::any_width);
    STATIC_REQUIRE(stack::out_features == 1);
    STATIC_REQUIRE(tg::Embedding<5, 3>::in_features == 1);
    STATIC_REQUIRE(tg::Embedding<5, 3>::out_features == 3);
    // An input of one column is the index itself: torch's Sequential(Embedding(5, 3), Linear(3, 1)).
    constexpr auto i = tg::input<"i", 1>;
    constexpr auto first = tg::sequential<tg::Embedding<5, 3>, tg::Linear<3, 1>>{}(i);
    STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(first)>,
                                  decltype(tg::linear<"1", 3, 1>(tg::embedding<"0", 5, 3>(i)))>);
    using first_loss = std::remove_cv_t<decltype(tg::mse(first, y))>;
    STATIC_REQUIRE(std::is_same_v<typename tg::autodiff::program<first_loss, float>::index_columns,
                                  tg::type_list<tg::autodiff::index_column<0, 5, "0.weight">>>);
    using S = typename std::remove_cv_t<decltype(tg::columns<2, 0>(x))>::shape_type;
    STATIC_REQUIRE(std::is_same_v<S, tg::shape<2>>);
}

TEST_CASE("embedding: predict_one checks the row's indices; a sweep never checked gives NaN, not a read outside") {
    tg::Parameters<loss_type, double> params;
    tg::init::torch_default(params, 3);
    const std::vector<double> good{0.5, 1.0, 2.0}, bad{0.5, 2.0, 2.0}, fraction{0.5, 0.25, 2.0};
    CHECK(std::isfinite(tg::predict_one(model, params, good)[0]));
    CHECK_THROWS_WITH(tg::predict_one(model, params, bad),
                      "typegrad: predict_one: feature 1 is 2, expected an integer index in [0, 2) into the rows of "
                      "'emb.weight'");
    CHECK_THROWS_WITH(tg::predict_one(model, params, fraction), Catch::Matchers::Contains("feature 1 is 0.25"));
    // The functional form: the same value by hand.
    const auto t = params.value<"emb.weight">();
    const auto w = params.value<"fc.weight">();
    const double by_hand = w[0] * t[2] + w[1] * t[3] + w[2] * 0.5 + w[3] * 2.0 + params.value<"fc.bias">()[0];
    CHECK(tg::predict_one(model, params, good)[0] == Approx(by_hand).epsilon(1e-12));
    // The one-sample sweep itself, given a row no one checked: NaN, and nothing added to the table.
    using program = tg::autodiff::program<loss_type, double>;
    params.zero_grad();
    const double l = program::sample_backward(params.values().data(), params.grads().data(), bad.data(), 1.0, 1.0);
    CHECK(std::isnan(l));
    for (const double g : params.grad<"emb.weight">())
        CHECK(g == 0.0);
}

TEST_CASE("embedding: a batch is cut into chunks by the work of its samples, not by the table's size") {
    constexpr auto big = tg::mse(tg::linear<"fc", 32, 1>(tg::embedding<"emb", 10000, 32>(tg::column<0>(x))), y);
    using program = tg::autodiff::program<std::remove_cv_t<decltype(big)>, float>;
    using engine = tg::autodiff::data_parallel<program>;
    STATIC_REQUIRE(engine::total == 10000 * 32 + 32 + 1);
    STATIC_REQUIRE(engine::work_per_sample == 32 + 32 + 1);  // one row of the table, and fc
    const engine e;
    // By the parameters alone, 256 rows would be 16 chunks of 16, each zeroing and adding a buffer of
    // 320 033 numbers for 16 samples' sweeps; a chunk's work must pay for its buffer.
    CHECK(tg::autodiff::chunking::of(256, engine::total, program::lanes).chunks > 1);
    CHECK(e.chunks_of(256).chunks == 1);
    CHECK(e.chunks_of(1 << 20).chunks > 1);  // a batch large enough is still shared
    // A model without a table is cut as before.
    using dense = tg::autodiff::data_parallel<tg::autodiff::program<loss_type, float>>;
    STATIC_REQUIRE(dense::work_per_sample == dense::total - 2);  // the table [2, 2]: one row read
    using plain = tg::autodiff::program<std::remove_cv_t<decltype(tg::mse(tg::linear<"fc", 3, 1>(x), y))>, float>;
    using plain_engine = tg::autodiff::data_parallel<plain>;
    STATIC_REQUIRE(plain_engine::work_per_sample == plain_engine::total);
    CHECK(plain_engine{}.chunks_of(300).chunks ==
          tg::autodiff::chunking::of(300, plain_engine::total, plain::lanes).chunks);
}

TEST_CASE("embedding: a classifier's class targets and index columns are each checked once") {
    constexpr auto classifier = tg::cross_entropy(tg::linear<"fc", 3, 3>(tg::embedding<"emb", 2, 3>(tg::column<1>(x))),
                                                  tg::class_target<"y", 3>);
    using L = std::remove_cv_t<decltype(classifier)>;
    tg::Parameters<L, float> params;
    tg::Trainer<L, tg::SGD> trainer{params, {.lr = 0.1}};
    auto data = rows({0, 1, 1, 0});  // targets 0, 1, 2, 3: the last is no class of 3
    CHECK_THROWS_WITH(trainer.backward(data.all()), Catch::Matchers::Contains("check_class_targets: data row 3"));
    data.update([](std::span<float>, std::span<float> t) { t[3] = 2; });
    CHECK_NOTHROW(trainer.backward(data.all()));
    const std::uint64_t stamp = data.checked().get();
    CHECK(((stamp >> 8) & 0xffffff) == 3 + 1);  // the class count checked
    CHECK((stamp >> 32) != 0);                  // and the index columns
    CHECK_NOTHROW(trainer.backward(data.all()));
    CHECK(data.checked().get() == stamp);
}
