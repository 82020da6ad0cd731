// The cost of one data-parallel training step, split into computation and communication: W7 of
// docs/performance.md (MLP 64-256-256-10, relu, cross-entropy, the 1797 digits as one full batch,
// Adam lr 1e-3), each of the W ranks holding 1797 / W rows (rank r the contiguous rows
// r * 1797 / W .. (r + 1) * 1797 / W - 1). Run under mpiexec -np W; prints one JSON object (rank 0).
//
// Per step, timed on every rank, the slowest rank's time reported (the step ends when the last
// rank's does): backward on the local rows (computation), the allreduce of the 86,794 gradients
// and the loss (communication, including waiting for slower ranks), Adam's step. Wall-clock times
// (the ranks wait on each other), the thread CPU time of backward and of the allreduce (the
// slowest rank's), and the process's CPU time per step on rank 0: on a loaded machine the CPU
// times are the ones to read.
// Usage: data_parallel_bench [steps] (default 50, after 5 unmeasured steps)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include <typegrad/distributed/data_parallel.hpp>
#include <typegrad/typegrad.hpp>

namespace {

namespace tg = typegrad;
namespace td = typegrad::distributed;

constexpr auto x = tg::input<"x", 64>;
constexpr auto y = tg::class_target<"y", 10>;
using mlp = tg::sequential<tg::Linear<64, 256>, tg::ReLU, tg::Linear<256, 256>, tg::ReLU, tg::Linear<256, 10>>;
constexpr auto loss = tg::cross_entropy(mlp{}(x), y);
using loss_type = std::remove_cv_t<decltype(loss)>;

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
double cpu_seconds(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
    timespec t{};
    clock_gettime(clock, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    td::process_group group(&argc, &argv);
    const int steps = argc > 1 ? std::atoi(argv[1]) : 50;
    const auto data =
        tg::data::read_csv<float>(TYPEGRAD_BENCH_DATA_DIR "/digits.csv", {.target = "target"}).standardized();
    const std::size_t n = data.rows(), w = std::size_t(group.world_size()), r = std::size_t(group.rank());
    const std::size_t first = r * n / w, last = (r + 1) * n / w;
    const tg::data::batch_view<float> mine(data, first, last - first);

    tg::Parameters<loss_type> params;
    tg::init::torch_default(params, 0);
    tg::Trainer<loss_type, tg::Adam> trainer{params, {.lr = 1e-3}};
    td::data_parallel dp{group, params, trainer};

    std::vector<double> compute, communicate, update, total, compute_cpu, communicate_cpu;
    const double cpu0 = cpu_seconds();
    for (int s = -5; s < steps; ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        dp.zero_grad();
        {
            auto local_only = dp.no_sync();
            dp.backward(mine);
        }
        const double t_compute = seconds_since(t0);
        const double c1 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        const auto t1 = std::chrono::steady_clock::now();
        dp.average_gradients();
        const double t_comm = seconds_since(t1);
        const double c2 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        const auto t2 = std::chrono::steady_clock::now();
        dp.step();
        const double t_step = seconds_since(t2);
        const double t_total = seconds_since(t0);
        if (s < 0)
            continue;
        // The slowest rank's times: a step is as long as its last rank.
        double times[6] = {t_compute, t_comm, t_step, t_total, c1 - c0, c2 - c1};
        MPI_Allreduce(MPI_IN_PLACE, times, 6, MPI_DOUBLE, MPI_MAX, group.comm());
        compute_cpu.push_back(times[4]);
        communicate_cpu.push_back(times[5]);
        compute.push_back(times[0]);
        communicate.push_back(times[1]);
        update.push_back(times[2]);
        total.push_back(times[3]);
    }
    const double cpu_per_step = (cpu_seconds() - cpu0) / double(steps + 5);
    if (group.rank() == 0)
        std::printf(
            "{\"workload\": \"W7 MLP 64-256-256-10 relu, cross-entropy, digits full batch (1797 rows), Adam lr "
            "1e-3\", \"ranks\": %d, \"rows_per_rank\": %zu, \"parameters\": %zu, \"steps\": %d, "
            "\"median_seconds\": {\"step\": %.6g, \"backward\": %.6g, \"allreduce\": %.6g, \"optimizer_step\": "
            "%.6g}, \"median_cpu_seconds\": {\"backward\": %.6g, \"allreduce\": %.6g}, "
            "\"cpu_seconds_per_step_rank0\": %.6g, \"final_global_loss\": %.6g}\n",
            group.world_size(), last - first, params.values().size(), steps, median(total), median(compute),
            median(communicate), median(update), median(compute_cpu), median(communicate_cpu), cpu_per_step,
            double(dp.global_loss()));
    return 0;
}
