// tg::to_string writes an expression back as code: each op and layer of ops/ and layers/, the
// leaves, constants, and the parentheses that + - * / need. Most cases compare with the test's own
// source text, less "tg::" and "_c": the expression exactly as its user wrote it.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <type_traits>

#include <typegrad/layers.hpp>
#include <typegrad/to_string.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {
constexpr auto x = tg::input<"x", 3>;
constexpr auto v = tg::input<"v", 4>;
constexpr auto y = tg::target<"y">;
constexpr auto y3 = tg::target<"y3", 3>;
constexpr auto c = tg::class_target<"c", 4>;
constexpr auto w = tg::param<"w", 3>;
constexpr auto W = tg::param<"W", 4, 3>;
constexpr auto b = tg::param<"b">;

// The source text of an expression as its user reads it: without the namespace and the literal suffix.
std::string as_written(std::string_view source) {
    std::string s(source);
    for (const std::string_view cut : {std::string_view("tg::"), std::string_view("_c")})
        for (auto at = s.find(cut); at != std::string::npos; at = s.find(cut))
            s.erase(at, cut.size());
    return s;
}
}  // namespace

// The expression's text is its source, written back.
#define CHECK_PRINTS(...) CHECK(tg::to_string(__VA_ARGS__) == as_written(#__VA_ARGS__))

TEST_CASE("to_string: leaves are their names, constants the shortest number _c reads back") {
    CHECK_PRINTS(x);
    CHECK_PRINTS(y);
    CHECK_PRINTS(c);
    CHECK_PRINTS(w);
    CHECK_PRINTS(W);
    CHECK_PRINTS(2.5_c);
    CHECK_PRINTS(0.001_c);
    CHECK_PRINTS(-1_c);
    CHECK(tg::to_string(tg::constant<3>) == "3");
    CHECK(tg::to_string(tg::constant<-12>) == "-12");
}

TEST_CASE("to_string: a constant's text reads back to the very same constant") {
    constexpr double values[] = {decltype(1e-3_c)::value,    decltype(0.1_c)::value,   decltype(3.14159_c)::value,
                                 decltype(123.456_c)::value, decltype(1e-9_c)::value,  decltype(2.5e20_c)::value,
                                 decltype(0.3_c)::value,     decltype(-7.25_c)::value, decltype(1e300_c)::value,
                                 decltype(6.02e23_c)::value, decltype(0.999_c)::value, decltype(12345678.9_c)::value};
    for (const double value : values) {
        const auto text = tg::detail::text::format_number(value);
        const std::string_view t = text.view();
        const bool negative = !t.empty() && t[0] == '-';
        const double back = tg::detail::parse_decimal(t.substr(negative ? 1 : 0));
        CHECK((negative ? -back : back) == value);
        CHECK(t.size() <= 24);
    }
    // The shortest such text: one digit where one digit does.
    CHECK(std::string(tg::detail::text::format_number(decltype(1e-9_c)::value).view()) == "1e-9");
    CHECK(std::string(tg::detail::text::format_number(decltype(2.5e20_c)::value).view()) == "2.5e20");
}

TEST_CASE("to_string: arithmetic, with the parentheses the grouping needs") {
    CHECK_PRINTS(x + w);
    CHECK_PRINTS(x - w);
    CHECK_PRINTS(x * w);
    CHECK_PRINTS(x / w);
    CHECK_PRINTS(-x);
    CHECK_PRINTS(x + w * b);
    CHECK_PRINTS((x + w) * b);
    CHECK_PRINTS(x - (w - b));
    CHECK_PRINTS(x - w - b);
    CHECK_PRINTS(x / (w * b));
    CHECK_PRINTS(x * w / b);
    CHECK_PRINTS(-(x + w));
    CHECK_PRINTS(-tg::exp(x));
    CHECK_PRINTS(x * -2_c);
    CHECK_PRINTS(2_c * x - 1_c);
}

