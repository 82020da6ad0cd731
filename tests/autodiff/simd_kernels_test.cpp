// The SIMD building blocks of the compiled loss and of the optimisers, each against the plain loop
// it replaces: sums over lanes, transposition, loads and stores of a vector's first lanes, the block kernel of a
// dense layer's weight gradient, and a whole backward pass that uses them (partial blocks, rows
// picked by index) against the per-sample sweep. Built twice: for the compiler's default target
// and with -march=native, so that the widest vectors of the machine are the ones tested.
#include <catch2/catch.hpp>

#include "datasets.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

template <class T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<T> v(n);
    for (auto& x : v)
        x = static_cast<T>(u(gen));
    return v;
}

template <class T>
constexpr double tolerance = sizeof(T) == 4 ? 1e-5 : 1e-12;

}  // namespace

TEMPLATE_TEST_CASE("lane_sums: lane i is the sum of the lanes of vector i", "[simd]", float, double) {
    using B = xsimd::batch<TestType>;
    constexpr std::size_t L = B::size;
    const auto values = random_values<TestType>(L * L, 1);
    std::vector<B> rows(L);
    for (std::size_t i = 0; i < L; ++i)
        rows[i] = B::load_unaligned(values.data() + i * L);
    alignas(64) TestType sums[L];
    tg::detail::lane_sums(rows.data()).store_aligned(sums);
    for (std::size_t i = 0; i < L; ++i) {
        double expected = 0;
        for (std::size_t l = 0; l < L; ++l)
            expected += values[i * L + l];
        INFO("vector " << i << " of " << L);
        CHECK(sums[i] == Approx(expected).epsilon(tolerance<TestType>).margin(tolerance<TestType>));
    }
}

TEMPLATE_TEST_CASE("transpose: lane j of row i becomes lane i of row j", "[simd]", float, double) {
    using B = xsimd::batch<TestType>;
    constexpr std::size_t L = B::size;
    const auto values = random_values<TestType>(L * L, 8);
    std::vector<B> rows(L);
    for (std::size_t i = 0; i < L; ++i)
        rows[i] = B::load_unaligned(values.data() + i * L);
    tg::detail::transpose(rows.data());
    for (std::size_t i = 0; i < L; ++i) {
        alignas(64) TestType row[L];
        rows[i].store_aligned(row);
        for (std::size_t j = 0; j < L; ++j)
            CHECK(row[j] == values[j * L + i]);
    }
}

TEMPLATE_TEST_CASE("load_first and store_first touch the first n elements only", "[simd]", float, double) {
    using B = xsimd::batch<TestType>;
    constexpr std::size_t L = B::size;
    const auto source = random_values<TestType>(L, 2);
    for (std::size_t n = 0; n < L; ++n) {
        INFO("n = " << n << " of " << L);
        alignas(64) TestType loaded[L];
        tg::detail::load_first<B>(source.data(), n).store_aligned(loaded);
        for (std::size_t i = 0; i < L; ++i)
            CHECK(loaded[i] == (i < n ? source[i] : TestType(0)));

        std::vector<TestType> target(L, TestType(7));
        tg::detail::store_first(target.data(), n, B::load_unaligned(source.data()));
        for (std::size_t i = 0; i < L; ++i)
            CHECK(target[i] == (i < n ? source[i] : TestType(7)));
    }
}

namespace {
// N lane values, element n from values[n * L, (n + 1) * L).
template <class B, std::size_t N, class T>
tg::detail::lanes<B, N> as_lanes(const std::vector<T>& values) {
    tg::detail::lanes<B, N> out;
    for (std::size_t n = 0; n < N; ++n)
        out[n] = B::load_unaligned(values.data() + n * B::size);
    return out;
}

template <class T, std::size_t Out, std::size_t In>
void check_outer(std::size_t valid) {
    using B = xsimd::batch<T>;
    constexpr std::size_t L = B::size;
    const auto gy_values = random_values<T>(Out * L, 3), x_values = random_values<T>(In * L, 4);
    const auto gy = as_lanes<B, Out>(gy_values);
    const auto x = as_lanes<B, In>(x_values);
    auto g = random_values<T>(Out * In, 5);
    const auto before = g;
    tg::detail::outer_accumulate<Out, In, B>(g.data(), valid, gy, x);
    for (std::size_t o = 0; o < Out; ++o)
        for (std::size_t i = 0; i < In; ++i) {
            double expected = before[o * In + i];
            for (std::size_t l = 0; l < valid; ++l)
                expected += double(gy_values[o * L + l]) * x_values[i * L + l];
            INFO("Out " << Out << ", In " << In << ", valid " << valid << ": g[" << o << "][" << i << "]");
            REQUIRE(g[o * In + i] == Approx(expected).epsilon(tolerance<T>).margin(tolerance<T>));
        }
}
}  // namespace

