// bench_dispatch: W1, W3 and W4 trained by typegrad in one portable binary (compiled for the
// baseline target) that runs the copy of its training code built for the best SIMD target the CPU
// has, picked once at start from xsimd's CPU detection. BM_<W>_typegrad_dispatch times that copy;
// BM_<W>_typegrad_<target> times each other copy the CPU can run, for comparison in the same run.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <xsimd/xsimd.hpp>

#include "runner.hpp"

namespace typegrad_bench::dispatch {
namespace {

// The copies this CPU can run, best first.
std::vector<target> runnable() {
    const auto cpu = xsimd::available_architectures();
    std::vector<target> out;
    if (cpu.avx512f && cpu.avx512cd && cpu.avx512dq && cpu.avx512bw)
        out.push_back(target_avx512());
    if (cpu.fma3_avx2)
        out.push_back(target_avx2());
    out.push_back(target_baseline());
    return out;
}

const std::vector<target>& targets() {
    static const std::vector<target> t = [] {
        std::vector<target> r = runnable();
        std::printf("bench_dispatch: the CPU runs %s (best of:", r.front().name);
        std::string names;
        for (const target& c : r) {
            std::printf(" %s", c.name);
            if (!names.empty())
                names.push_back(' ');
            names.append(c.name);
        }
        std::printf(")\n");
        // In the JSON output's context too, for bench/report.py: the dispatched copy's target, and
        // every copy the CPU runs, best first (the last is the baseline).
        benchmark::AddCustomContext("typegrad_dispatch_target", r.front().name);
        benchmark::AddCustomContext("typegrad_dispatch_targets", names);
        return r;
    }();
    return t;
}

// The runner interface of common.hpp over the copy `Index` of targets() (0: the best, i.e. the
// dispatched one).
template <std::size_t Index>
class picked {
public:
    explicit picked(const workload& w) : r_(targets().at(Index).make(w)) {}
    void reset() { r_->reset(); }
    void run() { r_->run(); }
    double loss() { return r_->loss(); }
    std::vector<double> parameters() { return r_->parameters(); }
    std::vector<double> gradient() { return r_->gradient(); }

private:
    std::unique_ptr<runner> r_;
};

const bool registered = [] {
    for (workload_id id : {workload_id::w1, workload_id::w3, workload_id::w4}) {
        register_benchmark<picked<0>>(id, "typegrad_dispatch");
        // The other copies the CPU runs, under their target's name.
        const auto& t = targets();
        if (t.size() > 1)
            register_benchmark<picked<1>>(id, std::string("typegrad_") + t[1].name);
        if (t.size() > 2)
            register_benchmark<picked<2>>(id, std::string("typegrad_") + t[2].name);
    }
    return true;
}();

}  // namespace
}  // namespace typegrad_bench::dispatch
