// One portable binary that trains with the best SIMD target of the CPU it runs on: the training
// code (bench/dispatch/arch.cpp) is compiled once per target, each copy with its own compiler flags
// and TYPEGRAD_ARCH_NAMESPACE (typegrad then lives in typegrad::arch_<target> in that unit, so the
// copies never merge at link time), and main.cpp picks one copy when the program starts. This
// header is the boundary between them: it names no typegrad type, since those differ per target.
#pragma once

#include <memory>
#include <vector>

#include "../common.hpp"

namespace typegrad_bench::dispatch {

//! A workload's runner (the interface of bench/common.hpp), behind a virtual call per timed unit.
struct runner {
    virtual ~runner() = default;
    virtual void reset() = 0;
    virtual void run() = 0;
    virtual double loss() = 0;
    virtual std::vector<double> parameters() = 0;
    virtual std::vector<double> gradient() = 0;
};

//! What one compiled copy of the training code offers: the target it was built for (the name xsimd
//! gives it) and a factory of runners.
struct target {
    const char* name;
    std::unique_ptr<runner> (*make)(const workload&);
};

// One per copy, defined by arch.cpp compiled with -DTYPEGRAD_DISPATCH_TARGET=<suffix>.
target target_baseline();
target target_avx2();
target target_avx512();

}  // namespace typegrad_bench::dispatch
