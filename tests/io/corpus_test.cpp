// The fuzzers' seed corpus (tests/corpus/) replayed through the fuzzers' own entry points, so
// that every build, the sanitizer one included, runs them: ok_* files must be accepted, bad_*
// files rejected, and every other file (an input a fuzzer once found) must not crash. The seeds
// are written by Python (tests/corpus/seeds.py), so they also show that typegrad reads files of
// another implementation, checksum included.
#include <typegrad/io/safetensors.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/entries.hpp"
#include "io_helpers.hpp"

namespace io = typegrad::io;

namespace {

std::vector<std::filesystem::path> corpus(const char* folder) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(TYPEGRAD_CORPUS_DIR) / folder))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

template <class Check>
void replay(const char* folder, Check check) {
    const auto files = corpus(folder);
    CHECK(files.size() >= 12);
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        INFO(name);
        const bool accepted = check(typegrad_test::file_bytes(file));
        if (name.starts_with("ok_"))
            CHECK(accepted);
        else if (name.starts_with("bad_"))
            CHECK_FALSE(accepted);
    }
}

}  // namespace

TEST_CASE("corpus: every safetensors seed through the fuzzer's checks") {
    replay("safetensors", [](const std::vector<std::byte>& b) { return typegrad_fuzz::safetensors_input(b); });
}

TEST_CASE("corpus: every CSV seed through the fuzzer's checks") {
    replay("csv", [](const std::vector<std::byte>& b) {
        return typegrad_fuzz::csv_input(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    });
}

TEST_CASE("safetensors: a file written by Python (struct, json, zlib) loads with its checksum") {
    const auto dir = std::filesystem::path(TYPEGRAD_CORPUS_DIR) / "safetensors";  // by tests/corpus/seeds.py
    const io::tensor_file f = io::tensor_file::load(dir / "ok_all_dtypes.safetensors", {.require_checksum = true});
    CHECK(f.has_checksum());
    CHECK(f.read_as<float>("a") == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(f.read_as<double>("b") == std::vector<double>{0.1, -2.5});
    CHECK(f.read_as<std::int64_t>("c") == std::vector<std::int64_t>{-1, 0, std::int64_t{1} << 62});
    CHECK(f.read_as<double>("scalar") == std::vector<double>{7.5});
    CHECK(f.find("empty")->shape == std::vector<std::size_t>{0, 3});
    // PyTorch's files have no checksum: accepted unless one is required.
    const io::tensor_file t = io::tensor_file::load(dir / "ok_torch_style_no_checksum.safetensors");
    CHECK_FALSE(t.has_checksum());
    CHECK(t.metadata().at("format") == "pt");
    CHECK_THROWS_WITH(io::tensor_file::load(dir / "ok_torch_style_no_checksum.safetensors", {.require_checksum = true}),
                      Catch::Contains("expected a checksum (load_options::require_checksum)"));
    // Tensors listed by their offsets, not by the order of the header's keys.
    const io::tensor_file o = io::tensor_file::load(dir / "ok_offsets_out_of_key_order.safetensors");
    REQUIRE(o.tensors().size() == 2);
    CHECK(o.tensors()[0].name == "z_first");
}
