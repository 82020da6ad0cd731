// One-layer models: [10, 1] and [30, 1] with mse or bce_with_logits, [4, 3] with cross_entropy.
#include "run.hpp"

namespace typegrad::replay {

bool replay_linear(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {
    namespace tg = typegrad;
    const auto regression = [&](auto x) {
        constexpr auto y = tg::target<"y">;
        constexpr std::size_t in = size_of<decltype(x)>;
        const auto pred = tg::sequential<tg::Linear<in, 1>>{}(x);
        if (c.loss == "mse")
            return replay_with(tg::mse(pred, y), c, d, t, why);
        if (c.loss == "bce_with_logits")
            return replay_with(tg::bce_with_logits(pred, y), c, d, t, why);
        why = "loss " + c.loss + " is not compiled for a one-output linear model";
        return false;
    };
    const auto& l = c.layers;
    if (l == std::vector<int>{10, 1})
        return regression(tg::input<"x", 10>);
    if (l == std::vector<int>{30, 1})
        return regression(tg::input<"x", 30>);
    if (l == std::vector<int>{4, 3} && c.loss == "cross_entropy")
        return replay_with(
            tg::cross_entropy(tg::sequential<tg::Linear<4, 3>>{}(tg::input<"x", 4>), tg::class_target<"y", 3>), c, d, t,
            why);
    why = "no compiled linear model for these layers and loss";
    return false;
}

}  // namespace typegrad::replay
