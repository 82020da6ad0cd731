// Writes the header bench_deploy includes: `bench_deploy_export <file>` (run by CMake at build time).
#include <typegrad/deploy/export_header.hpp>

#include "deploy_model.hpp"

int main(int argc, char** argv) {
    namespace bd = typegrad_bench::deploy;
    if (argc != 2)
        return 2;
    typegrad::Parameters params{bd::loss};
    typegrad::init::torch_default(params, bd::seed);
    typegrad::export_header(argv[1], bd::model, params, {.namespace_name = "deployed_mlp"});
    return 0;
}
