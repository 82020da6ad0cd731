// MLPs with ten outputs trained with cross_entropy: [64, 32, 10] and [64, 64, 10].
#include "run.hpp"

namespace typegrad::replay {

bool replay_mlp_classes(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {
    namespace tg = typegrad;
    if (c.loss != "cross_entropy")
        return why = "loss " + c.loss + " is not compiled for a ten-output MLP", false;
    constexpr auto x = tg::input<"x", 64>;
    constexpr auto y = tg::class_target<"y", 10>;
    const auto& l = c.layers;
    return with_activation(
               c.activation,
               [&](auto act) {
                   using A = decltype(act);
                   if (l == std::vector<int>{64, 32, 10})
                       return replay_with(
                           tg::cross_entropy(tg::sequential<tg::Linear<64, 32>, A, tg::Linear<32, 10>>{}(x), y), c, d,
                           t, why);
                   if (l == std::vector<int>{64, 64, 10})
                       return replay_with(
                           tg::cross_entropy(tg::sequential<tg::Linear<64, 64>, A, tg::Linear<64, 10>>{}(x), y), c, d,
                           t, why);
                   return why = "no compiled MLP for these layers", false;
               }) ||
           (why.empty() ? (why = "activation " + c.activation + " is not compiled", false) : false);
}

}  // namespace typegrad::replay
