// A program that only includes a header written by tg::export_header, built with -fno-exceptions
// -fno-rtti and strict warnings, and without typegrad's include path: the header stands alone.
// Prints the prediction for the features on its command line (0 for those not given).
#include <cstdio>
#include <cstdlib>

#include "mlp.hpp"

int main(int argc, char** argv) {
    std::array<float, mlp::inputs> x{};
    for (std::size_t i = 0; i < mlp::inputs && static_cast<int>(i) + 1 < argc; ++i)
        x[i] = std::strtof(argv[i + 1], nullptr);
    const std::array<float, mlp::outputs> y = mlp::predict(x);
    for (float v : y)
        std::printf("%.9g\n", static_cast<double>(v));
    return 0;
}
