// Data-parallel backward() and step() give the same bits for every thread count: for every loss, a
// regression and a classification model, float and double, shuffled and contiguous batches, a
// partly filled last block, and a model large enough to be cut by the default chunking.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 6>;
constexpr auto y = tg::target<"y">;
constexpr auto label = tg::class_target<"y", 3>;
constexpr auto hidden = tg::tanh(tg::linear<"0", 6, 12>(x));
constexpr auto out = tg::linear<"2", 12, 1>(hidden);
constexpr auto logits = tg::linear<"2", 12, 3>(hidden);

constexpr auto mse_loss = tg::mse(out, y);
constexpr auto l1_loss = tg::l1(out, y);
constexpr auto huber_loss = tg::huber(out, y);
constexpr auto smooth_l1_loss = tg::smooth_l1(out, y);
constexpr auto bce_loss = tg::bce_with_logits(out, y);
constexpr auto ce_loss = tg::cross_entropy(logits, label);
constexpr auto nll_loss = tg::nll(tg::log_softmax(logits), label);

enum class targets { real, binary, classes };

// `rows` samples of 6 features and targets of the given kind.
template <class T>
tg::data::basic_dataset<T> make_data(std::size_t rows, targets kind, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<T> features, target;
    for (std::size_t r = 0; r < rows; ++r) {
        double t = 0.25;
        for (std::size_t f = 0; f < 6; ++f) {
            const double v = normal(rng);
            features.push_back(static_cast<T>(v));
            t += (static_cast<double>(f) - 2.5) * v;
        }
        t += 0.3 * normal(rng);
        const double value = kind == targets::real     ? t
                             : kind == targets::binary ? (t > 0 ? 1 : 0)
                                                       : (t < -1  ? 0
                                                          : t < 1 ? 1
                                                                  : 2);
        target.push_back(static_cast<T>(value));
    }
    return typegrad_test::make_dataset<T>(6, std::move(features), std::move(target));
}

template <class T>
std::vector<T> bits_of(std::span<const T> s) {
    return {s.begin(), s.end()};
}

// Trains `steps` epochs of Adam on `data` in batches of `batch` rows (shuffled, so the batches are
// index lists, or in order, so they are contiguous rows), with `threads` threads and chunks of at
// least `min_rows` rows; returns every parameter value after training, every gradient of the last
// batch and every loss, bit for bit.
template <class T, class Loss>
std::vector<T> run(const Loss&, const tg::data::basic_dataset<T>& data, unsigned threads, std::size_t min_rows,
                   std::size_t batch, bool shuffled) {
    tg::Parameters<Loss, T> params;
    tg::init::torch_default(params, 7);
    tg::Trainer<Loss, tg::Adam, T> trainer{params, {.lr = 0.01}};
    trainer.set_threads(threads);
    trainer.set_min_chunk_rows(min_rows);
    std::vector<T> out;
    for (unsigned epoch = 0; epoch < 3; ++epoch) {
        const auto run_batch = [&](const auto& b) {
            trainer.zero_grad();
            out.push_back(trainer.backward(b));
            trainer.step();
        };
        if (shuffled)
            for (auto b : tg::data::batches(data, batch, tg::data::shuffle{.seed = epoch}))
                run_batch(b);
        else
            for (auto b : tg::data::batches(data, batch, tg::data::no_shuffle{}))
                run_batch(b);
    }
    // backward() adds into the gradients: twice without zero_grad() piles up, with threads as without.
    trainer.zero_grad();
    trainer.backward(data);
    trainer.backward(data);
    out.push_back(trainer.loss(data));
    for (T v : params.values())
        out.push_back(v);
    for (T g : params.grads())
        out.push_back(g);
    return out;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class T, class Loss>
void check_thread_counts(const Loss& loss, targets kind) {
    // 203 rows: batches of 96, 96 and 11; chunks of at least 16 rows cut a batch of 96 into 4 (a
    // power of two), the batch of 11 is one partly filled block on the calling thread.
    const auto data = make_data<T>(203, kind, 11);
    tg::Parameters<Loss, T> probe_params;
    tg::Trainer<Loss, tg::Adam, T> probe{probe_params, {}};
    probe.set_min_chunk_rows(16);
    REQUIRE(probe.chunks_of(96).chunks == 4);
    REQUIRE(probe.chunks_of(203).chunks > 1);
    for (bool shuffled : {true, false}) {
        INFO("shuffled " << shuffled);
        const auto one = run<T>(loss, data, 1, 16, 96, shuffled);
        for (unsigned threads : {2u, 3u, 4u, 8u}) {
            INFO("threads " << threads);
            CHECK(same_bits(one, run<T>(loss, data, threads, 16, 96, shuffled)));
        }
        // The chunks change the order of the sums only: against one chunk per batch, equal to rounding.
        const auto unchunked = run<T>(loss, data, 1, 1u << 20, 96, shuffled);
        REQUIRE(unchunked.size() == one.size());
        const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-11;
        for (std::size_t i = 0; i < one.size(); ++i)
            CHECK(std::abs(static_cast<double>(one[i]) - static_cast<double>(unchunked[i])) <=
                  tol * (1 + std::abs(static_cast<double>(unchunked[i]))));
    }
}

}  // namespace

