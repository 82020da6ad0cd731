// tensor_file on damaged and hostile files: each fault is a format_error saying what is wrong
// and where, in a bounded printable message; never a crash, never a file accepted wrongly.
#include <typegrad/io/safetensors.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io_helpers.hpp"

namespace io = typegrad::io;
using typegrad_test::as_bytes;
using typegrad_test::parse_failure;
using typegrad_test::printable_ascii;
using typegrad_test::raw_file;
using typegrad_test::temp_dir;

namespace {

// A small valid file with a checksum: two tensors and a metadata entry.
std::vector<std::byte> small_file() {
    const std::vector<float> w = {1, 2, 3, 4, 5, 6};
    const std::int64_t step = 7;
    io::tensor_writer t;
    t.add("w", {2, 3}, std::span<const float>(w));
    t.add("step", {}, std::span<const std::int64_t>(&step, 1));
    t.metadata("epoch", "1");
    return t.bytes();
}

std::string message_of(std::string_view header, std::string_view data = {}) {
    return parse_failure(raw_file(header, data)).what();
}

const std::string prefix = "typegrad: safetensors: t.safetensors: ";
const std::string four(4, '\0');

}  // namespace

TEST_CASE("safetensors: a file cut at any byte is 'truncated'") {
    const auto full = small_file();
    REQUIRE_NOTHROW(io::tensor_file::parse(full));
    for (std::size_t n = 0; n < full.size(); ++n) {
        INFO("cut to " << n << " of " << full.size() << " bytes");
        const io::format_error e = parse_failure(std::span(full).first(n));
        CHECK_THAT(e.what(), Catch::Contains("truncated"));
        CHECK(e.offset() == n);
    }
    CHECK(std::string(parse_failure(std::span(full).first(3)).what()) ==
          prefix + "byte 3: truncated: expected at least 8 bytes (the header length), found a file of 3 bytes");
}

TEST_CASE("safetensors: a flipped byte anywhere is a format_error, in the data a checksum error") {
    // A flip inside the key "typegrad.crc32" leaves a file without a checksum, which only
    // require_checksum refuses: the setting for files that typegrad wrote.
    const io::load_options options{.require_checksum = true};
    const auto full = small_file();
    const io::tensor_file good = io::tensor_file::parse(full);
    const std::size_t data_start = full.size() - 24 - 8;
    for (std::size_t i = 0; i < full.size(); ++i)
        for (const unsigned flip : {0x01u, 0x80u, 0xffu}) {
            auto bad = full;
            bad[i] ^= static_cast<std::byte>(flip);
            INFO("byte " << i << " ^ " << flip);
            const io::format_error e = parse_failure(bad, options);
            CHECK(printable_ascii(e.what()));
            if (i >= data_start)
                CHECK_THAT(e.what(), Catch::Contains("file corrupted: CRC-32 expected"));
        }
    const auto bad = [&] {
        auto b = full;
        b.back() ^= std::byte{1};
        return b;
    }();
    const std::string expected = good.metadata().at("typegrad.crc32");
    auto renamed = full;
    renamed[std::string_view(reinterpret_cast<const char*>(full.data()), full.size()).find("typegrad.crc32")] ^=
        std::byte{1};
    CHECK_FALSE(io::tensor_file::parse(renamed).has_checksum());
    CHECK_THAT(parse_failure(renamed, options).what(), Catch::Contains("expected a checksum"));
    const std::string what = parse_failure(bad).what();
    CHECK_THAT(what, Catch::StartsWith(prefix + "file corrupted: CRC-32 expected " + expected +
                                       " (typegrad.crc32), computed "));
}

TEST_CASE("safetensors: not a safetensors file at all") {
    const std::string csv = "age,bmi,target\n59,32.1,151\n";
    CHECK_THAT(parse_failure(as_bytes(csv)).what(), Catch::EndsWith(": not a safetensors file"));
    CHECK_THAT(parse_failure(as_bytes(csv)).what(), Catch::Contains("expected a header length of at most 100000000"));
    std::vector<std::byte> random(256);
    for (std::size_t i = 0; i < random.size(); ++i)
        random[i] = static_cast<std::byte>((i * 73 + 41) % 256);
    CHECK_THROWS_AS(io::tensor_file::parse(random), io::format_error);
    CHECK(message_of("[1,2]") ==
          prefix + "byte 8: expected a header starting with '{', found '[': not a safetensors file");
    CHECK(message_of(" {}") ==
          prefix + "byte 8: expected a header starting with '{', found ' ': not a safetensors file");
    CHECK_THAT(message_of("{"), Catch::Contains("expected a header length of at least 2 bytes"));
    // A header of up to 100 MB is allowed; beyond that, or beyond load_options::max_header_bytes, not.
    CHECK_THAT(parse_failure(raw_file("{}"), {.max_header_bytes = 1}).what(),
               Catch::Contains("expected a header length of at most 1 bytes (load_options::max_header_bytes)"));
}

