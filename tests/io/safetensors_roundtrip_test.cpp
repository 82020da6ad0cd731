// tensor_writer and tensor_file together: every dtype and shape back exactly, the bytes of a
// tiny file as computed by hand, the conversions of read, and the writer's own errors.
#include <typegrad/io/safetensors.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "io_helpers.hpp"

namespace io = typegrad::io;
using typegrad_test::as_string;
using typegrad_test::file_bytes;
using typegrad_test::temp_dir;

TEST_CASE("safetensors: every dtype and shape, 0-d and empty ones included, reads back exactly") {
    const std::vector<float> f32 = {1.5f, -0.0f, std::numeric_limits<float>::denorm_min(), 3.4e38f, 7.0f, -8.25f};
    const std::vector<double> f64 = {0.1, -1e-300, std::numeric_limits<double>::max(), 2.0};
    const std::vector<std::int64_t> i64 = {std::numeric_limits<std::int64_t>::min(), -1, 0,
                                           std::numeric_limits<std::int64_t>::max()};
    const float scalar = 42.0f;
    const std::int64_t step = 1234567890123;
    io::tensor_writer w;
    w.add("f32.matrix", {2, 3}, std::span<const float>(f32));
    w.add("f64.vector", {4}, std::span<const double>(f64));
    w.add("i64.4d", {1, 2, 1, 2}, std::span<const std::int64_t>(i64));
    w.add("scalar", {}, std::span<const float>(&scalar, 1));
    w.add("step", {}, std::span<const std::int64_t>(&step, 1));
    w.add("empty", {0, 5}, std::span<const double>());
    w.add("empty.i64", {3, 0}, std::span<const std::int64_t>());
    w.metadata("format", "pt");
    w.metadata("epoch", "3");
    w.metadata("epoch", "4");  // replaces
    w.metadata("note", "caf\xc3\xa9 \xe4\xb8\xad");
    CHECK(w.size() == 7);

    const temp_dir dir("io_roundtrip");
    w.save(dir / "all.safetensors");
    const io::tensor_file f = io::tensor_file::load(dir / "all.safetensors", {.require_checksum = true});
    CHECK(f.has_checksum());
    CHECK(f.metadata().at("format") == "pt");
    CHECK(f.metadata().at("epoch") == "4");
    CHECK(f.metadata().at("note") == "caf\xc3\xa9 \xe4\xb8\xad");
    CHECK(f.metadata().at("typegrad.crc32").size() == 8);
    CHECK(f.metadata().size() == 4);

    // File order is the order added (the data are written in that order).
    const auto ts = f.tensors();
    REQUIRE(ts.size() == 7);
    const std::vector<std::string> names = {"f32.matrix", "f64.vector", "i64.4d",   "scalar",
                                            "step",       "empty",      "empty.i64"};
    for (std::size_t i = 0; i < names.size(); ++i)
        CHECK(ts[i].name == names[i]);
    CHECK(ts[0].type == io::dtype::f32);
    CHECK(ts[0].shape == std::vector<std::size_t>{2, 3});
    CHECK(ts[0].begin == 0);
    CHECK(ts[0].end == 24);
    CHECK(ts[0].numel() == 6);
    CHECK(ts[3].shape.empty());
    CHECK(ts[3].numel() == 1);
    CHECK(ts[5].numel() == 0);
    CHECK(ts[5].shape == std::vector<std::size_t>{0, 5});
    CHECK(ts[5].bytes.empty());

    const auto f32_back = f.read_as<float>("f32.matrix");
    REQUIRE(f32_back.size() == f32.size());
    for (std::size_t i = 0; i < f32.size(); ++i) {
        CHECK(f32_back[i] == f32[i]);
        CHECK(std::signbit(f32_back[i]) == std::signbit(f32[i]));
    }
    CHECK(f.read_as<double>("f64.vector") == f64);
    CHECK(f.read_as<std::int64_t>("i64.4d") == i64);
    CHECK(f.read_as<float>("scalar") == std::vector<float>{42.0f});
    CHECK(f.read_as<std::int64_t>("step") == std::vector<std::int64_t>{step});
    CHECK(f.read_as<double>("empty").empty());
    CHECK(f.read_as<std::int64_t>("empty.i64").empty());
    CHECK(f.find("nothing") == nullptr);
    REQUIRE(f.find("step") != nullptr);
    CHECK(f.find("step")->type == io::dtype::i64);

    // The same bytes parsed from memory, and a copy that outlives the original, agree.
    std::optional<io::tensor_file> copy;
    {
        const io::tensor_file g = io::tensor_file::parse(file_bytes(dir / "all.safetensors"));
        CHECK(g.file() == "<memory>");
        copy = g;
    }
    CHECK(copy->read_as<double>("f64.vector") == f64);
    CHECK(as_string(w.bytes()) == as_string(file_bytes(dir / "all.safetensors")));
}

