#pragma once
// A CSV file with exact bytes in the system's temporary directory, removed at scope exit, and
// the csv_error that reading a file gives: the helpers of every test of read_csv.

#include <typegrad/data/csv.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace typegrad_test {

class temp_csv {
public:
    // `stem` keeps the file name readable in messages; a random suffix keeps parallel test
    // processes apart.
    temp_csv(std::string_view stem, std::string_view bytes) {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("typegrad_" + std::string(stem) + "_" + std::to_string(rd()) + std::to_string(rd()) + ".csv");
        std::ofstream out(path_, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out)
            throw std::runtime_error("cannot write " + path_.string());
    }
    temp_csv(const temp_csv&) = delete;
    temp_csv& operator=(const temp_csv&) = delete;
    ~temp_csv() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    const std::filesystem::path& path() const noexcept { return path_; }
    std::string name() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

// The csv_error of reading `file`; std::logic_error if read_csv accepts it.
inline typegrad::data::csv_error csv_failure(const std::filesystem::path& file,
                                             const typegrad::data::csv_options& options = {}) {
    try {
        (void)typegrad::data::read_csv(file, options);
    } catch (const typegrad::data::csv_error& e) {
        return e;
    }
    throw std::logic_error("read_csv accepted " + file.string());
}

// Whether every character of `s` is printable ASCII (space to '~').
inline bool printable_ascii(std::string_view s) {
    for (const char c : s)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

inline std::filesystem::path data_file(std::string_view name) {
    return std::filesystem::path(TYPEGRAD_TEST_DATA_DIR) / name;
}

}  // namespace typegrad_test
