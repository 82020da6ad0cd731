// libFuzzer target: bytes as a whole safetensors file, through tensor_file::parse (see entries.hpp).
#include <cstddef>
#include <cstdint>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    typegrad_fuzz::safetensors_input(std::as_bytes(std::span(data, size)));
    return 0;
}
