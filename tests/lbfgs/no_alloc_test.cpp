// LBFGS::step() allocates nothing (its buffers are sized at construction), with either line search.
#include <catch2/catch.hpp>
#include <counting_new.hpp>
#include <typegrad/optim/lbfgs.hpp>

#include <functional>
#include <span>

#include "quadratic.hpp"

namespace tg = typegrad;

TEST_CASE("LBFGS::step allocates nothing") {
    for (auto search : {tg::line_search::none, tg::line_search::strong_wolfe}) {
        typegrad_test::quadratic<double> q(40);
        tg::LBFGS<double> lbfgs(std::span<double>(q.x), std::span<const double>(q.grad),
                                {.lr = 0.1, .max_iter = 10, .history_size = 4, .line_search_fn = search});
        const long before = typegrad_test::allocations();
        for (int s = 0; s < 5; ++s)
            lbfgs.step(std::ref(q));
        CHECK(typegrad_test::allocations() == before);
        CHECK(lbfgs.n_iter() > 10);
    }
}
