// MLPs with one output trained with bce_with_logits: [10, 16, 1], [10, 32, 1], [30, 8, 1], [10, 32, 16, 1].
#include "run.hpp"

namespace typegrad::replay {

bool replay_mlp_binary(const reference_case& c, const data::dataset& d, trajectory& t, std::string& why) {
    namespace tg = typegrad;
    if (c.loss != "bce_with_logits")
        return why = "loss " + c.loss + " is not compiled for a one-output MLP", false;
    constexpr auto y = tg::target<"y">;
    const auto& l = c.layers;
    return with_activation(
               c.activation,
               [&](auto act) {
                   using A = decltype(act);
                   if (l == std::vector<int>{10, 16, 1})
                       return replay_with(
                           tg::bce_with_logits(
                               tg::sequential<tg::Linear<10, 16>, A, tg::Linear<16, 1>>{}(tg::input<"x", 10>), y),
                           c, d, t, why);
                   if (l == std::vector<int>{10, 32, 1})
                       return replay_with(
                           tg::bce_with_logits(
                               tg::sequential<tg::Linear<10, 32>, A, tg::Linear<32, 1>>{}(tg::input<"x", 10>), y),
                           c, d, t, why);
                   if (l == std::vector<int>{30, 8, 1})
                       return replay_with(
                           tg::bce_with_logits(
                               tg::sequential<tg::Linear<30, 8>, A, tg::Linear<8, 1>>{}(tg::input<"x", 30>), y),
                           c, d, t, why);
                   if (l == std::vector<int>{10, 32, 16, 1})
                       return replay_with(
                           tg::bce_with_logits(
                               tg::sequential<tg::Linear<10, 32>, A, tg::Linear<32, 16>, A, tg::Linear<16, 1>>{}(
                                   tg::input<"x", 10>),
                               y),
                           c, d, t, why);
                   return why = "no compiled MLP for these layers", false;
               }) ||
           (why.empty() ? (why = "activation " + c.activation + " is not compiled", false) : false);
}

}  // namespace typegrad::replay
