// The headers of the models with batch normalisation, an embedding and the relu variants, compiled
// alone as the -fno-exceptions program is (no typegrad, -Wconversion -Wsign-conversion -Wshadow),
// with their predictions evaluated by the compiler.
#include <array>

#include "diabetes_emb.hpp"
#include "digits_bn.hpp"
#include "digits_cnn.hpp"
#include "iris_bn.hpp"
#include "iris_bn_double.hpp"
#include "iris_bn_part.hpp"
#include "rect.hpp"
#include "rect_double.hpp"
#include "rect_edges.hpp"
#include "rect_edges_double.hpp"

static_assert(iris_bn::predict({0.5f, -1.25f, 2.0f, 0.75f}).size() == 3);
static_assert(iris_bn_double::predict({0.5, -1.25, 2.0, 0.75})[0] ==
              iris_bn_double::predict({0.5, -1.25, 2.0, 0.75})[0]);
static_assert(digits_bn::predict({}).size() == 10 && iris_bn_part::outputs == 8);
static_assert(rect::predict({0.5f, -1.25f, 2.0f, 0.75f})[0] < 0 &&
              rect_double::predict({0.5, -1.25, 2.0, 0.75})[0] < 0);
static_assert(rect_edges::predict({-1.0f})[0] < 0 && rect_edges_double::predict({1.0})[0] > 0);

float deployed_sum(const std::array<float, diabetes_emb::inputs>& x) {
    float s = diabetes_emb::predict(x)[0] + iris_bn_part::predict({})[0];
    for (float v : digits_bn::predict({}))
        s += v;
    for (float v : digits_cnn::predict({}))
        s += v;
    for (float v : rect_edges::predict({x[0], x[1]}))
        s += v;
    s += rect::predict({x[0], x[1], x[2], x[3]})[0];
    return s;
}