TEST_CASE("safetensors: a header that is not JSON, or not an object of entries") {
    CHECK_THAT(message_of("{not json}"),
               Catch::StartsWith(prefix + "byte 10: expected a JSON header, found a parse error"));
    CHECK_THAT(message_of("{}x"), Catch::Contains("expected a JSON header"));
    // Found by safetensors_fuzz: nlohmann-json reports a number beyond double as out_of_range.
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}})", four),
               Catch::EndsWith("expected a JSON header, found number overflow parsing '1e999'"));
    CHECK_NOTHROW(io::tensor_file::parse(raw_file("{}   ")));    // padded with spaces
    CHECK_NOTHROW(io::tensor_file::parse(raw_file("{}\n\t ")));  // any JSON whitespace, as safetensors' own reader
    CHECK_THAT(message_of(R"({"w":[1]})"),
               Catch::EndsWith("tensor 'w': expected an object with dtype, shape and data_offsets, found array"));
    CHECK(message_of(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", four) ==
          prefix + "tensor 'w': expected the key dtype, found none");
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", four),
               Catch::EndsWith("expected the key shape, found none"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":[1]}})", four),
               Catch::EndsWith("expected the key data_offsets, found none"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", four),
               Catch::EndsWith("expected only the keys dtype, shape and data_offsets, found 'extra'"));
    CHECK_THAT(message_of(R"({"w":{"dtype":5,"shape":[1],"data_offsets":[0,4]}})", four),
               Catch::EndsWith("expected dtype to be a string, found number"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", four),
               Catch::EndsWith("expected shape to be an array of integers, found string"));
    for (const char* extent : {"-1", "1.0", "1e0", "18446744073709551616", "true", "null"})
        CHECK_THAT(
            message_of(std::string(R"({"w":{"dtype":"F32","shape":[)") + extent + R"(],"data_offsets":[0,4]}})", four),
            Catch::Contains("expected shape to be an array of non-negative integers, found"));
    for (const char* offsets : {"[0]", "[0,4,4]", "{}", "[0,4.0]", "[-4,0]", "\"0,4\""})
        CHECK_THAT(message_of(std::string(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":)") + offsets + "}}", four),
                   Catch::Contains("expected data_offsets to be two non-negative integers [begin, end]"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", four),
               Catch::EndsWith("expected data_offsets [begin, end] with begin <= end, found [4, 0]"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", four),
               Catch::Contains("found values nested 4 levels deep"));
    CHECK_THAT(message_of(R"({"__metadata__":{"epoch":3}})"),
               Catch::EndsWith("expected __metadata__ to be an object of strings, found a number for the key 'epoch'"));
    CHECK_THAT(message_of(R"({"__metadata__":"pt"})"),
               Catch::EndsWith("expected __metadata__ to be an object of strings, found string"));
}

TEST_CASE("safetensors: dtypes other than F32, F64 and I64 are named") {
    CHECK(message_of(R"({"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", four) ==
          prefix +
              "tensor 'w': expected dtype F32, F64 or I64, found 'BF16', a safetensors dtype that typegrad "
              "does not read");
    CHECK_THAT(message_of(R"({"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", four),
               Catch::Contains("found 'I32', a safetensors dtype"));
    CHECK(message_of(R"({"w":{"dtype":"X99","shape":[1],"data_offsets":[0,4]}})", four) ==
          prefix + "tensor 'w': expected dtype F32, F64 or I64, found the unknown dtype 'X99'");
    CHECK_THAT(message_of(R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", four),
               Catch::Contains("the unknown dtype 'f32'"));
}

TEST_CASE("safetensors: shape x dtype size must be the length of data_offsets") {
    CHECK(message_of(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", std::string(12, '\0')) ==
          prefix +
              "tensor 'w': expected data_offsets spanning shape [2, 2] x F32 (4 bytes) = 16 bytes, found [0, 12], "
              "12 bytes");
    CHECK_THAT(message_of(R"({"w":{"dtype":"F64","shape":[],"data_offsets":[0,4]}})", four),
               Catch::Contains("spanning shape [] x F64 (8 bytes) = 8 bytes"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"),
               Catch::EndsWith("expected a shape whose bytes can be counted, found shape [4294967296, 4294967296], "
                               "whose size overflows"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})"),
               Catch::Contains("whose size overflows"));
    // An empty tensor takes no bytes, wherever it is.
    CHECK_NOTHROW(io::tensor_file::parse(raw_file(R"({"e":{"dtype":"F64","shape":[5,0],"data_offsets":[0,0]}})")));
}

TEST_CASE("safetensors: the tensors must cover the data exactly, from 0, without holes or overlaps") {
    const std::string eight(8, '\0');
    CHECK(message_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight) ==
          prefix +
              "byte 62: tensor 'a': expected the tensors to cover the data without holes, found data bytes "
              "[0, 4) in no tensor before this one (the first tensor must start at 0)");
    CHECK_THAT(message_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                          std::string(12, '\0')),
               Catch::Contains("tensor 'b': expected the tensors to cover the data without holes, found data bytes "
                               "[4, 8) in no tensor before this one"));
    CHECK_THAT(message_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          std::string(12, '\0')),
               Catch::EndsWith("tensor 'b': expected tensors that do not overlap, found data_offsets [4, 12] "
                               "overlapping tensor 'a', which ends at 8"));
    CHECK_THAT(message_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                          four),
               Catch::Contains("expected tensors that do not overlap"));
    CHECK_THAT(
        message_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", eight),
        Catch::EndsWith("expected the tensors to cover the data, found 4 bytes after the last tensor's end (4)"));
    CHECK_THAT(message_of("{}", "x"), Catch::Contains("found 1 bytes after the last tensor's end (0)"));
    const io::format_error e =
        parse_failure(raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", four));
    CHECK_THAT(e.what(), Catch::EndsWith("tensor 'a': truncated: expected the data to reach byte 16 (this tensor's "
                                         "end), found 4 bytes of data"));
    CHECK(e.tensor() == std::optional<std::string>("a"));
}

TEST_CASE("safetensors: a key twice in one object is an error, not the last one winning") {
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                          four),
               Catch::EndsWith("tensor 'w': expected unique keys, found the key 'w' twice in one object (a tensor name "
                               "or __metadata__ repeated)"));
    CHECK_THAT(message_of(R"({"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}})", four),
               Catch::EndsWith("expected unique keys, found the key 'dtype' twice in one object"));
    CHECK_THAT(message_of(R"({"__metadata__":{"a":"1","a":"2"}})"), Catch::Contains("the key 'a' twice"));
    CHECK_THAT(message_of(R"({"__metadata__":{},"__metadata__":{}})"), Catch::Contains("twice"));
}

