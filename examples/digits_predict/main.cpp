// A trained digit reader in a program of its own: loads the checkpoint examples/digits wrote
// (`digits --save digits.safetensors`), reads raw images from a CSV file without a target column
// (64 pixel columns, 0..16, as scanned) and prints the digit the model reads in each. The
// standardiser saved with the weights turns the raw pixels into what the model was trained on.
//
// Usage: digits_predict CHECKPOINT ROWS.csv [--check D,D,...]
//   --check  exit non-zero unless at least 90% of the digits read are the ones listed (one per row).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
// The model of examples/digits, the same type: its parameters are found by name in the file.
constexpr auto x = tg::input<"x", 64>;
using mlp = tg::sequential<tg::Linear<64, 64>, tg::ReLU, tg::Linear<64, 10>>;
constexpr auto logits = mlp{}(x);

std::vector<int> digits_listed(std::string_view list) {
    std::vector<int> out;
    for (std::size_t at = 0; at < list.size(); at = list.find(',', at) + 1) {
        out.push_back(std::atoi(list.data() + at));
        if (list.find(',', at) == std::string_view::npos)
            break;
    }
    return out;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && !(argc == 5 && std::string_view(argv[3]) == "--check")) {
        std::fprintf(stderr, "usage: %s CHECKPOINT ROWS.csv [--check D,D,...]\n", argv[0]);
        return 2;
    }
    try {
        // [predict]
        tg::Parameters params{logits};
        tg::data::standardizer<float> scale;
        tg::load(argv[1], params, scale);  // the weights and the training images' mean and std
        const auto rows = tg::data::read_csv(argv[2], {.target = std::nullopt});   // pixels only
        const auto scores = tg::predict(logits, params, scale.apply(rows).all());  // 10 scores a row
        // [predict]
        const std::vector<int> expected = argc == 5 ? digits_listed(argv[4]) : std::vector<int>{};
        std::size_t right = 0;
        for (std::size_t r = 0; r < rows.rows(); ++r) {
            int best = 0;
            for (int d = 1; d < 10; ++d)
                if (scores[r * 10 + std::size_t(d)] > scores[r * 10 + std::size_t(best)])
                    best = d;
            right += r < expected.size() && expected[r] == best;
            std::printf("row %zu: %d\n", r, best);
        }
        if (argc == 5) {
            const bool ok = expected.size() == rows.rows() && right * 10 >= rows.rows() * 9;
            std::printf("check: %zu of %zu as listed %s\n", right, rows.rows(), ok ? "yes" : "NO");
            return ok ? 0 : 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "digits_predict: %s\n", e.what());
        return 1;
    }
    return 0;
}
