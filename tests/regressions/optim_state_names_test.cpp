// AdamW shared Adam's state type, so its state errors said "Adam".
#include <catch2/catch.hpp>
#include <typegrad/optim.hpp>

#include <array>

namespace tg = typegrad;
using Catch::Matchers::Equals;

TEST_CASE("regression: AdamW's state errors name AdamW", "[regression][optim]") {
    constexpr std::array<tg::param_info, 1> layout{{{"w", 0, 3}}};
    tg::optimizer<tg::AdamW, float, 3, 1> adamw{layout, {}};
    CHECK_THROWS_WITH(adamw.state().buffer("momentum_buffer"),
                      Equals("typegrad: AdamW: no optimizer state named 'momentum_buffer'"));
    CHECK_THROWS_WITH(adamw.state().scalar("mu", 0), Equals("typegrad: AdamW: no optimizer state named 'mu'"));
    tg::optimizer<tg::Adam, float, 3, 1> adam{layout, {}};
    CHECK_THROWS_WITH(adam.state().buffer("momentum_buffer"),
                      Equals("typegrad: Adam: no optimizer state named 'momentum_buffer'"));
}
