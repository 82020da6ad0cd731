// tg::batch_norm in training: the gradient of the whole batch's mean loss against central finite
// differences in double (a sample's gradient depends on the other samples, so the check perturbs a
// parameter and re-runs the whole batch), backward() adding, zero_grad(), the running statistics
// after a step (torch's momentum update, the unbiased variance), evaluation with them, and torch's
// error for a batch of one; BatchNorm2d's gradient the same way; a checkpoint resume.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/to_string.hpp>
#include <typegrad/typegrad.hpp>

#include "datasets.hpp"

namespace tg = typegrad;

namespace {

constexpr auto x = tg::input<"x", 4>;
constexpr auto y = tg::target<"y">;
constexpr auto model = tg::linear<"3", 3, 1>(tg::tanh(tg::batch_norm<"1", 3>(tg::linear<"0", 4, 3>(x))));
constexpr auto loss = tg::mse(model, y);
using loss_type = std::remove_cv_t<decltype(loss)>;
// BatchNorm2d over [2, 3, 3] (its statistics over the batch and the 9 positions), layer "2".
using image_model = tg::sequential<tg::Linear<4, 18>, tg::Unflatten<2, 3, 3>, tg::BatchNorm2d<2>, tg::Tanh, tg::Flatten,
                                   tg::Linear<18, 1>>;
constexpr auto image_loss = tg::mse(image_model{}(x), y);
using image_loss_type = std::remove_cv_t<decltype(image_loss)>;

// Running statistics are found by position: predict takes a model whose batch normalisations are
// its loss's first ones, in order, and refuses one that skips some.
constexpr auto first_norm = tg::batch_norm<"a", 3>(tg::linear<"l", 4, 3>(x));
constexpr auto two_norms = tg::mse(tg::sum(tg::batch_norm<"b", 3>(tg::tanh(first_norm))), y);
template <class E>
using nodes_of = typename tg::autodiff::graph<std::remove_cv_t<E>>::nodes;
static_assert(tg::autodiff::buffers_prefix<nodes_of<decltype(first_norm)>, nodes_of<decltype(two_norms)>>);
static_assert(tg::autodiff::buffers_prefix<nodes_of<decltype(model)>, nodes_of<decltype(loss)>>);
static_assert(!tg::autodiff::buffers_prefix<nodes_of<decltype(tg::batch_norm<"b", 3>(tg::linear<"l", 4, 3>(x)))>,
                                            nodes_of<decltype(two_norms)>>);

// 21 rows: a partly filled last block for every lane width (4, 8, 16).
template <class T>
tg::data::basic_dataset<T> data(std::size_t rows = 21) {
    std::vector<T> f, t;
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < 4; ++c)
            f.push_back(static_cast<T>(std::sin(0.7 * static_cast<double>(r * 4 + c)) * (1.0 + 0.3 * double(c))));
        t.push_back(static_cast<T>(std::cos(0.3 * static_cast<double>(r))));
    }
    return typegrad_test::make_dataset<T>(4, std::move(f), std::move(t));
}

template <class Loss, class T>
tg::autodiff::sample_source<T> rows_of(const tg::data::basic_dataset<T>& d) {
    using program = tg::autodiff::program<Loss, T>;
    return tg::data::feed<typename program::input, typename program::target>(d.all(), "batchnorm test");
}

// torch's initial values, then the batch norm's weight and bias away from 1 and 0, so that their
// gradients' paths are seen.
template <class Loss, class T>
void initialise(tg::Parameters<Loss, T>& params) {
    tg::init::torch_default(params, 3);
    const auto& b = tg::Parameters<Loss, T>::buffer_layout::slots[0];
    auto w = params.value(std::string(b.layer) + ".weight"), bias = params.value(std::string(b.layer) + ".bias");
    for (std::size_t c = 0; c < b.channels; ++c) {
        w[c] = static_cast<T>(0.8 + 0.5 * double(c) * (c % 2 ? -1.0 : 1.0));
        bias[c] = static_cast<T>(0.1 - 0.2 * double(c));
    }
}

// The whole batch's mean training loss, forward only, running statistics left alone.
template <class Loss, class T>
T training_loss(const tg::Parameters<Loss, T>& params, tg::autodiff::sample_source<T> rows) {
    using program = tg::autodiff::program<Loss, T>;
    tg::mode_state mode{};
    rows.mode = &mode;
    std::vector<typename program::lane> scratch(program::scratch_size);
    return program::batch_sweep(params.values().data(), nullptr, scratch.data(), rows,
                                T(1) / static_cast<T>(rows.count), nullptr, 0, nullptr) /
           static_cast<T>(rows.count);
}