TEMPLATE_TEST_CASE("outer_accumulate adds the block's weight gradient of the valid lanes", "[simd]", float, double) {
    constexpr std::size_t L = xsimd::batch<TestType>::size;
    for (const std::size_t valid : {L, std::size_t(1), L - 1 > 0 ? L - 1 : 1}) {
        check_outer<TestType, 3, L>(valid);           // fewer rows than a tile
        check_outer<TestType, 10, 4 * L>(valid);      // a tile and a remainder of rows
        check_outer<TestType, 64, 64>(valid);         // the size of a hidden layer
        check_outer<TestType, 5, 16 * L + L>(valid);  // more vectors per row than a tile holds
        check_outer<TestType, 32, 10>(valid);         // rows that end inside a vector
        check_outer<TestType, 7, 2 * L + 3>(valid);
    }
}

namespace {
// Blocks gathered by an outer_stage, flushed when its room is taken and at the end: the bits of
// outer_accumulate block after block, the last block partly filled.
template <class T, std::size_t Out, std::size_t In>
void check_stage(std::size_t blocks, std::size_t last_valid) {
    using B = xsimd::batch<T>;
    constexpr std::size_t L = B::size;
    auto g_stage = random_values<T>(Out * In, 7);
    auto g_blocks = g_stage;
    tg::detail::outer_stage<Out, In, B> stage;
    for (std::size_t b = 0; b < blocks; ++b) {
        const auto gy = as_lanes<B, Out>(random_values<T>(Out * L, 10 + b));
        const auto x = as_lanes<B, In>(random_values<T>(In * L, 100 + b));
        const std::size_t valid = b + 1 == blocks ? last_valid : L;
        stage.add(g_stage.data(), valid, gy, x);
        tg::detail::outer_accumulate<Out, In, B>(g_blocks.data(), valid, gy, x);
    }
    stage.flush(g_stage.data());
    INFO("Out " << Out << ", In " << In << ", " << blocks << " blocks, stage of " << stage.S << " samples");
    CHECK(stage.count == 0);
    for (std::size_t i = 0; i < Out * In; ++i)
        REQUIRE(std::memcmp(&g_stage[i], &g_blocks[i], sizeof(T)) == 0);
}
}  // namespace

TEMPLATE_TEST_CASE("outer_stage gathers blocks and adds them with the bits of one block at a time", "[simd]", float,
                   double) {
    constexpr std::size_t L = xsimd::batch<TestType>::size;
    for (const std::size_t blocks : {std::size_t(1), std::size_t(3), std::size_t(9), std::size_t(20)})
        for (const std::size_t last : {L, std::size_t(1)}) {
            check_stage<TestType, 64, 64>(blocks, last);
            check_stage<TestType, 10, 4 * L + 3>(blocks, last);
            check_stage<TestType, 256, 256>(blocks, last);  // a stage of fewer blocks
        }
}

namespace {
// Layers wide enough for the block kernel (when the vectors have more than one lane), a narrow
// output layer that keeps per-lane accumulators, and a penalty that reads the hidden layer twice.
constexpr auto x32 = tg::input<"x", 32>;
constexpr auto hidden = tg::sequential<tg::Linear<32, 32>, tg::Tanh, tg::Linear<32, 16>, tg::ReLU>{}(x32);
constexpr auto model = tg::linear<"out", 16, 3>(hidden);
constexpr auto loss = tg::cross_entropy(model, tg::class_target<"y", 3>) + tg::mean(hidden * hidden);
}  // namespace

