// Compiled with TYPEGRAD_DATA_COMPILED (typegrad::data_compiled): check_compiled_probe.cmake reads
// this object's symbols and requires the data layer to be referred to, not defined, here.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

double probe(const char* path) {
    const auto data = tg::data::read_csv(path, {.target = "target"});
    const auto [train, test] = tg::data::split(data, 0.8, /*seed=*/1);
    const auto scale = tg::data::standardizer<float>::fit(train);
    tg::data::check_finite(data);
    return static_cast<double>(scale.apply(test).features()[0]);
}