// Parameters initialised as above, a trainer over them, and the gradient of one backward() over d.
template <class T, class Loss = loss_type>
struct trained_once {
    tg::Parameters<Loss, T> params;
    tg::Trainer<Loss, tg::SGD, T> trainer{params, {.lr = 0.1}};
    T loss;
    explicit trained_once(const tg::data::basic_dataset<T>& d) {
        initialise(params);
        trainer.zero_grad();
        loss = trainer.backward(d);
    }
};

// The trainer's gradient against central differences of the whole batch's training loss, in
// double; then the evaluation-mode gradient of the same parameters is another one.
template <class Loss>
void check_gradient() {
    using T = double;
    const auto d = data<T>();
    trained_once<T, Loss> once(d);
    auto& params = once.params;
    CHECK(once.loss == Approx(training_loss(params, rows_of<Loss>(d))).epsilon(1e-12));
    const std::vector<T> g(params.grads().begin(), params.grads().end());
    // The trainer's backward() moved the running statistics once; the finite differences do not.
    const T h = 1e-6;
    for (std::size_t i = 0; i < params.total; ++i) {
        const T v = params.values()[i];
        params.values()[i] = v + h;
        const T up = training_loss(params, rows_of<Loss>(d));
        params.values()[i] = v - h;
        const T down = training_loss(params, rows_of<Loss>(d));
        params.values()[i] = v;
        const T fd = (up - down) / (2 * h);
        INFO("parameter element " << i);
        CHECK(g[i] == Approx(fd).epsilon(1e-6).margin(1e-9));
    }
    tg::Parameters<Loss, T> eval_params;
    initialise(eval_params);
    using program = tg::autodiff::program<Loss, T>;
    std::vector<typename program::lane> scratch(program::scratch_size);
    program::backward(eval_params.values().data(), eval_params.grads().data(), scratch.data(), rows_of<Loss>(d));
    T differ = 0;
    for (std::size_t i = 0; i < params.total; ++i)
        differ = std::max(differ, std::abs(eval_params.grads()[i] - g[i]));
    CHECK(differ > 1e-3);
}

}  // namespace

TEST_CASE("batch_norm's training gradient is the whole batch's, by finite differences in double", "[batchnorm]") {
    check_gradient<loss_type>();
}

TEST_CASE("BatchNorm2d's training gradient, statistics over batch and positions, by finite differences",
          "[batchnorm]") {
    check_gradient<image_loss_type>();
}

TEMPLATE_TEST_CASE("backward() with batch_norm adds, zero_grad() clears", "[batchnorm]", float, double) {
    using T = TestType;
    const auto d = data<T>();
    trained_once<T> t(d);
    auto& params = t.params;
    const std::vector<T> once(params.grads().begin(), params.grads().end());
    t.trainer.backward(d);
    for (std::size_t i = 0; i < params.total; ++i)
        CHECK(params.grads()[i] == Approx(2 * once[i]).epsilon(1e-5).margin(1e-7));
    t.trainer.zero_grad();
    for (const T g : params.grads())
        CHECK(g == T(0));
}

TEMPLATE_TEST_CASE("batch_norm's running statistics: torch's momentum update, and evaluation with them", "[batchnorm]",
                   float, double) {
    using T = TestType;
    const auto d = data<T>();
    tg::Parameters<loss_type, T> params;
    initialise(params);
    for (std::size_t c = 0; c < 3; ++c) {
        CHECK(params.running_mean("1")[c] == T(0));
        CHECK(params.running_var("1")[c] == T(1));
    }
    CHECK(params.num_batches_tracked("1") == T(0));
    // The batch statistics of the layer's input, computed here in double.
    std::vector<double> mean(3, 0.0), var(3, 0.0);
    const std::size_t n = d.rows();
    std::vector<double> h(n * 3);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < 3; ++c) {
            double s = params.template value<"0.bias">()[c];
            for (std::size_t f = 0; f < 4; ++f)
                s += double(params.template value<"0.weight">()[c * 4 + f]) * double(d.features()[r * 4 + f]);
            h[r * 3 + c] = s;
            mean[c] += s / double(n);
        }
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < 3; ++c)
            var[c] += (h[r * 3 + c] - mean[c]) * (h[r * 3 + c] - mean[c]);
    tg::Trainer<loss_type, tg::SGD, T> trainer{params, {.lr = 0.1, .weight_decay = 0.5}};
    trainer.zero_grad();
    trainer.backward(d);
    for (std::size_t c = 0; c < 3; ++c) {
        CHECK(params.running_mean("1")[c] == Approx(0.1 * mean[c]).epsilon(1e-5));
        CHECK(params.running_var("1")[c] == Approx(0.9 + 0.1 * var[c] / double(n - 1)).epsilon(1e-5));
    }
    CHECK(params.num_batches_tracked("1") == T(1));
    // Not parameters: a step with weight decay leaves them, and they have no gradient.
    const std::vector<T> buffers(params.buffers().begin(), params.buffers().end());
    trainer.step();
    for (std::size_t k = 0; k < buffers.size(); ++k)
        CHECK(params.buffers()[k] == buffers[k]);
    // Evaluation: the running statistics, sample by sample: loss() is the mean of one-row losses.
    const T all = trainer.loss(d);
    T sum = 0;
    for (std::size_t r = 0; r < n; ++r) {
        sum += trainer.loss(tg::data::batch_view<T>(d, r, 1));
    }
    CHECK(all == Approx(sum / static_cast<T>(n)).epsilon(1e-5));
    // tg::predict and tg::predict_one of the model read the same running statistics.
    const auto predicted = tg::predict(model, params, d);
    REQUIRE(predicted.size() == n);
    double mse = 0;
    for (std::size_t r = 0; r < n; ++r)
        mse += std::pow(double(predicted[r]) - double(d.targets()[r]), 2) / double(n);
    CHECK(all == Approx(mse).epsilon(1e-5));
    const auto first = tg::predict_one(model, params, std::span<const T>(d.features().data(), 4));
    CHECK(first[0] == Approx(predicted[0]).epsilon(1e-5));
}

