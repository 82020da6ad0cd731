// MLPs with ten outputs trained with cross_entropy, as the reference cases use them: [64, 32, 10]
// with relu and Adam (see linear.cpp for why the tool holds only this pair).
#include "run.hpp"

namespace typegrad::replay {

bool replay_mlp_classes(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {
    namespace tg = typegrad;
    if (c.loss != "cross_entropy")
        return why = "loss " + c.loss + " is not compiled for a ten-output MLP", false;
    constexpr auto x = tg::input<"x", 64>;
    constexpr auto y = tg::class_target<"y", 10>;
    if (c.layers == std::vector<int>{64, 32, 10} && c.activation == "relu")
        return replay_with_policy<tg::optim::Adam>(
            tg::cross_entropy(tg::sequential<tg::Linear<64, 32>, tg::ReLU, tg::Linear<32, 10>>{}(x), y), c, d, t, why);
    return why = "no compiled MLP for these layers and activation", false;
}

}  // namespace typegrad::replay
