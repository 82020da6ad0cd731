// Run under mpiexec: a checkpoint that distributed::save writes on rank 0 alone is complete when
// any rank returns from save, and distributed::load gives every rank the saved parameters, Adam's
// state and step count: the resumed ranks then take the same next step as the run that went on.
// Usage: distributed_checkpoint <file>
#include <cstdio>
#include <filesystem>
#include <string>

#include <typegrad/distributed/checkpoint.hpp>
#include <typegrad/distributed/data_parallel.hpp>

#include "common.hpp"

int main(int argc, char** argv) {
    namespace tg = typegrad;
    namespace td = typegrad::distributed;
    td::process_group group(&argc, &argv);
    dist_test::checks check{.rank = group.rank()};
    if (argc != 2)
        return 2;
    const std::filesystem::path file = argv[1];
    if (group.rank() == 0)
        std::filesystem::remove(file);
    group.barrier("the test's removal of an old file");

    const auto data = dist_test::digits<float>();
    const auto batch = [&](std::size_t step) {
        return tg::data::batch_view<float>(
            data, (step * std::size_t(group.world_size()) + std::size_t(group.rank())) * 10, 10);
    };
    using trainer_type = tg::Trainer<dist_test::loss_type, tg::Adam>;
    tg::Parameters<dist_test::loss_type> params;
    tg::init::torch_default(params, std::uint64_t(group.rank()));
    trainer_type trainer{params, {.lr = 1e-2}};
    td::data_parallel dp{group, params, trainer};
    for (std::size_t step = 0; step < 3; ++step) {
        dp.zero_grad();
        dp.backward(batch(step));
        dp.step();
    }
    td::save(group, file, params, trainer);
    check.that(std::filesystem::exists(file), "the checkpoint exists on every rank once save returns");

    // Fresh objects on every rank, from other weights: load must give back the saved run.
    tg::Parameters<dist_test::loss_type> loaded;
    tg::init::torch_default(loaded, 1000 + std::uint64_t(group.rank()));
    trainer_type resumed{loaded, {.lr = 1e-2}};
    td::load(group, file, loaded, resumed);
    check.that(std::equal(loaded.values().begin(), loaded.values().end(), params.values().begin()),
               "the loaded parameters are the saved ones");
    check.that(resumed.steps() == 3, "the loaded step count is 3");

    // One more step each: the Adam state came back too, so the two runs stay equal.
    dp.zero_grad();
    dp.backward(batch(3));
    dp.step();
    td::data_parallel dp2{group, loaded, resumed};
    dp2.zero_grad();
    dp2.backward(batch(3));
    dp2.step();
    check.that(std::equal(loaded.values().begin(), loaded.values().end(), params.values().begin()),
               "a step after loading equals the step of the run that went on");

    const int failures = check.total(group);
    if (group.rank() == 0)
        std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
