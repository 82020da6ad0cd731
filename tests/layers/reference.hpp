#pragma once
// Reading the torch recordings of this folder (record_torch.py writes them): JSON numbers, with
// "nan", "inf" and "-inf" as strings, and the iris data the recordings trained on, as torch read
// it (float32 values, cast to double for the double cases).
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <typegrad/data/csv.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/parameters.hpp>

namespace typegrad_test {

// Paths are joined as std::filesystem::path, and messages appended to: GCC 12 at -O2 reports a false
// -Warray-bounds inside std::string's operator+ (GCC bug 105651's family).
inline nlohmann::json read_reference(const std::string& file) {
    std::ifstream in(std::filesystem::path(TYPEGRAD_LAYERS_REFERENCE_DIR) / file);
    if (!in) {
        std::string message = "cannot read ";
        message.append(file).append(" (record it with tests/layers/record_torch.py)");
        throw std::runtime_error(message);
    }
    return nlohmann::json::parse(in);
}

inline double number(const nlohmann::json& v) {
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "nan")
            return std::numeric_limits<double>::quiet_NaN();
        if (s == "inf")
            return std::numeric_limits<double>::infinity();
        if (s == "-inf")
            return -std::numeric_limits<double>::infinity();
        throw std::runtime_error(std::string("not a number: ").append(s));
    }
    return v.get<double>();
}

inline std::vector<double> numbers(const nlohmann::json& a) {
    std::vector<double> out;
    for (const auto& v : a)
        out.push_back(number(v));
    return out;
}

//! Sets every parameter of `params` to a recording's initial values `init` (torch's names to flat
//! lists), each of the parameter's size.
template <class L, class T>
void set_parameters(typegrad::Parameters<L, T>& params, const nlohmann::json& init) {
    for (const auto& info : params.info()) {
        const auto values = numbers(init.at(std::string(info.name)));
        REQUIRE(values.size() == info.size);
        auto slice = params.value(info.name);
        for (std::size_t i = 0; i < info.size; ++i)
            slice[i] = static_cast<T>(values[i]);
    }
}

//! |got - want| <= atol + rtol |want|; NaN matches NaN, an infinity only itself.
inline bool close(double got, double want, double rtol, double atol) {
    if (std::isnan(want))
        return std::isnan(got);
    if (std::isinf(want))
        return got == want;
    return std::isfinite(got) && std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

//! tests/golden/data/iris_std.csv (150 rows, 4 features, classes 0..2) as torch read it: float32
//! values, exact in double too.
template <class T>
typegrad::data::basic_dataset<T> iris() {
    const auto f = typegrad::data::read_csv<float>(std::filesystem::path(TYPEGRAD_GOLDEN_DATA_DIR) / "iris_std.csv");
    if constexpr (std::is_same_v<T, float>) {
        return f;
    } else {
        return typegrad::data::basic_dataset<T>(f.feature_names(), f.target_name(),
                                                std::vector<T>(f.features().begin(), f.features().end()),
                                                std::vector<T>(f.targets().begin(), f.targets().end()));
    }
}

}  // namespace typegrad_test
