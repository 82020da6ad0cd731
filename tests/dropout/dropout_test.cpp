// tg::dropout and tg::Dropout: the mask's statistics (kept fraction within binomial bounds, the mean
// preserved by the 1 / (1 - p) scale), evaluation as the identity, p = 0 and p = 1, the gradient laws
// with the mask fixed by (seed, step), its independence of the lanes a row lands in, and a
// checkpoint resume equal to the uninterrupted run.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/deploy/export_header.hpp>
#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace tg = typegrad;
using namespace tg::literals;

namespace {

constexpr std::size_t width = 64;
constexpr auto x = tg::input<"x", width>;
constexpr auto w = tg::param<"w", width>;
// d(loss)/d(w) = the mean over the rows of noise · x: with x = 1 and one row, the noise itself.
constexpr auto probe = tg::sum(tg::dropout(x * w, 0.3_c));
using probe_type = std::remove_cv_t<decltype(probe)>;

template <class T>
tg::data::basic_dataset<T> ones(std::size_t rows) {
    return typegrad_test::make_dataset<T>(width, std::vector<T>(rows * width, T(1)), std::vector<T>(rows, T(0)));
}

template <class Loss, class T>
tg::autodiff::sample_source<T> rows_of(const tg::data::basic_dataset<T>& d) {
    using program = tg::autodiff::program<Loss, T>;
    return tg::data::feed<typename program::input, typename program::target>(d.all(), "dropout test");
}

// The noise of every row and element in training at (seed, step): one backward per row.
template <class T>
std::vector<T> noise_of(std::size_t rows, std::uint64_t seed, std::uint64_t step) {
    using program = tg::autodiff::program<probe_type, T>;
    const auto d = ones<T>(rows);
    tg::mode_state mode{.seed = seed, .step = step};
    auto all = rows_of<probe_type>(d);
    all.mode = &mode;
    tg::Parameters<probe_type, T> params;
    std::vector<typename program::lane> scratch(program::scratch_size);
    std::vector<T> out;
    for (std::size_t r = 0; r < rows; ++r) {
        params.zero_grad();
        program::backward(params.values().data(), params.grads().data(), scratch.data(), all.part(r, 1));
        for (const T g : params.grads())
            out.push_back(g);
    }
    return out;
}

}  // namespace

TEMPLATE_TEST_CASE("dropout keeps 1 - p of the elements, scaled by 1 / (1 - p)", "[dropout]", float, double) {
    using T = TestType;
    constexpr std::size_t rows = 150;
    const auto noise = noise_of<T>(rows, 3, 0);
    const T scale = T(1) / static_cast<T>(1.0 - 0.3);
    std::size_t kept = 0;
    double sum = 0;
    for (const T v : noise) {
        REQUIRE((v == T(0) || v == scale));
        kept += v != T(0);
        sum += static_cast<double>(v);
    }
    // Binomial(n, 0.7): within 5 standard deviations.
    const double n = static_cast<double>(noise.size()), sd = std::sqrt(n * 0.7 * 0.3);
    CHECK(std::fabs(static_cast<double>(kept) - 0.7 * n) < 5 * sd);
    // The mean of the noise is 1 (within 5 standard deviations of the mean of n draws).
    CHECK(std::fabs(sum / n - 1.0) < 5 * static_cast<double>(scale) * sd / n);
    // Every element and every row is dropped sometimes and kept sometimes.
    for (std::size_t i = 0; i < width; ++i) {
        std::size_t k = 0;
        for (std::size_t r = 0; r < rows; ++r)
            k += noise[r * width + i] != T(0);
        INFO("element " << i);
        CHECK(k > 0);
        CHECK(k < rows);
    }
}

TEST_CASE("the mask is a function of the seed, the step and the row", "[dropout]") {
    const auto a = noise_of<float>(20, 3, 0);
    CHECK(a == noise_of<float>(20, 3, 0));
    CHECK(a != noise_of<float>(20, 4, 0));
    CHECK(a != noise_of<float>(20, 3, 1));
    // float and double draw the same mask.
    const auto d = noise_of<double>(20, 3, 0);
    for (std::size_t i = 0; i < a.size(); ++i)
        REQUIRE((a[i] == 0) == (d[i] == 0));
    // Two rows of one step do not share a mask.
    CHECK(!std::equal(a.begin(), a.begin() + width, a.begin() + width));
}

