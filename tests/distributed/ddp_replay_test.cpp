// Run under mpiexec -np 2: replays ddp_torch.json, PyTorch DistributedDataParallel's trajectories
// (recorded by record_ddp.py: gloo, 2 processes, SGD with momentum, and Adam with no_sync()
// accumulation), with data_parallel, and compares every rank's losses and every parameter after
// every step within each case's tolerance. Each rank deals its rows with distributed_sampler from
// torch's recorded permutation, and must get torch's recorded lists. Rank 1 starts from other
// weights than rank 0, as in the recording: the broadcast must replace them.
// Usage: distributed_ddp_replay <ddp_torch.json>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <typegrad/distributed/data_parallel.hpp>
#include <typegrad/distributed/sampler.hpp>

#include "common.hpp"

namespace {

namespace tg = typegrad;
namespace td = typegrad::distributed;
using json = nlohmann::json;

template <class Policy>
void replay(td::process_group& group, dist_test::checks& check, const json& rec, const json& c,
            const tg::data::basic_dataset<float>& data, const std::vector<std::uint32_t>& mine,
            typename Policy::options options) {
    const int rank = group.rank();
    const std::size_t batch = rec["batch_per_rank"].get<std::size_t>();
    const std::size_t accumulate = c["accumulate"].get<std::size_t>();
    const double rtol = c["rtol"].get<double>(), atol = c["atol"].get<double>();

    tg::Parameters<dist_test::loss_type> params;
    if (rank == 0) {
        for (const auto& [name, values] : c["init"].items()) {
            auto v = params.value(name);
            check.that(values.size() == v.size(), "init." + name + ": as many values as the model's parameter");
            for (std::size_t i = 0; i < v.size() && i < values.size(); ++i)
                v[i] = values[i].template get<float>();
        }
    } else {
        tg::init::torch_default(params, 1000 + std::uint64_t(rank));
    }
    tg::Trainer<dist_test::loss_type, Policy> trainer{params, options};
    td::data_parallel dp{group, params, trainer};

    std::size_t micro = 0, step = 0;
    for (const auto& s : c["trajectory"]) {
        dp.zero_grad();
        for (std::size_t a = 0; a < accumulate; ++a, ++micro) {
            const tg::data::batch_view<float> rows(data,
                                                   std::span<const std::uint32_t>(mine.data() + micro * batch, batch));
            float local;
            if (a + 1 < accumulate) {
                auto guard = dp.no_sync();
                local = dp.backward(rows);
            } else {
                local = dp.backward(rows);
            }
            check.near("loss", step, a, local, s["losses"][std::size_t(rank)][a].get<float>(), rtol, atol);
        }
        dp.step();
        for (const auto& [name, values] : s["params"].items()) {
            const auto v = params.value(name);
            for (std::size_t i = 0; i < v.size(); ++i)
                check.near(("parameter " + name).c_str(), step, i, v[i], values[i].template get<float>(), rtol, atol);
        }
        ++step;
    }
    if (rank == 0)
        std::printf(
            "%s: %zu steps replayed; the largest deviation on rank 0 is %.3g of the tolerance (rtol %.3g, atol "
            "%.3g)\n",
            c["name"].get<std::string>().c_str(), step, check.worst, rtol, atol);
    check.worst = 0;
}

}  // namespace

int main(int argc, char** argv) {
    td::process_group group(&argc, &argv);
    dist_test::checks check{.rank = group.rank()};
    if (argc != 2)
        return 2;
    std::ifstream in(argv[1]);
    const json rec = json::parse(in);
    if (group.world_size() != rec["world_size"].get<int>()) {
        std::printf("the recording has %d ranks; run with mpiexec -np %d\n", rec["world_size"].get<int>(),
                    rec["world_size"].get<int>());
        return 1;
    }
    const auto data =
        tg::data::read_csv<float>(TYPEGRAD_DISTRIBUTED_DIR "/../golden/data/digits_std.csv", {.target = "target"});
    const auto& sampling = rec["sampler"];
    td::distributed_sampler sampler(data.rows(), {.world_size = std::size_t(group.world_size()),
                                                  .rank = std::size_t(group.rank()),
                                                  .shuffle = sampling["shuffle"].get<bool>(),
                                                  .seed = sampling["seed"].get<std::uint64_t>(),
                                                  .drop_last = sampling["drop_last"].get<bool>()});
    const auto mine = sampler.indices_of(sampling["order"].get<std::vector<std::uint32_t>>());
    check.that(mine == sampling["indices"][std::size_t(group.rank())].get<std::vector<std::uint32_t>>(),
               "distributed_sampler deals torch's DistributedSampler list from torch's permutation");

    for (const auto& c : rec["cases"]) {
        const auto& k = c["kwargs"];
        if (c["optimizer"] == "SGD")
            replay<tg::SGD>(group, check, rec, c, data, mine,
                            {.lr = k["lr"].get<double>(), .momentum = k.value("momentum", 0.0)});
        else if (c["optimizer"] == "Adam")
            replay<tg::Adam>(group, check, rec, c, data, mine, {.lr = k["lr"].get<double>()});
        else
            check.that(false, "an optimiser this replay knows: " + c["optimizer"].get<std::string>());
    }
    const int failures = check.total(group);
    if (group.rank() == 0)
        std::printf("%s: %d failure(s)\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
