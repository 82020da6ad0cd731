// A program compiled without OpenMP runs on one thread and says so when asked for more.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

TEST_CASE("without OpenMP, set_threads(n > 1) is an error that says how to get threads", "[parallel]") {
    STATIC_REQUIRE(!tg::parallel::available);
    constexpr auto loss = tg::mse(tg::linear<"fc", 3, 1>(tg::input<"x", 3>), tg::target<"y">);
    tg::Parameters params{loss};
    tg::Trainer<decltype(loss), tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.set_threads(1);
    CHECK(trainer.threads() == 1);
    try {
        trainer.set_threads(2);
        FAIL("set_threads(2) did not throw");
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        CHECK(what.find("typegrad: Trainer::set_threads(2)") == 0);
        CHECK(what.find("-fopenmp") != std::string::npos);
        CHECK(what.find("typegrad::parallel") != std::string::npos);
    }
    CHECK(trainer.threads() == 1);
}
