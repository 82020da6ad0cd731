#pragma once
// Datasets made from plain numbers, for tests that feed a sweep directly.
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/data/dataset.hpp>

namespace typegrad_test {
//! A labelled dataset of `width` feature columns named f0, f1, ...
template <class T>
typegrad::data::basic_dataset<T> make_dataset(std::size_t width, std::vector<T> features, std::vector<T> targets) {
    std::vector<std::string> names;
    for (std::size_t c = 0; c < width; ++c)
        names.push_back(std::string("f").append(std::to_string(c)));  // not operator+: GCC 12's -Wrestrict (bug 105651)
    return typegrad::data::basic_dataset<T>(std::move(names), "y", std::move(features), std::move(targets));
}
//! The same dataset in T: a file read in float, its numbers converted, its names kept.
template <class T>
typegrad::data::basic_dataset<T> converted(const typegrad::data::basic_dataset<float>& f) {
    if constexpr (std::is_same_v<T, float>)
        return f;
    else
        return typegrad::data::basic_dataset<T>(f.feature_names(), f.target_name(),
                                                std::vector<T>(f.features().begin(), f.features().end()),
                                                std::vector<T>(f.targets().begin(), f.targets().end()));
}
}  // namespace typegrad_test
