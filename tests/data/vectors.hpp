#pragma once
// A dataset's spans as vectors, for comparisons in tests.
#include <span>
#include <vector>

namespace typegrad_test {
template <class T>
std::vector<T> vec(std::span<const T> s) {
    return std::vector<T>(s.begin(), s.end());
}
}  // namespace typegrad_test