TEST_CASE("safetensors: a checksum not written as typegrad writes it is an error") {
    CHECK_THAT(message_of(R"({"__metadata__":{"typegrad.crc32":"1234"}})"),
               Catch::Contains("expected \"typegrad.crc32\" to be written \"typegrad.crc32\":\"<8 lowercase hex "
                               "digits>\" once, found the value '1234'"));
    CHECK_THAT(message_of(R"({"__metadata__":{"typegrad.crc32":"ABCDEF01"}})"), Catch::Contains("to be written"));
    CHECK_THAT(message_of(R"({"__metadata__":{"typegrad.crc32": "abcdef01"}})"), Catch::Contains("to be written"));
    CHECK_THAT(message_of(R"({"__metadata__":{"typegrad\u002ecrc32":"abcdef01"}})"), Catch::Contains("to be written"));
    CHECK_THAT(message_of(R"({"__metadata__":{"typegrad.crc32":"abcdef01"}})"),
               Catch::Contains("file corrupted: CRC-32 expected abcdef01 (typegrad.crc32), computed "));
}

TEST_CASE("safetensors: messages are printable and bounded whatever the names") {
    const std::string name = "nnn\\n\\u001b" + std::string(5000, 'n');  // JSON escapes of LF and ESC
    const std::string header = "{\"" + name + R"(\u0007":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}})";
    const std::string what = message_of(header, "xx");
    CHECK(what.size() <= 1024);
    CHECK(printable_ascii(what));
    CHECK_THAT(what, Catch::Contains("tensor 'nnn\\n\\x1bnnnn"));
    CHECK_THAT(what, Catch::Contains("...': expected dtype"));
    // Non-ASCII names are escaped, not passed to the terminal.
    CHECK_THAT(message_of("{\"caf\xc3\xa9\":[]}"), Catch::Contains("tensor 'caf\\xc3\\xa9'"));
    // A parse error's message, which quotes the input, too.
    CHECK(printable_ascii(message_of("{\"a\":\x01\x02\x1b[2J}")));
}

TEST_CASE("safetensors: load reports the file system's errors and the size limit") {
    const temp_dir dir("io_load");
    try {
        (void)io::tensor_file::load(dir / "missing.safetensors");
        FAIL("no error");
    } catch (const io::file_error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK_THAT(e.what(),
                   Catch::StartsWith("typegrad: load: cannot open '" + (dir / "missing.safetensors").string() +
                                     "': No such file or directory"));
        CHECK(e.file() == dir / "missing.safetensors");
    }
    try {
        (void)io::tensor_file::load(dir.path());
        FAIL("no error");
    } catch (const io::file_error& e) {
        CHECK(e.code().value() == EISDIR);
    }
    typegrad_test::write_bytes(dir / "big.safetensors", small_file());
    const std::string size = std::to_string(small_file().size());
    CHECK_THROWS_WITH(io::tensor_file::load(dir / "big.safetensors", {.max_bytes = 64}),
                      "typegrad: safetensors: " + (dir / "big.safetensors").string() +
                          ": expected a file of at most 64 bytes (load_options::max_bytes), found a file of " + size +
                          " bytes");
    CHECK_THROWS_WITH(io::tensor_file::parse(small_file(), "m", {.max_bytes = 64}), Catch::Contains("found " + size));
    CHECK_NOTHROW(io::tensor_file::load(dir / "big.safetensors", {.max_bytes = small_file().size()}));
}