TEST_CASE("batch_norm prints as its builder", "[batchnorm]") {
    using namespace tg::literals;
    CHECK(tg::to_string(first_norm) == "batch_norm<\"a\", 3>(" + tg::to_string(tg::linear<"l", 4, 3>(x)) + ")");
    CHECK(tg::to_string(tg::batch_norm<"b", 4>(x, 1e-3_c, 0.01_c)) == "batch_norm<\"b\", 4>(x, 0.001, 0.01)");
}

TEST_CASE("batch_norm in training with a batch of one is torch's error", "[batchnorm]") {
    const auto d = data<float>(1);
    tg::Parameters<loss_type> params;
    tg::Trainer<loss_type, tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK_THROWS_WITH(trainer.backward(d), Catch::Contains("typegrad: batch_norm: Expected more than 1 value per "
                                                           "channel when training, got input size [1, 3]"));
    CHECK_NOTHROW(trainer.loss(d));
}

TEST_CASE("BatchNorm2d trains on one sample (9 values per channel), as torch does", "[batchnorm]") {
    const auto d = data<float>(1);
    tg::Parameters<image_loss_type> params;
    tg::Trainer<image_loss_type, tg::SGD> trainer{params, {.lr = 0.1}};
    CHECK_NOTHROW(trainer.backward(d));
    CHECK(params.num_batches_tracked("2") == 1.0f);
}

TEMPLATE_TEST_CASE("a checkpoint keeps the running statistics under torch's names, and resumes bit-identical",
                   "[batchnorm]", float, double) {
    using T = TestType;
    const auto d = data<T>(40);
    const auto path = std::filesystem::temp_directory_path() /
                      ("typegrad_batchnorm_" + std::string(sizeof(T) == 4 ? "f" : "d") + ".safetensors");
    const auto train = [&](auto& trainer, std::size_t from, std::size_t to) {
        for (std::size_t s = from; s < to; ++s) {
            trainer.zero_grad();
            trainer.backward(tg::data::batch_view<T>(d, (s % 2) * 20, 20));
            trainer.step();
        }
    };
    tg::Parameters<loss_type, T> params;
    initialise(params);
    tg::Trainer<loss_type, tg::Adam, T> trainer{params, {.lr = 0.01, .weight_decay = 0.1}};
    train(trainer, 0, 3);
    tg::save(path, params, trainer);
    train(trainer, 3, 6);

    const auto file = tg::io::tensor_file::load(path);
    for (const char* name : {"1.running_mean", "1.running_var"}) {
        const auto* t = file.find(name);
        REQUIRE(t);
        CHECK(t->shape == std::vector<std::size_t>{3});
        CHECK(t->type == tg::io::dtype_of<T>);
    }
    const auto* tracked = file.find("1.num_batches_tracked");
    REQUIRE(tracked);
    CHECK(tracked->shape.empty());
    CHECK(tracked->type == tg::io::dtype::i64);
    CHECK(file.read_as<std::int64_t>("1.num_batches_tracked").at(0) == 3);

    tg::Parameters<loss_type, T> resumed;
    tg::Trainer<loss_type, tg::Adam, T> again{resumed, {.lr = 0.01, .weight_decay = 0.1}};
    tg::load(path, resumed, again);
    CHECK(resumed.num_batches_tracked("1") == T(3));
    train(again, 3, 6);
    for (std::size_t i = 0; i < params.total; ++i)
        CHECK(resumed.values()[i] == params.values()[i]);
    for (std::size_t k = 0; k < params.buffer_total; ++k)
        CHECK(resumed.buffers()[k] == params.buffers()[k]);
    CHECK(resumed.num_batches_tracked("1") == T(6));
    std::filesystem::remove(path);
}