namespace {
constexpr auto in4 = tg::input<"x", 4>;
constexpr auto y = tg::target<"y">;
constexpr auto hidden = tg::tanh(tg::linear<"fc1", 4, 8>(in4));
constexpr auto with_dropout = tg::mse(tg::linear<"fc2", 8, 1>(tg::dropout(hidden, 0.5_c)), y);
constexpr auto without = tg::mse(tg::linear<"fc2", 8, 1>(hidden), y);
constexpr auto all_dropped = tg::mse(tg::linear<"fc2", 8, 1>(tg::dropout(hidden, 1.0_c)), y);
using with_type = std::remove_cv_t<decltype(with_dropout)>;
using without_type = std::remove_cv_t<decltype(without)>;

template <class T>
tg::data::basic_dataset<T> regression(std::size_t rows, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<T> f, t;
    for (std::size_t r = 0; r < rows; ++r) {
        double s = 0;
        for (std::size_t c = 0; c < 4; ++c) {
            const double v = normal(rng);
            f.push_back(static_cast<T>(v));
            s += v * (static_cast<double>(c) - 1.5);
        }
        t.push_back(static_cast<T>(std::sin(s)));
    }
    return typegrad_test::make_dataset<T>(4, std::move(f), std::move(t));
}

template <class Loss, class T>
void randomize(tg::Parameters<Loss, T>& p, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    for (auto& v : p.values())
        v = static_cast<T>(u(rng));
}
}  // namespace

TEST_CASE("p = 0 is no node; a model without dropout has no mode", "[dropout]") {
    STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(tg::dropout(x, 0.0_c))>, std::remove_cv_t<decltype(x)>>);
    STATIC_REQUIRE(std::is_same_v<decltype(tg::sequential<tg::Linear<4, 8>, tg::Dropout<0.0_c>>{}(in4)),
                                  decltype(tg::sequential<tg::Linear<4, 8>>{}(in4))>);
    STATIC_REQUIRE(!tg::Trainer<without_type, tg::SGD>::has_training_mode);
    STATIC_REQUIRE(tg::Trainer<with_type, tg::SGD>::has_training_mode);
    STATIC_REQUIRE(sizeof(tg::autodiff::workspace_for<float, float, without_type>) <
                   sizeof(tg::autodiff::workspace_for<float, float, with_type>));
}

TEMPLATE_TEST_CASE("evaluation is the identity: loss, gradient and predict", "[dropout]", float, double) {
    using T = TestType;
    const auto data = regression<T>(37, 1);
    tg::Parameters<with_type, T> a;
    tg::Parameters<without_type, T> b;
    randomize(a, 2);
    for (std::size_t k = 0; k < a.total; ++k)
        b.values()[k] = a.values()[k];
    tg::Trainer<with_type, tg::SGD, T> ta{a, {.lr = 0.1}};
    tg::Trainer<without_type, tg::SGD, T> tb{b, {.lr = 0.1}};
    CHECK(ta.loss(data) == tb.loss(data));
    // A sweep given no mode evaluates, its gradient too (input_gradient's case).
    using pa = tg::autodiff::program<with_type, T>;
    using pb = tg::autodiff::program<without_type, T>;
    std::vector<typename pa::lane> sa(pa::scratch_size), sb(pb::scratch_size);
    pa::backward(a.values().data(), a.grads().data(), sa.data(), rows_of<with_type>(data));
    pb::backward(b.values().data(), b.grads().data(), sb.data(), rows_of<without_type>(data));
    for (std::size_t k = 0; k < a.total; ++k)
        REQUIRE(a.grads()[k] == b.grads()[k]);
    const auto model_a = tg::linear<"fc2", 8, 1>(tg::dropout(hidden, 0.5_c));
    const auto model_b = tg::linear<"fc2", 8, 1>(hidden);
    CHECK(tg::predict(model_a, a, data) == tg::predict(model_b, b, data));
    // Training does not: backward()'s loss is the training loss.
    a.zero_grad();
    CHECK(ta.backward(data) != ta.loss(data));
}

