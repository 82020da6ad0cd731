#pragma once
// What the fuzzers check of one input, shared by the libFuzzer targets (safetensors_fuzz.cpp,
// csv_fuzz.cpp) and by tests/io/corpus_test.cpp, which replays the seed corpus through the same
// functions in the normal and sanitizer builds. A reader may accept or reject an input; anything
// else (another exception, a message that is not bounded and printable, an accepted file whose
// tensors cannot all be read back) aborts.

#include <typegrad/data/csv.hpp>
#include <typegrad/io/safetensors.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace typegrad_fuzz {

[[noreturn]] inline void fault(const char* what) {
    std::fprintf(stderr, "typegrad fuzz check failed: %s\n", what);
    std::abort();
}

inline void check_message(std::string_view what) {
    if (what.size() > 1024)
        fault("what() is longer than 1024 characters");
    for (const char c : what)
        if (c < 0x20 || c > 0x7e)
            fault("what() holds a byte that is not printable ASCII");
}

// Whether `bytes` is accepted by tensor_file::parse. An accepted file's every tensor reads in
// each dtype it converts to, and written again by tensor_writer it parses to the same tensors.
inline bool safetensors_input(std::span<const std::byte> bytes) {
    namespace io = typegrad::io;
    std::optional<io::tensor_file> parsed;
    try {
        parsed = io::tensor_file::parse(bytes, "<fuzz>");
    } catch (const io::format_error& e) {
        check_message(e.what());
        return false;
    }
    const io::tensor_file& f = *parsed;
    io::tensor_writer w;
    bool rewritable = true;
    for (const io::tensor_info& t : f.tensors()) {
        if (f.find(t.name) != &t)
            fault("find() does not return the tensor listed");
        if (t.type == io::dtype::i64) {
            const auto v = f.read_as<std::int64_t>(t.name);
            if (!t.name.empty())
                w.add(t.name, t.shape, std::span<const std::int64_t>(v));
        } else {
            const auto d = f.read_as<double>(t.name);
            const auto s = f.read_as<float>(t.name);
            if (d.size() != s.size() || d.size() != t.numel())
                fault("read_as<float> and read_as<double> disagree on the size");
            // Each written back from its own type: float -> double -> float would quiet a
            // signalling NaN and change its bytes.
            if (!t.name.empty() && t.type == io::dtype::f32)
                w.add(t.name, t.shape, std::span<const float>(s));
            else if (!t.name.empty())
                w.add(t.name, t.shape, std::span<const double>(d));
        }
        rewritable = rewritable && !t.name.empty();
    }
    for (const auto& [key, value] : f.metadata())
        if (key != io::checksum_key)
            w.metadata(key, value);
    if (rewritable) {
        const std::vector<std::byte> again = w.bytes();
        const io::tensor_file g = io::tensor_file::parse(again, "<rewritten>", {.require_checksum = true});
        if (g.tensors().size() != f.tensors().size())
            fault("the rewritten file has another number of tensors");
        for (const io::tensor_info& t : f.tensors()) {
            const io::tensor_info* u = g.find(t.name);
            if (u == nullptr || u->type != t.type || u->shape != t.shape || u->bytes.size() != t.bytes.size() ||
                !std::equal(t.bytes.begin(), t.bytes.end(), u->bytes.begin()))
                fault("the rewritten file holds another tensor");
        }
    }
    return true;
}

// Whether `text` is accepted by parse_csv, under options chosen by its first byte (target
// column or none, float or double, delimiter, non-finite values allowed).
inline bool csv_input(std::string_view text) {
    namespace data = typegrad::data;
    const unsigned char choice = text.empty() ? 0 : static_cast<unsigned char>(text.front());
    if (!text.empty())
        text.remove_prefix(1);
    data::csv_options options;
    if (choice & 1)
        options.target = std::nullopt;
    options.allow_nonfinite = (choice & 2) != 0;
    options.delimiter = (choice & 4) ? ';' : (choice & 8) ? '\t' : ',';
    try {
        if (choice & 16) {
            const auto d = data::parse_csv<double>(text, options, "<fuzz>");
            if (d.rows() == 0)
                fault("an accepted CSV text has no rows");
        } else {
            const auto d = data::parse_csv<float>(text, options, "<fuzz>");
            if (d.rows() == 0)
                fault("an accepted CSV text has no rows");
        }
    } catch (const data::csv_error& e) {
        check_message(e.what());
        return false;
    }
    return true;
}

}  // namespace typegrad_fuzz
