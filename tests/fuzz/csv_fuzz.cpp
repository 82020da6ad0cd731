// libFuzzer target: bytes as a CSV text (its first byte choosing the options), through
// parse_csv (see entries.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    typegrad_fuzz::csv_input(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