TEMPLATE_TEST_CASE("p = 1 zeroes everything in training, with a zero gradient before it", "[dropout]", float, double) {
    using T = TestType;
    using L = std::remove_cv_t<decltype(all_dropped)>;
    const auto data = regression<T>(21, 3);
    tg::Parameters<L, T> p;
    randomize(p, 4);
    tg::Trainer<L, tg::SGD, T> trainer{p, {.lr = 0.1}};
    trainer.backward(data);
    for (const auto name : {"fc1.weight", "fc1.bias"})
        for (const T g : p.grad(name))
            CHECK(g == T(0));
    // fc2.weight sees zeros; its bias alone learns.
    for (const T g : p.grad("fc2.weight"))
        CHECK(g == T(0));
    CHECK(p.grad("fc2.bias")[0] != T(0));
}

namespace {
// The training loss sum at a fixed (seed, step) and its gradient, by program directly.
template <class T>
struct fixed_mask {
    using program = tg::autodiff::program<with_type, T>;
    tg::data::basic_dataset<T> data = regression<T>(3 * program::lanes + 3, 5);
    tg::mode_state mode{.seed = 11, .step = 2};
    tg::autodiff::sample_source<T> rows = [this] {
        auto r = rows_of<with_type>(data);
        r.mode = &mode;
        return r;
    }();
    std::vector<typename program::lane> scratch = std::vector<typename program::lane>(program::scratch_size);
    T backward(tg::Parameters<with_type, T>& p, const tg::autodiff::sample_source<T>& r) {
        return program::backward(p.values().data(), p.grads().data(), scratch.data(), r);
    }
};
}  // namespace

TEST_CASE("with the mask fixed, the gradient matches central differences (double)", "[dropout][laws]") {
    fixed_mask<double> f;
    tg::Parameters<with_type, double> p;
    randomize(p, 6);
    f.backward(p, f.rows);
    const double h = 1e-6;
    for (std::size_t k = 0; k < p.total; ++k) {
        const double v = p.values()[k];
        p.values()[k] = v + h;
        const double up = fixed_mask<double>::program::loss(p.values().data(), f.rows);
        p.values()[k] = v - h;
        const double down = fixed_mask<double>::program::loss(p.values().data(), f.rows);
        p.values()[k] = v;
        INFO("parameter element " << k);
        CHECK(p.grads()[k] == Approx((up - down) / (2 * h)).epsilon(1e-6).margin(1e-8));
    }
}

TEMPLATE_TEST_CASE("with the mask fixed, backward twice is twice the gradient, zero_grad resets", "[dropout][laws]",
                   float, double) {
    using T = TestType;
    fixed_mask<T> f;
    tg::Parameters<with_type, T> p;
    randomize(p, 7);
    const T first = f.backward(p, f.rows);
    const std::vector<T> g1(p.grads().begin(), p.grads().end());
    CHECK(f.backward(p, f.rows) == first);
    for (std::size_t k = 0; k < p.total; ++k)
        CHECK(p.grads()[k] == Approx(2 * g1[k]).epsilon(1e-5).margin(1e-6));
    p.zero_grad();
    f.backward(p, f.rows);
    for (std::size_t k = 0; k < p.total; ++k)
        CHECK(p.grads()[k] == g1[k]);
}

