// A dataset's feature-major copy once outlived the values it was made from: keep_columns() followed by
// standardized() (or standardizer::apply, split) left the raw values in `columns`, and the trainer and
// predict read them. The dataset now owns the copy and rebuilds it with every change.
#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::input<"x", 10>;
constexpr auto y = tg::target<"y">;
constexpr auto model = tg::linear<"fc", 10, 1>(x);
constexpr auto loss = tg::mse(model, y);

const tg::data::dataset& diabetes() {
    static const auto d = tg::data::read_csv(std::string(TYPEGRAD_EXAMPLES_DATA_DIR) + "/diabetes.csv");
    return d;
}

// The feature-major copy of `d`, made from its features as they are now.
std::vector<float> transposed(const tg::data::dataset& d) {
    std::vector<float> out(d.rows() * d.cols());
    for (std::size_t r = 0; r < d.rows(); ++r)
        for (std::size_t c = 0; c < d.cols(); ++c)
            out[c * d.rows() + r] = d.row(r)[c];
    return out;
}

std::vector<float> train(const tg::data::dataset& d) {
    tg::Parameters params{loss};
    tg::init::torch_default(params, 0);
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.01}};
    for (std::uint64_t epoch = 0; epoch < 3; ++epoch)
        for (auto batch : tg::data::batches(d, 32, tg::data::shuffle{.seed = epoch})) {
            trainer.zero_grad();
            trainer.backward(batch);
            trainer.step();
        }
    for (std::size_t start = 0; start + 32 <= d.rows(); start += 32) {  // consecutive rows: vector loads
        trainer.zero_grad();
        trainer.backward(tg::data::batch_view<float>(d, start, 32));
        trainer.step();
    }
    const auto p = tg::predict(model, params, d);
    std::vector<float> out(params.values().begin(), params.values().end());
    out.insert(out.end(), p.begin(), p.end());
    return out;
}
}  // namespace

TEST_CASE("every dataset derived from one that keeps columns keeps columns of its own values") {
    auto raw = diabetes();
    raw.keep_columns();
    const auto standardized = raw.standardized();
    REQUIRE(standardized.keeps_columns());
    CHECK(std::vector<float>(standardized.columns().begin(), standardized.columns().end()) == transposed(standardized));
    CHECK(standardized.columns()[0] == standardized.row(0)[0]);  // the standardised age, not the raw 59
    CHECK(standardized.columns()[0] != 59.f);

    const auto [a, b] = tg::data::split(standardized, 0.8, 42);
    CHECK(std::vector<float>(a.columns().begin(), a.columns().end()) == transposed(a));
    const auto scaled = tg::data::standardizer<float>::fit(a).apply(b);
    CHECK(std::vector<float>(scaled.columns().begin(), scaled.columns().end()) == transposed(scaled));

    auto changed = standardized;
    changed.update([](std::span<float> features, std::span<float>) { features[0] = 123.f; });
    CHECK(changed.columns()[0] == 123.f);
}

TEST_CASE("training after standardising gives the same trajectory with and without the feature-major copy") {
    auto with_columns = diabetes();
    with_columns.keep_columns();
    const auto standardized_with = with_columns.standardized();
    const auto standardized_without = diabetes().standardized();
    REQUIRE_FALSE(standardized_without.keeps_columns());
    const auto a = train(standardized_with), b = train(standardized_without);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        REQUIRE(a[i] == b[i]);  // bit for bit: only the loads differ
}