TEST_CASE("safetensors: the bytes of a tiny file, as computed by hand") {
    const std::vector<float> x = {1.0f, -2.0f};
    io::tensor_writer w;
    w.add("x", {2}, std::span<const float>(x));
    // 99 bytes of JSON padded with 5 spaces to 104 = 0x68; CRC-32 from Python's zlib.crc32 of
    // the file with "00000000" in place of the digits.
    const std::string header =
        R"({"__metadata__":{"typegrad.crc32":"6c08d8f8"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})"
        "     ";
    std::string expected = std::string("\x68\0\0\0\0\0\0\0", 8) + header;
    expected += std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);  // 1.0f, -2.0f little-endian
    CHECK(as_string(w.bytes()) == expected);
}

TEST_CASE("safetensors: 0-d and empty tensors are written as shape [] and a zero-length range") {
    const double v = 0.5;
    io::tensor_writer w;
    w.add("s", {}, std::span<const double>(&v, 1));
    w.add("e", {0}, std::span<const float>());
    const auto b = w.bytes();
    const std::string text(reinterpret_cast<const char*>(b.data()), b.size());
    CHECK(text.find(R"("s":{"dtype":"F64","shape":[],"data_offsets":[0,8]})") != std::string::npos);
    CHECK(text.find(R"("e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]})") != std::string::npos);
    CHECK((b.size() - 8 - 8) % 8 == 0);  // the header padded to a multiple of 8
}

TEST_CASE("safetensors: F64 read as float rounds to nearest like torch's .float(); F32 as double is exact") {
    const std::vector<double> d = {0.1,
                                   1.0 + std::ldexp(1.0, -24),  // a tie: rounds to even, 1.0f
                                   1.0 + 3 * std::ldexp(1.0, -24),
                                   1e300,
                                   -1e300,
                                   1e-50,
                                   std::numeric_limits<double>::quiet_NaN()};
    io::tensor_writer w;
    w.add("d", {d.size()}, std::span<const double>(d));
    const std::vector<float> f = {0.1f, 16777217.0f};
    w.add("f", {2}, std::span<const float>(f));
    w.add("d_as_f32", io::dtype::f32, {d.size()}, std::span<const double>(d));  // converted on write
    w.add("f_as_f64", io::dtype::f64, {2}, std::span<const float>(f));
    const io::tensor_file file = io::tensor_file::parse(w.bytes());

    const auto as_float = file.read_as<float>("d");
    for (std::size_t i = 0; i + 1 < d.size(); ++i)
        CHECK(as_float[i] == static_cast<float>(d[i]));
    CHECK(as_float[0] == 0.1f);
    CHECK(as_float[1] == 1.0f);
    CHECK(as_float[2] == 1.0f + 2 * std::ldexp(1.0f, -23));
    CHECK(as_float[3] == std::numeric_limits<float>::infinity());
    CHECK(as_float[4] == -std::numeric_limits<float>::infinity());
    CHECK(as_float[5] == 0.0f);
    CHECK(std::isnan(as_float[6]));
    const auto stored = file.read_as<float>("d_as_f32");  // the same rounding on write
    for (std::size_t i = 0; i + 1 < d.size(); ++i)
        CHECK(stored[i] == as_float[i]);
    CHECK(std::isnan(stored.back()));
    CHECK(file.find("d_as_f32")->type == io::dtype::f32);

    const auto as_double = file.read_as<double>("f");
    CHECK(as_double[0] == static_cast<double>(0.1f));
    CHECK(as_double[1] == 16777216.0);
    CHECK(file.read_as<double>("f_as_f64") == as_double);
    CHECK(file.find("f_as_f64")->type == io::dtype::f64);

    std::vector<double> into(2);
    file.read("f", std::span<double>(into));
    CHECK(into == as_double);
}