TEMPLATE_TEST_CASE("the mask does not depend on the lane: SIMD equals per-sample, in any row order", "[dropout][laws]",
                   float, double) {
    using T = TestType;
    using program = typename fixed_mask<T>::program;
    fixed_mask<T> f;
    tg::Parameters<with_type, T> simd, single, shuffled;
    randomize(simd, 8);
    for (std::size_t k = 0; k < simd.total; ++k)
        single.values()[k] = shuffled.values()[k] = simd.values()[k];
    const T loss = f.backward(simd, f.rows);
    T sum = 0;
    const T weight = T(1) / static_cast<T>(f.rows.count);
    for (std::size_t r = 0; r < f.rows.count; ++r)
        sum += program::backward_sum(single.values().data(), single.grads().data(), f.scratch.data(), f.rows.part(r, 1),
                                     weight);
    CHECK(loss == Approx(sum / static_cast<T>(f.rows.count)).epsilon(1e-5));
    // The same rows in another order: each row lands in another lane.
    std::vector<std::uint32_t> order(f.rows.count);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(9));
    auto picked = tg::data::feed<typename program::input, typename program::target>(
        tg::data::batch_view<T>(f.data, std::span<const std::uint32_t>(order)), "dropout test");
    picked.mode = &f.mode;
    CHECK(f.backward(shuffled, picked) == Approx(loss).epsilon(1e-5));
    for (std::size_t k = 0; k < simd.total; ++k) {
        INFO("gradient element " << k);
        CHECK(single.grads()[k] == Approx(simd.grads()[k]).epsilon(1e-5).margin(1e-6));
        CHECK(shuffled.grads()[k] == Approx(simd.grads()[k]).epsilon(1e-5).margin(1e-6));
    }
}

namespace {
// n steps of Adam over shuffled batches of 8, from where the trainer stands.
template <class Tr, class T>
void train(Tr& trainer, const tg::data::basic_dataset<T>& d, std::size_t n) {
    for (std::size_t s = 0; s < n; ++s) {
        const std::size_t step = trainer.steps();
        const auto epoch = tg::data::batches(d, 8, tg::data::shuffle{step / 5});
        trainer.zero_grad();
        trainer.backward(epoch[step % 5]);
        trainer.step();
    }
}
}  // namespace

TEMPLATE_TEST_CASE("a resumed run with dropout equals the uninterrupted one, bit for bit", "[dropout][checkpoint]",
                   float, double) {
    using T = TestType;
    const auto data = regression<T>(40, 10);
    const auto path =
        std::filesystem::temp_directory_path() /
        (sizeof(T) == 4 ? "typegrad_dropout_resume_float.safetensors" : "typegrad_dropout_resume_double.safetensors");
    tg::Parameters<with_type, T> a;
    randomize(a, 11);
    tg::Trainer<with_type, tg::Adam, T> ta{a, {.lr = 0.01}};
    ta.set_seed(1234);
    train(ta, data, 7);
    tg::save(path, a, ta);
    train(ta, data, 6);

    tg::Parameters<with_type, T> b;
    tg::Trainer<with_type, tg::Adam, T> tb{b, {.lr = 0.01}};
    tg::load(path, b, tb);
    std::filesystem::remove(path);
    CHECK(tb.seed() == 1234);
    CHECK(tb.steps() == 7);
    train(tb, data, 6);
    for (std::size_t k = 0; k < a.total; ++k) {
        INFO("parameter element " << k);
        REQUIRE(std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(a.values()[k]) ==
                std::bit_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(b.values()[k]));
    }

    // Another seed: another trajectory.
    tg::Parameters<with_type, T> c;
    randomize(c, 11);
    tg::Trainer<with_type, tg::Adam, T> tc{c, {.lr = 0.01}};
    tc.set_seed(1235);
    train(tc, data, 13);
    bool differs = false;
    for (std::size_t k = 0; k < a.total; ++k)
        differs = differs || a.values()[k] != c.values()[k];
    CHECK(differs);
}

TEST_CASE("export_header writes dropout as the identity", "[dropout][deploy]") {
    tg::Parameters<with_type, float> a;
    randomize(a, 12);
    const auto model = tg::linear<"fc2", 8, 1>(tg::dropout(hidden, 0.5_c));
    const auto h = tg::header_source(model, a, {.namespace_name = "m"});
    INFO(h);
    // The node list names the op; its code copies its operand (v5 the tanh, v6 the dropout).
    CHECK(h.find("//   v6 [8] = dropout(v5)") != std::string::npos);
    CHECK(h.find("v6[i] = v5[i];") != std::string::npos);
    CHECK(h.find("matvec(v6, fc2_weight)") != std::string::npos);
}
