// Run under mpiexec with any number of ranks: data-parallel training (data_parallel over the
// ranks, each with its share of every global batch, as distributed_sampler deals them) follows the
// single-process run over the same global batches, step after step, for SGD with momentum and Adam,
// in float and in double; gradient accumulation under no_sync() equals the single-process
// accumulation over the same micro-batches with one allreduce per step; construction makes
// differently initialised ranks equal; and the ranks stay bit for bit equal.
#include <cstdio>
#include <vector>

#include <typegrad/distributed/data_parallel.hpp>
#include <typegrad/distributed/sampler.hpp>

#include "common.hpp"

namespace {

namespace tg = typegrad;
namespace td = typegrad::distributed;
using dist_test::loss;
using dist_test::loss_type;

// Tolerances against the single-process run: the data-parallel gradient adds the ranks' means
// (each scaled by 1 / world size) where the single process takes one mean over the global batch,
// so they differ by rounding: measured, at most 1e-7 in float and 1e-15 in double over these steps
// (each run prints its largest deviation as a fraction of the tolerance: below 0.03 with 2 and 3
// ranks). The tolerances are the golden cases' floors (tests/golden/README.md) in float, and
// 1e-12 relative in double.
template <class T>
constexpr double rtol = sizeof(T) == 4 ? 1e-5 : 1e-12;
template <class T>
constexpr double atol = sizeof(T) == 4 ? 1e-6 : 1e-13;

constexpr std::size_t per_rank = 8;  // rows of one rank's micro-batch
constexpr std::size_t steps = 6;

// The global batch of micro-batch m: every rank's rows m*per_rank .. (m+1)*per_rank-1 of its
// sampler list, rank after rank (the order of rows inside a batch changes only rounding).
std::vector<std::uint32_t> global_rows(std::size_t rows, int world, std::size_t m) {
    std::vector<std::uint32_t> all;
    for (int r = 0; r < world; ++r) {
        td::distributed_sampler s(rows, {.world_size = std::size_t(world), .rank = std::size_t(r), .seed = 7});
        const auto mine = s.indices(0);
        all.insert(all.end(), mine.begin() + std::ptrdiff_t(m * per_rank),
                   mine.begin() + std::ptrdiff_t((m + 1) * per_rank));
    }
    return all;
}

template <class Policy, class T>
void run(td::process_group& group, dist_test::checks& check, const char* name, typename Policy::options options,
         std::size_t accumulate) {
    const auto data = dist_test::digits<T>();
    const int rank = group.rank(), world = group.world_size();

    // Each rank starts from its own weights; the broadcast must give every rank rank 0's.
    tg::Parameters<loss_type, T> params;
    tg::init::torch_default(params, 100 + std::uint64_t(rank));
    tg::Trainer<loss_type, Policy, T> trainer{params, options};
    td::data_parallel dp{group, params, trainer};

    tg::Parameters<loss_type, T> ref_params;
    tg::init::torch_default(ref_params, 100);
    tg::Trainer<loss_type, Policy, T> ref{ref_params, options};
    check.that(std::equal(ref_params.values().begin(), ref_params.values().end(), params.values().begin()),
               std::string(name) + ": after construction every rank holds rank 0's initial parameters");

    td::distributed_sampler sampler(data.rows(),
                                    {.world_size = std::size_t(world), .rank = std::size_t(rank), .seed = 7});
    const auto mine = sampler.indices(0);
    std::size_t micro = 0;
    for (std::size_t step = 0; step < steps; ++step) {
        dp.zero_grad();
        ref.zero_grad();
        T ref_loss = 0;
        for (std::size_t a = 0; a < accumulate; ++a, ++micro) {
            const tg::data::batch_view<T> batch(
                data, std::span<const std::uint32_t>(mine.data() + micro * per_rank, per_rank));
            if (a + 1 < accumulate) {
                auto guard = dp.no_sync();
                dp.backward(batch);
            } else {
                dp.backward(batch);
            }
            const auto rows = global_rows(data.rows(), world, micro);
            ref_loss += ref.backward(tg::data::batch_view<T>(data, rows));
        }
        // The global loss is the mean over the ranks of the last micro-batch's local losses: the
        // single process's loss of that micro-batch (equal shares).
        const auto last = global_rows(data.rows(), world, micro - 1);
        check.near("global loss", step, 0, dp.global_loss(), ref.loss(tg::data::batch_view<T>(data, last)), rtol<T>,
                   atol<T>);
        (void)ref_loss;
        for (std::size_t i = 0; i < params.grads().size(); ++i)
            check.near("gradient", step, i, params.grads()[i], ref_params.grads()[i], rtol<T>, 10 * atol<T>);
        dp.step();
        ref.step();
        for (std::size_t i = 0; i < params.values().size(); ++i)
            check.near("parameter", step, i, params.values()[i], ref_params.values()[i], rtol<T>, atol<T>);
    }
    check.that(dp.allreduces() == steps,
               std::string(name) + ": one allreduce per step, none per accumulated micro-batch");
    check.that(dist_test::same_on_every_rank<T>(group, params.values()),
               std::string(name) + ": every rank holds bit for bit the same parameters");
    if (rank == 0)
        std::printf(
            "%s: %d ranks, %zu steps of %zu micro-batch(es) of %zu rows per rank: checked, the largest "
            "deviation on rank 0 is %.3g of the tolerance\n",
            name, world, steps, accumulate, per_rank, check.worst);
    check.worst = 0;
}

}  // namespace

int main(int argc, char** argv) {
    td::process_group group(&argc, &argv, {.timeout = std::chrono::seconds(60)});
    dist_test::checks check{.rank = group.rank()};
    run<tg::SGD, float>(group, check, "SGD momentum, float", {.lr = 0.1, .momentum = 0.9}, 1);
    run<tg::Adam, float>(group, check, "Adam, float", {.lr = 1e-2}, 1);
    run<tg::SGD, double>(group, check, "SGD momentum, double", {.lr = 0.1, .momentum = 0.9}, 1);
    run<tg::Adam, double>(group, check, "Adam, double", {.lr = 1e-2}, 1);
    run<tg::Adam, float>(group, check, "Adam, float, no_sync accumulation of 3", {.lr = 1e-2}, 3);
    run<tg::SGD, double>(group, check, "SGD momentum, double, no_sync accumulation of 2", {.lr = 0.1, .momentum = 0.9},
                         2);
    const int failures = check.total(group);
    if (group.rank() == 0)
        std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