TEST_CASE("to_string: elementwise functions") {
    CHECK_PRINTS(tg::square(x));
    CHECK_PRINTS(tg::exp(x));
    CHECK_PRINTS(tg::log(x));
    CHECK_PRINTS(tg::tanh(x));
    CHECK_PRINTS(tg::sigmoid(x));
    CHECK_PRINTS(tg::relu(x));
    CHECK_PRINTS(tg::softplus(x));
    CHECK_PRINTS(tg::abs(x));
    CHECK_PRINTS(tg::sqrt(x));
    CHECK_PRINTS(tg::pow(x, 3_c));
    CHECK_PRINTS(tg::pow(x, -0.5_c));
    CHECK(tg::to_string(tg::pow<3>(x)) == "pow(x, 3)");
    CHECK_PRINTS(tg::clamp(x, -1_c, 1_c));
    CHECK_PRINTS(tg::clamp(x, 0_c, 6.5_c));
}

TEST_CASE("to_string: max, min, reductions, products, normalised exponentials") {
    CHECK_PRINTS(tg::max(x, 0_c));
    CHECK_PRINTS(tg::min(x, w));
    CHECK_PRINTS(tg::sum(x));
    CHECK_PRINTS(tg::mean(x));
    CHECK_PRINTS(tg::dot(x, w));
    CHECK_PRINTS(tg::matvec(W, x));
    CHECK_PRINTS(tg::linear<"fc", 3, 4>(x));
    CHECK_PRINTS(tg::logsumexp(x));
    CHECK_PRINTS(tg::softmax(x));
    CHECK_PRINTS(tg::log_softmax(x));
}

TEST_CASE("to_string: losses print as their builders") {
    CHECK_PRINTS(tg::mse(tg::dot(x, w), y));
    CHECK_PRINTS(tg::mse(x * w, y3));
    CHECK_PRINTS(tg::l1(tg::dot(x, w), y));
    CHECK_PRINTS(tg::huber(tg::dot(x, w), y));
    CHECK_PRINTS(tg::huber(tg::dot(x, w), y, 0.5_c));
    CHECK_PRINTS(tg::smooth_l1(tg::dot(x, w), y));
    CHECK_PRINTS(tg::smooth_l1(tg::dot(x, w), y, 0.25_c));
    CHECK_PRINTS(tg::bce_with_logits(tg::dot(x, w), y));
    // nll of log_softmax is the very type cross_entropy makes, and prints as cross_entropy.
    CHECK(tg::to_string(tg::nll(tg::log_softmax(tg::matvec(W, x)), c)) ==
          tg::to_string(tg::cross_entropy(tg::matvec(W, x), c)));
    CHECK_PRINTS(tg::cross_entropy(tg::linear<"out", 3, 4>(x), c));
    CHECK_PRINTS(tg::nll(tg::log(tg::softmax(v)), c));
    // The same nodes as mse on an operand that is not a target print as written.
    CHECK_PRINTS(tg::mean(tg::square(x - w)));
    CHECK_PRINTS(tg::mse(tg::linear<"fc", 3, 1>(x), y) + 0.001_c * tg::sum(tg::square(w)));
}

TEST_CASE("to_string: layers print as the expressions they expand to") {
    using mlp = tg::sequential<tg::Linear<3, 8>, tg::Tanh, tg::Linear<8, 8>, tg::ReLU, tg::Linear<8, 1>>;
    CHECK(tg::to_string(mlp{}(x)) == "linear<\"4\", 8, 1>(relu(linear<\"2\", 8, 8>(tanh(linear<\"0\", 3, 8>(x)))))");
    CHECK(tg::to_string(tg::sequential<tg::Sigmoid, tg::Softplus>{}(x)) == "softplus(sigmoid(x))");
    using nested = tg::sequential<tg::sequential<tg::Linear<3, 2>, tg::Tanh>, tg::Linear<2, 1>>;
    CHECK(tg::to_string(nested{}(x)) == "linear<\"1\", 2, 1>(tanh(linear<\"0.0\", 3, 2>(x)))");
    CHECK(tg::to_string(tg::Linear<3, 2>::apply<tg::fixed_string("enc")>(x)) == "linear<\"enc\", 3, 2>(x)");
    // A matvec and a bias named otherwise than a layer's are what was written.
    CHECK(tg::to_string(tg::matvec(tg::param<"fc.weight", 2, 3>, x) + tg::param<"other.bias", 2>) ==
          "matvec(fc.weight, x) + other.bias");
}