TEMPLATE_TEST_CASE("backward with block kernels equals the per-sample sweep", "[simd]", float, double) {
    using T = TestType;
    using program = tg::autodiff::program<decltype(loss), T>;
    using params_type = tg::Parameters<decltype(loss), T>;
    constexpr std::size_t L = program::lanes;
    if constexpr (L > 1) {
        using W0 = tg::param_leaf<"0.weight", tg::shape<32, 32>>;
        static_assert(!tg::autodiff::reverse_plan<typename program::lane,
                                                  typename program::reversed>::template lane_accumulated<W0>,
                      "the hidden layer's weight gradient goes through the block kernel");
    }
    constexpr std::size_t rows = 5 * L + 3;
    std::vector<T> feats = random_values<T>(rows * 32, 6), targets(rows);
    for (std::size_t r = 0; r < rows; ++r)
        targets[r] = static_cast<T>(r % 3);

    for (const bool by_index : {false, true}) {
        INFO((by_index ? "rows by index" : "consecutive rows"));
        std::vector<std::uint32_t> index(rows);
        for (std::size_t r = 0; r < rows; ++r)
            index[r] = static_cast<std::uint32_t>((r * 7) % rows);
        params_type simd, scalar;
        const auto init = random_values<T>(params_type::total, 7);
        for (std::size_t k = 0; k < params_type::total; ++k)
            simd.values()[k] = scalar.values()[k] = init[k] / 4;

        std::vector<typename program::lane> scratch(program::scratch_size);
        const auto data = typegrad_test::make_dataset<T>(32, feats, targets);
        const auto view = by_index ? tg::data::batch_view<T>(data, index) : data.all();
        const auto all = tg::data::feed<typename program::input, typename program::target>(view, "simd_kernels_test");
        const T simd_loss = program::backward(simd.values().data(), simd.grads().data(), scratch.data(), all);
        T scalar_loss = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t row = by_index ? index[r] : r;
            scalar_loss += program::sample_backward(scalar.values().data(), scalar.grads().data(),
                                                    feats.data() + row * 32, targets[row], T(1) / T(rows));
        }
        CHECK(simd_loss == Approx(scalar_loss / T(rows)).epsilon(tolerance<T> * 10));
        for (std::size_t k = 0; k < params_type::total; ++k) {
            INFO("gradient element " << k);
            CHECK(simd.grads()[k] == Approx(scalar.grads()[k]).epsilon(1e-4).margin(tolerance<T> * 10));
        }
        // The scratch is handed back all zero, ready for the next call.
        for (const auto& v : scratch)
            REQUIRE(xsimd::all(v == typename program::lane(T(0))));
    }
}

namespace {
// A dense layer's product and input VJP on lanes of samples, the weights read from a parameter's
// flat values (before AVX: a row's weights a vector at a time, each lane broadcast in the register;
// from AVX on, for large layers: sample by sample, a row's weights a vector at a time, each
// sample's gy[o] broadcast) against the same op reading weights already broadcast (one broadcast
// per weight): the same bits, and the product within rounding of the sum in double.
template <class T, std::size_t Out, std::size_t In>
void check_matvec() {
    using B = xsimd::batch<T>;
    constexpr std::size_t L = B::size;
    const auto w = random_values<T>(Out * In, 11);
    std::vector<B> w_lanes(Out * In);
    for (std::size_t k = 0; k < Out * In; ++k)
        w_lanes[k] = B(w[k]);
    const tg::detail::broadcast_view<B, T, Out * In> flat{w.data()};
    const tg::autodiff::broadcast_lanes_view<B, Out * In> broadcast{w_lanes.data()};
    const auto x_values = random_values<T>(In * L, 12);
    const auto x = as_lanes<B, In>(x_values);
    const auto gy = as_lanes<B, Out>(random_values<T>(Out * L, 13));
    INFO("Out " << Out << ", In " << In);

    tg::detail::lanes<B, Out> y_flat, y_broadcast;
    tg::ops::matvec::forward(y_flat, x, flat);
    tg::ops::matvec::forward(y_broadcast, x, broadcast);
    auto g_flat = as_lanes<B, In>(random_values<T>(In * L, 14));
    auto g_broadcast = g_flat;
    tg::ops::matvec::vjp<0>(g_flat, gy, y_flat, x, flat);
    tg::ops::matvec::vjp<0>(g_broadcast, gy, y_broadcast, x, broadcast);
    for (std::size_t o = 0; o < Out; ++o) {
        REQUIRE(xsimd::all(y_flat[o] == y_broadcast[o]));
        for (std::size_t l = 0; l < L; ++l) {
            double expected = 0;
            for (std::size_t i = 0; i < In; ++i)
                expected += double(w[o * In + i]) * double(x_values[i * L + l]);
            CHECK(y_flat[o].get(l) == Approx(expected).epsilon(tolerance<T> * 10).margin(tolerance<T> * 10));
        }
    }
    for (std::size_t i = 0; i < In; ++i)
        REQUIRE(xsimd::all(g_flat[i] == g_broadcast[i]));
}
}  // namespace

TEMPLATE_TEST_CASE("matvec on lanes reading a parameter's flat weights has the bits of broadcast weights", "[simd]",
                   float, double) {
    constexpr std::size_t L = xsimd::batch<TestType>::size;
    check_matvec<TestType, 10, 13>();        // a tile and 2 rows; vectors of a row, one left, a tail
    check_matvec<TestType, 2, 9>();          // 2 rows: each sum split in 2
    check_matvec<TestType, 1, 8>();          // 1 row: each sum split in 4
    check_matvec<TestType, 9, L>();          // one vector per row
    check_matvec<TestType, 3, 2 * L + 1>();  // rows of 3: one sum each
    check_matvec<TestType, 16, 64>();        // a hidden layer
    // From AVX on, sample by sample: tiles and a tail; tiles of 2 or 3 vectors and one left.
    check_matvec<TestType, 128, 64 * L + 3>();
    check_matvec<TestType, 144, 65 * L>();
}
