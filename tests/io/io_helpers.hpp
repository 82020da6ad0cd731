#pragma once
// The helpers of the tests of io/: a fresh folder removed at scope exit, files as bytes, raw
// safetensors files built from a header text, and the format_error that parsing bytes gives.

#include <typegrad/io/safetensors.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace typegrad_test {

class temp_dir {
public:
    explicit temp_dir(std::string_view stem) {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("typegrad_" + std::string(stem) + "_" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline std::vector<std::byte> file_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

inline void write_bytes(const std::filesystem::path& file, std::span<const std::byte> bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
}

inline std::vector<std::byte> as_bytes(std::string_view s) {
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

// Bytes as a string, for comparisons that Catch can print whatever standard its main was built
// with (its printer of std::byte exists only in C++17 and later).
inline std::string as_string(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A file of the length prefix, `header` as it is (no padding, no checksum) and `data`.
inline std::vector<std::byte> raw_file(std::string_view header, std::string_view data = {}) {
    std::vector<std::byte> out(8);
    std::uint64_t n = header.size();
    for (auto& b : out) {
        b = static_cast<std::byte>(n & 0xff);
        n >>= 8;
    }
    const auto h = as_bytes(header);
    const auto d = as_bytes(data);
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), d.begin(), d.end());
    return out;
}

// The format_error of parsing `bytes`; std::logic_error if they parse.
inline typegrad::io::format_error parse_failure(std::span<const std::byte> bytes,
                                                const typegrad::io::load_options& options = {}) {
    try {
        (void)typegrad::io::tensor_file::parse(bytes, "t.safetensors", options);
    } catch (const typegrad::io::format_error& e) {
        return e;
    }
    throw std::logic_error("tensor_file::parse accepted the bytes");
}

inline bool printable_ascii(std::string_view s) {
    for (const char c : s)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

}  // namespace typegrad_test