TEST_CASE("safetensors: read names the tensor when it is missing, of another size or of another kind") {
    const std::vector<float> f = {1, 2, 3};
    const std::vector<std::int64_t> n = {1, 2, 3};
    io::tensor_writer w;
    w.add("w", {3}, std::span<const float>(f));
    w.add("n", {3}, std::span<const std::int64_t>(n));
    const io::tensor_file file = io::tensor_file::parse(w.bytes(), "ckpt.safetensors");
    std::vector<float> two(2);
    CHECK_THROWS_WITH(file.read("w", std::span<float>(two)),
                      "typegrad: safetensors: ckpt.safetensors: tensor 'w': expected 2 elements, found shape [3] of 3");
    CHECK_THROWS_WITH(file.read_as<float>("bias"),
                      "typegrad: safetensors: ckpt.safetensors: tensor 'bias': expected a tensor of this name, found "
                      "none (the file has 2 tensors)");
    CHECK_THROWS_WITH(file.read_as<float>("n"), Catch::Contains("tensor 'n': expected a dtype that converts to F32, "
                                                                "found I64 (integers are not read as floating point)"));
    CHECK_THROWS_WITH(file.read_as<std::int64_t>("w"), Catch::Contains("found F32 (floats are not read as integers)"));
    try {
        (void)file.read_as<double>("bias");
        FAIL("no error");
    } catch (const io::format_error& e) {
        CHECK(e.tensor() == std::optional<std::string>("bias"));
        CHECK(e.offset() == io::format_error::no_offset);
        CHECK(e.file() == "ckpt.safetensors");
    }
}

TEST_CASE("safetensors: the writer refuses what it cannot write") {
    const std::vector<float> f = {1, 2, 3, 4};
    const std::vector<std::int64_t> n = {1};
    io::tensor_writer w;
    w.add("a", {4}, std::span<const float>(f));
    CHECK_THROWS_WITH(w.add("a", {2, 2}, std::span<const float>(f)),
                      "typegrad: tensor_writer::add: tensor 'a': expected a new name, found one already added");
    CHECK_THROWS_WITH(w.add("b", {3}, std::span<const float>(f)),
                      "typegrad: tensor_writer::add: tensor 'b': expected 3 values for shape [3], found 4");
    CHECK_THROWS_WITH(w.add("b", {}, std::span<const float>(f)), Catch::Contains("expected 1 values for shape []"));
    CHECK_THROWS_AS(w.add("b", {std::size_t{1} << 40, std::size_t{1} << 40}, std::span<const float>(f)),
                    std::invalid_argument);
    CHECK_THROWS_WITH(w.add("", {4}, std::span<const float>(f)),
                      Catch::Contains("expected a non-empty UTF-8 name other than __metadata__"));
    CHECK_THROWS_AS(w.add("__metadata__", {4}, std::span<const float>(f)), std::invalid_argument);
    CHECK_THROWS_AS(w.add("bad\xff", {4}, std::span<const float>(f)), std::invalid_argument);
    CHECK_THROWS_AS(w.add("overlong\xc0\x80", {4}, std::span<const float>(f)), std::invalid_argument);
    CHECK_THROWS_AS(w.add("surrogate\xed\xa0\x80", {4}, std::span<const float>(f)), std::invalid_argument);
    CHECK_THROWS_WITH(w.add("b", io::dtype::i64, {4}, std::span<const float>(f)),
                      Catch::Contains("expected values that convert to I64, found F32 values"));
    CHECK_THROWS_AS(w.add("b", io::dtype::f64, {1}, std::span<const std::int64_t>(n)), std::invalid_argument);
    CHECK_THROWS_WITH(w.metadata("typegrad.crc32", "0"), Catch::Contains("the checksum's"));
    CHECK_THROWS_AS(w.metadata("k", "\x80"), std::invalid_argument);
    CHECK(w.size() == 1);
    // What was refused left nothing behind.
    const io::tensor_file file = io::tensor_file::parse(w.bytes());
    CHECK(file.tensors().size() == 1);
    CHECK(file.metadata().size() == 1);
}
