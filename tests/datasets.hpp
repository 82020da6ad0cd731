#pragma once
// Datasets made from plain numbers, for tests that feed a sweep directly.
#include <cstddef>
#include <string>
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
}  // namespace typegrad_test
