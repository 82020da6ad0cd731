#pragma once
// Quoting text from files in error messages: bounded in size and printable ASCII, so that a
// hostile file cannot flood a log or move a terminal's cursor. A file of its own because every
// reader of files (data/csv.hpp, io/safetensors.hpp) builds its messages the same way. Everything
// here runs on a failure only: cold, so compilers optimise it for size and spend little time on it.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::detail {

inline constexpr std::size_t excerpt_limit = 60;    // characters of one quoted field or name
inline constexpr std::size_t path_limit = 200;      // characters of the file name
inline constexpr std::size_t message_limit = 1024;  // characters of a whole what()

[[gnu::cold]] inline std::size_t escaped_size(unsigned char c, bool escape_backslash) noexcept {
    if (c == '\r' || c == '\n' || c == '\t' || (c == '\\' && escape_backslash))
        return 2;
    return c < 0x20 || c >= 0x7f ? 4 : 1;
}

// \r, \n, \t, \\ (if asked) and \xNN for other control and non-ASCII bytes.
[[gnu::cold]] inline void append_escaped(std::string& out, unsigned char c, bool escape_backslash) {
    constexpr const char* hex = "0123456789abcdef";
    if (c == '\r')
        out += "\\r";
    else if (c == '\n')
        out += "\\n";
    else if (c == '\t')
        out += "\\t";
    else if (c == '\\' && escape_backslash)
        out += "\\\\";
    else if (c < 0x20 || c >= 0x7f)
        out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
    else
        out += static_cast<char>(c);
}

// The longest escaped prefix of `text` of at most `limit` characters; `cut` says whether it is
// shorter than the whole text.
[[gnu::cold]] inline std::string escaped_prefix(std::string_view text, std::size_t limit, bool escape_backslash,
                                                bool& cut) {
    std::string out;
    std::size_t used = 0;
    std::size_t i = 0;
    for (; i < text.size(); ++i) {
        const std::size_t n = escaped_size(static_cast<unsigned char>(text[i]), escape_backslash);
        if (used + n > limit)
            break;
        used += n;
    }
    out.reserve(used);
    for (std::size_t j = 0; j < i; ++j)
        append_escaped(out, static_cast<unsigned char>(text[j]), escape_backslash);
    cut = i < text.size();
    return out;
}

// Offending text as shown in messages: quoted, escaped and cut at 60 characters.
[[gnu::cold]] inline std::string quoted_excerpt(std::string_view text) {
    bool cut = false;
    std::string body = escaped_prefix(text, excerpt_limit, true, cut);
    return "'" + body + (cut ? "...'" : "'");
}

// A file name as shown in messages: escaped (backslashes kept) and cut to its last 200
// characters, the cut marked by a leading "...".
[[gnu::cold]] inline std::string path_excerpt(const std::filesystem::path& file) {
    const std::string name = file.string();
    std::size_t first = name.size();
    for (std::size_t used = 0; first > 0;) {
        const std::size_t n = escaped_size(static_cast<unsigned char>(name[first - 1]), false);
        if (used + n > path_limit - 3)
            break;
        used += n;
        --first;
    }
    std::string s = first > 0 ? "..." : "";
    for (std::size_t i = first; i < name.size(); ++i)
        append_escaped(s, static_cast<unsigned char>(name[i]), false);
    return s;
}

// `head` followed by `message`, escaped and cut so that the whole is at most 1024 characters.
[[gnu::cold]] inline std::string bounded_what(std::string head, std::string_view message) {
    bool cut = false;
    head += escaped_prefix(message, message_limit - 3 - head.size(), false, cut);
    if (cut)
        head += "...";
    return head;
}

}  // namespace TYPEGRAD_NS::detail