TEST_CASE("to_string: rectifiers and dropout, with their constant when it is not the default") {
    CHECK_PRINTS(tg::gelu(x));
    CHECK(tg::to_string(tg::gelu<"tanh">(x)) == "gelu<\"tanh\">(x)");
    CHECK_PRINTS(tg::silu(x));
    CHECK_PRINTS(tg::elu(x));
    CHECK_PRINTS(tg::elu(x, 0.5_c));
    CHECK_PRINTS(tg::leaky_relu(x));
    CHECK_PRINTS(tg::leaky_relu(x, 0.2_c));
    CHECK(tg::to_string(tg::leaky_relu(x, 0.01_c)) == "leaky_relu(x)");  // the default: the same node
    CHECK_PRINTS(tg::dropout(x));
    CHECK_PRINTS(tg::dropout(x, 0.25_c));
}

TEST_CASE("to_string: views, convolutions and pools print as their builders, defaults left out") {
    constexpr auto img = tg::input<"img", 64>;
    constexpr auto image = tg::view<1, 8, 8>(img);
    CHECK_PRINTS(tg::view<1, 8, 8>(img));
    CHECK_PRINTS(tg::flatten(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::conv2d<"c1", 1, 4, 3>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::conv2d<"c1", 1, 4, 3, 1, 1>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::conv2d<"c1", 1, 4, 3, 2, 1, 2>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::conv2d<"c1", 1, 4, 3, 1, 0, 1, false>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::conv1d<"c", 2, 3, 3, 1, 1>(tg::view<2, 32>(img)));
    CHECK_PRINTS(tg::max_pool2d<2>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::max_pool2d<3, 2, 1>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::avg_pool2d<2, 1>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::max_pool1d<2>(tg::view<2, 32>(img)));
    CHECK_PRINTS(tg::avg_pool1d<4, 2>(tg::view<2, 32>(img)));
    CHECK_PRINTS(tg::adaptive_avg_pool2d<1>(tg::view<1, 8, 8>(img)));
    CHECK_PRINTS(tg::adaptive_avg_pool1d<1>(tg::view<2, 32>(img)));
    // The digits network of examples/digits_cnn, as layers.
    using cnn = tg::sequential<tg::Unflatten<1, 8, 8>, tg::Conv2d<1, 8, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>,
                               tg::Conv2d<8, 16, 3, 1, 1>, tg::ReLU, tg::MaxPool2d<2>, tg::Flatten, tg::Linear<64, 10>>;
    CHECK(tg::to_string(cnn{}(img)) ==
          "linear<\"8\", 64, 10>(flatten(max_pool2d<2>(relu(conv2d<\"4\", 8, 16, 3, 1, 1>(max_pool2d<2>(relu("
          "conv2d<\"1\", 1, 8, 3, 1, 1>(view<1, 8, 8>(img)))))))))");
    // A convolution whose parameters are not named as a layer's prints as the op.
    CHECK(tg::to_string(tg::node<tg::ops::conv<1, 4, tg::detail::window_of<tg::shape<1, 8, 8>, 3, 1, 0, 1, false>>,
                                 std::remove_const_t<decltype(image)>, tg::param_leaf<"k", tg::shape<4, 1, 3, 3>>>{}) ==
          "conv(view<1, 8, 8>(img), k)");
    static_assert(tg::op_name(tg::max_pool1d<2>(tg::view<2, 32>(img))) == "max_pool1d");
    static_assert(tg::op_name(tg::flatten(image)) == "flatten");
    static_assert(tg::op_name(tg::conv2d<"c", 1, 2, 3>(image)) == "conv");
    static_assert(tg::op_name(tg::dropout(x)) == "dropout");
}

TEST_CASE("to_string: usable at compile time, and op_name names the top op") {
    constexpr auto loss = tg::bce_with_logits(tg::linear<"fc", 3, 1>(x), y);
    static_assert(tg::expression_text<decltype(loss)>.view() == "bce_with_logits(linear<\"fc\", 3, 1>(x), y)");
    static_assert(tg::expression_text<decltype(x / w - 0.5_c)>.view() == "x / w - 0.5");
    CHECK(tg::to_string(loss) == std::string(tg::expression_text<decltype(loss)>.view()));
    static_assert(tg::op_name(tg::log(x)) == "log");
    static_assert(tg::op_name(x / w) == "/");
    static_assert(tg::op_name(w) == "parameter");
    static_assert(tg::op_name(x) == "input");
    static_assert(tg::op_name(y) == "target");
    static_assert(tg::op_name(2_c) == "constant");
}
