// MLPs with one output trained with mse, as the reference cases use them: [10, 16, 1] with tanh and
// Adam, [10, 32, 1] with relu and SGD (see linear.cpp for why the tool holds only these pairs).
#include "run.hpp"

namespace typegrad::replay {

bool replay_mlp_regression(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {
    namespace tg = typegrad;
    if (c.loss != "mse")
        return why = "loss " + c.loss + " is not compiled for a one-output MLP", false;
    constexpr auto x = tg::input<"x", 10>;
    constexpr auto y = tg::target<"y">;
    const auto& l = c.layers;
    if (l == std::vector<int>{10, 16, 1} && c.activation == "tanh")
        return replay_with_policy<tg::optim::Adam>(
            tg::mse(tg::sequential<tg::Linear<10, 16>, tg::Tanh, tg::Linear<16, 1>>{}(x), y), c, d, t, why);
    if (l == std::vector<int>{10, 32, 1} && c.activation == "relu")
        return replay_with_policy<tg::optim::SGD>(
            tg::mse(tg::sequential<tg::Linear<10, 32>, tg::ReLU, tg::Linear<32, 1>>{}(x), y), c, d, t, why);
    return why = "no compiled MLP for these layers and activation", false;
}

}  // namespace typegrad::replay
