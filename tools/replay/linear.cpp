// One-layer models, as the reference cases use them: [10, 1] with mse and every optimiser (the
// optimiser suite of tests/golden), [30, 1] with bce_with_logits and SGD, [4, 3] with cross_entropy
// and Adam. Each (model, optimiser) is a Trainer of its own to compile, so the tool holds only the
// pairs some golden case needs; scripts/replay compiles any other on demand (docs/replay.md).
#include "run.hpp"

namespace typegrad::replay {

bool replay_linear(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {
    namespace tg = typegrad;
    const auto& l = c.layers;
    if (l == std::vector<int>{10, 1} && c.loss == "mse")
        return replay_with(tg::mse(tg::sequential<tg::Linear<10, 1>>{}(tg::input<"x", 10>), tg::target<"y">), c, d, t,
                           why);
    if (l == std::vector<int>{30, 1} && c.loss == "bce_with_logits")
        return replay_with_policy<tg::optim::SGD>(
            tg::bce_with_logits(tg::sequential<tg::Linear<30, 1>>{}(tg::input<"x", 30>), tg::target<"y">), c, d, t,
            why);
    if (l == std::vector<int>{4, 3} && c.loss == "cross_entropy")
        return replay_with_policy<tg::optim::Adam>(
            tg::cross_entropy(tg::sequential<tg::Linear<4, 3>>{}(tg::input<"x", 4>), tg::class_target<"y", 3>), c, d, t,
            why);
    why = "no compiled linear model for these layers and loss";
    return false;
}

}  // namespace typegrad::replay
