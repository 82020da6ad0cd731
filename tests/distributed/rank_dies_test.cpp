// Run under mpiexec with 2 or more ranks: rank 1 stops taking part at step `at` while the others
// go on training; they must not hang. Usage: rank_dies_test kill|stall <timeout ms> <at>
//   kill:  rank 1 raises SIGKILL (mpirun notices and ends the job, or the others' allreduce fails
//          or times out);
//   stall: rank 1 sleeps for a minute (only the others' timeout can end the job: they print a
//          typegrad: message naming the allreduce and abort).
// tests/distributed/expect_failure.sh checks that the job ends non-zero with the expected message.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <typegrad/distributed/data_parallel.hpp>

#include "common.hpp"

int main(int argc, char** argv) {
    namespace tg = typegrad;
    namespace td = typegrad::distributed;
    if (argc != 4)
        return 2;
    const std::string mode = argv[1];
    const auto timeout = std::chrono::milliseconds(std::atoi(argv[2]));
    const std::size_t at = std::size_t(std::atoi(argv[3]));

    td::process_group group(&argc, &argv, {.timeout = timeout});
    const auto data = dist_test::digits<float>();
    tg::Parameters<dist_test::loss_type> params;
    tg::init::torch_default(params, 0);
    tg::Trainer<dist_test::loss_type, tg::SGD> trainer{params, {.lr = 0.01}};
    td::data_parallel dp{group, params, trainer};
    for (std::size_t step = 0; step < 1000; ++step) {
        if (group.rank() == 1 && step == at) {
            std::printf("rank 1: %s at step %zu\n", mode == "kill" ? "killing itself" : "stalling", step);
            std::fflush(stdout);
            if (mode == "kill")
                std::raise(SIGKILL);
            std::this_thread::sleep_for(std::chrono::seconds(60));
        }
        dp.zero_grad();
        dp.backward(tg::data::batch_view<float>(data, std::size_t(group.rank()) * 16, 16));
        dp.step();
    }
    std::printf("rank %d: finished all steps, which it should not have\n", group.rank());
    return 0;
}