TEMPLATE_TEST_CASE("every thread count gives the same bits, for every loss", "[parallel]", float, double) {
    SECTION("mse") { check_thread_counts<TestType>(mse_loss, targets::real); }
    SECTION("l1") { check_thread_counts<TestType>(l1_loss, targets::real); }
    SECTION("huber") { check_thread_counts<TestType>(huber_loss, targets::real); }
    SECTION("smooth_l1") { check_thread_counts<TestType>(smooth_l1_loss, targets::real); }
    SECTION("bce_with_logits") { check_thread_counts<TestType>(bce_loss, targets::binary); }
    SECTION("cross_entropy") { check_thread_counts<TestType>(ce_loss, targets::classes); }
    SECTION("nll of log_softmax") { check_thread_counts<TestType>(nll_loss, targets::classes); }
}

TEST_CASE("a batch is cut into a power of two of chunks, whole blocks as equal as blocks allow", "[parallel]") {
    using tg::autodiff::chunking;
    for (const std::size_t lanes : {1u, 4u, 8u, 16u})
        for (const std::size_t min_rows : {1u, 16u, 100u})
            for (std::size_t rows = 0; rows <= 2000; rows += rows < 100 ? 1 : 37) {
                INFO("lanes " << lanes << ", min_rows " << min_rows << ", rows " << rows);
                const chunking c = chunking::of(rows, 1000, lanes, min_rows);
                if (rows == 0) {
                    CHECK(c.chunks == 0);
                    continue;
                }
                REQUIRE(c.chunks >= 1);
                CHECK(c.chunks <= chunking::max_chunks);
                CHECK((c.chunks & (c.chunks - 1)) == 0);
                const std::size_t blocks = (rows + lanes - 1) / lanes;
                const std::size_t fewest = (min_rows + lanes - 1) / lanes * lanes;
                // As many as the rule allows: twice as many would break a bound.
                CHECK((2 * c.chunks > chunking::max_chunks || 2 * c.chunks > blocks || rows < 2 * c.chunks * fewest));
                std::size_t next = 0, least = rows, most = 0;
                for (std::size_t k = 0; k < c.chunks; ++k) {
                    CHECK(c.first(k) == next);
                    CHECK(c.first(k) % lanes == 0);
                    REQUIRE(c.count(k) > 0);
                    next += c.count(k);
                    if (k + 1 < c.chunks) {  // the last one may end in a partly filled block
                        least = std::min(least, c.count(k));
                        most = std::max(most, c.count(k));
                        CHECK(c.count(k) % lanes == 0);
                    }
                }
                CHECK(next == rows);
                if (c.chunks > 2)
                    CHECK(most - least <= lanes);
                if (c.chunks > 1)
                    CHECK(least >= fewest);
            }
    // The default: the rows whose sweep does min_work multiply-adds. 1797 rows of the 85,002
    // parameters of a 64-256-256-10 model are 8 chunks; 256 rows are 2.
    CHECK(chunking::of(1797, 85002, 16).chunks == 8);
    CHECK(chunking::of(256, 85002, 16).chunks == 2);
    CHECK(chunking::of(64, 85002, 16).chunks == 1);
}

namespace {
constexpr auto image = tg::input<"x", 64>;
constexpr auto digit = tg::class_target<"y", 10>;
constexpr auto wide = tg::cross_entropy(
    tg::linear<"4", 256, 10>(tg::relu(tg::linear<"2", 256, 256>(tg::relu(tg::linear<"0", 64, 256>(image))))), digit);
}  // namespace

TEST_CASE("a 64-256-256-10 model is cut by the default chunking and stepped on threads, with the same bits",
          "[parallel]") {
    using T = float;
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> pixel(0, 1);
    std::vector<T> features, targets;
    for (std::size_t r = 0; r < 300; ++r) {
        for (std::size_t f = 0; f < 64; ++f)
            features.push_back(static_cast<T>(pixel(rng)));
        targets.push_back(static_cast<T>(r % 10));
    }
    const auto data = typegrad_test::make_dataset<T>(64, std::move(features), std::move(targets));
    using Loss = decltype(wide);
    auto train = [&](unsigned threads) {
        auto params = std::make_unique<tg::Parameters<Loss, T>>();
        tg::init::torch_default(*params, 3);
        tg::Trainer<Loss, tg::Adam, T> trainer{*params, {.lr = 1e-3}};
        trainer.set_threads(threads);
        // The default chunking cuts 300 rows of this model, and the optimiser's elementwise sweeps
        // are long enough to be cut too.
        REQUIRE(trainer.chunks_of(300).chunks > 1);
        REQUIRE(tg::Trainer<Loss, tg::Adam, T>::total >= tg::optim::detail::parallel_sweep_min);
        std::vector<T> losses;
        // Two steps: the second starts from Adam's state after the first (85k parameters: the
        // sanitized build runs a step in seconds).
        for (int step = 0; step < 2; ++step) {
            trainer.zero_grad();
            losses.push_back(trainer.backward(data));
            trainer.step();
        }
        std::vector<T> out(params->values().begin(), params->values().end());
        out.insert(out.end(), params->grads().begin(), params->grads().end());
        out.insert(out.end(), losses.begin(), losses.end());
        return out;
    };
    const auto one = train(1);
    CHECK(same_bits(one, train(2)));
    CHECK(same_bits(one, train(4)));
}

TEST_CASE("set_threads(0) takes every core; threads() reads the setting", "[parallel]") {
    tg::Parameters<decltype(mse_loss)> params;
    tg::Trainer<decltype(mse_loss), tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK(trainer.threads() == 1);
    trainer.set_threads(0);
    CHECK(trainer.threads() == tg::parallel::hardware_threads());
    trainer.set_threads(3);
    CHECK(trainer.threads() == 3);
    CHECK(tg::parallel::available);
}
