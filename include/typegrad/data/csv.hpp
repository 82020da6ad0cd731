#pragma once
// Reading a numeric CSV file with a header row into a dataset, with errors that name the file,
// the line, the field and the offending text. A file of its own: it is the only part of
// typegrad::data that touches the file system.

#include <typegrad/core/error.hpp>
#include <typegrad/core/result.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/excerpt.hpp>
#include <typegrad/detail/text.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::data {

//! How read_csv interprets a file: which column is the target (if any), whether NaN and
//! infinities are accepted, the field delimiter and the largest file read.
struct csv_options {
    //! The name of the target column, at any position in the header; std::nullopt for a file
    //! without targets (data to predict on), whose every column is a feature.
    std::optional<std::string> target = "target";
    //! Accept "nan", "inf", "infinity", and values beyond the range of T as infinities.
    bool allow_nonfinite = false;
    //! The field delimiter: any character but '"', a line feed and a carriage return.
    char delimiter = ',';
    //! The largest file read, in bytes (1 GiB by default); 0 for no limit but memory. A larger
    //! file, or a device or pipe that sends more, is a csv_error.
    std::size_t max_bytes = std::size_t{1} << 30;
};

namespace detail {

// Messages quote text from files that may hold anything: detail/excerpt.hpp bounds their size
// and keeps them printable ASCII.
using typegrad::detail::escaped_prefix;
using typegrad::detail::quoted_excerpt;
inline constexpr std::size_t listed_columns = 10;  // names listed when the target is missing

// The whole what(): the file name (its last 200 characters), the place, the message, escaped
// and cut at 1024 characters in all.
[[gnu::cold]] inline std::string csv_what(const std::filesystem::path& file, std::size_t line, std::size_t column,
                                          std::string_view message) {
    std::string s = "typegrad: read_csv: " + typegrad::detail::path_excerpt(file);
    if (line != 0)
        s += ':' + std::to_string(line);
    if (line != 0 && column != 0)
        s += ':' + std::to_string(column);
    s += ": ";
    return typegrad::detail::bounded_what(std::move(s), message);
}

}  // namespace detail

//! The error of read_csv (thrown, or returned by try_read_csv): where the file is wrong (file, 1-based line, 1-based
//! field index or 0 when the whole line or file is at fault) and what was expected there.
//!
//! `what()` reads ``typegrad: read_csv: <file>:<line>:<column>: expected <what>, found '<text>'``,
//! with `:<column>` left out when column() is 0 and `:<line>` left out when line() is 0 (the
//! file itself). It is printable ASCII of at most 1024 characters: control and non-ASCII bytes
//! are escaped, quoted text is cut at 60 characters and the file name at its last 200.
class csv_error : public std::runtime_error {
public:
    //! An error at `line` and `column` of `file` (0 for "not applicable"); `message` says what
    //! was expected and what was found.
    [[gnu::cold, gnu::noinline]] csv_error(const std::filesystem::path& file, std::size_t line, std::size_t column,
                                           const std::string& message)
        : std::runtime_error(detail::csv_what(file, line, column, message)),
          file_(std::make_shared<const std::filesystem::path>(file)),
          line_(line),
          column_(column) {}

    //! The file being read, as passed to read_csv.
    const std::filesystem::path& file() const noexcept { return *file_; }
    //! The 1-based line of the fault, or 0 when the file as a whole is at fault.
    std::size_t line() const noexcept { return line_; }
    //! The 1-based index of the offending field in its line, or 0 when no single field is at fault.
    std::size_t column() const noexcept { return column_; }

private:
    // Shared, so that copying the exception cannot throw.
    std::shared_ptr<const std::filesystem::path> file_;
    std::size_t line_;
    std::size_t column_;
};

namespace detail {

// A csv_error built out of line: the reader's failure paths need not be optimised with it.
[[gnu::cold, gnu::noinline]] inline csv_error csv_fail(const std::filesystem::path& file, std::size_t line,
                                                       std::size_t column, const std::string& message) {
    return csv_error(file, line, column, message);
}

inline bool is_csv_space(char c, char delimiter) noexcept { return (c == ' ' || c == '\t') && c != delimiter; }

inline std::string_view trim_csv_spaces(std::string_view s, char delimiter) noexcept {
    while (!s.empty() && is_csv_space(s.front(), delimiter))
        s.remove_prefix(1);
    while (!s.empty() && is_csv_space(s.back(), delimiter))
        s.remove_suffix(1);
    return s;
}

// Also true of a run of several lines, so it tells whether the rest of a file is blank.
inline bool is_blank_line(std::string_view line) noexcept {
    for (const char c : line)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    return true;
}

// The lines of a file one at a time, without their LF or CRLF, so that no index of all lines
// is kept in memory.
struct csv_lines {
    std::string_view rest;
    std::size_t number = 0;  // of the line last returned

    bool next(std::string_view& line) noexcept {
        if (rest.empty())
            return false;
        const std::size_t nl = rest.find('\n');
        line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        ++number;
        return true;
    }
};

[[gnu::cold, gnu::noinline]] inline csv_error lone_cr_error(const std::filesystem::path& file, std::size_t line_number,
                                                            std::size_t column, std::string_view from) {
    return csv_error(file, line_number, column,
                     "expected LF or CRLF line ends, found a carriage return not followed by a line feed in " +
                         quoted_excerpt(from));
}

// Splits one line (without its line end) into fields in one pass, trimming spaces around each
// one, and returns the number of fields. A field may be quoted ("a, b" or "say ""hi""") as in
// RFC 4180, but cannot span lines. Only the first `keep` fields are stored in `fields`, as views
// of `line` or of `unquoted`, which holds the text of quoted fields and is reserved to the size
// of the line first, so that it never moves while views of it exist. A malformed line is the
// csv_error returned.
inline result<std::size_t, csv_error> split_csv_line(std::string_view line, const std::filesystem::path& file,
                                                     std::size_t line_number, char delimiter, std::size_t keep,
                                                     std::vector<std::string_view>& fields, std::string& unquoted) {
    fields.clear();
    unquoted.clear();
    unquoted.reserve(line.size());
    std::size_t count = 0;
    std::size_t i = 0;
    for (;;) {
        ++count;
        while (i < line.size() && is_csv_space(line[i], delimiter))
            ++i;
        const std::size_t start = i;
        std::string_view field;
        if (i < line.size() && line[i] == '"') {
            const std::size_t first = unquoted.size();
            ++i;
            for (;;) {
                if (i == line.size())
                    return csv_fail(
                        file, line_number, count,
                        typegrad::detail::cat({"expected a closing quote '\"' before the end of the line, found ",
                                               quoted_excerpt(line.substr(start))}));
                const char c = line[i];
                if (c == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        unquoted += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (c == '\r')
                    return lone_cr_error(file, line_number, count, line.substr(start));
                unquoted += c;
                ++i;
            }
            field = std::string_view(unquoted).substr(first);
            while (i < line.size() && is_csv_space(line[i], delimiter))
                ++i;
            if (i < line.size() && line[i] == '\r')
                return lone_cr_error(file, line_number, count, line.substr(start));
            if (i < line.size() && line[i] != delimiter)
                return csv_fail(
                    file, line_number, count,
                    typegrad::detail::cat({"expected the delimiter ", quoted_excerpt(std::string_view(&delimiter, 1)),
                                           " after a closing quote, found ", quoted_excerpt(line.substr(i))}));
        } else {
            while (i < line.size() && line[i] != delimiter) {
                if (line[i] == '\r')
                    return lone_cr_error(file, line_number, count, line.substr(start));
                ++i;
            }
            field = trim_csv_spaces(line.substr(start, i - start), delimiter);
        }
        if (count <= keep)
            fields.push_back(field);
        if (i == line.size())
            return count;
        ++i;  // the delimiter; a delimiter at the very end opens one more (empty) field
    }
}

enum class number_status { ok, not_a_number, overflow };

// For a number std::from_chars found out of range: whether it is too large for double (else
// too small). Such a number is beyond 1e308 or below 1e-323, so the decimal exponent of its
// first nonzero digit decides; the exponent saturates so that no digit count overflows.
[[gnu::cold]] inline bool is_beyond_double(std::string_view text) noexcept {
    constexpr long long saturated = 1'000'000'000'000'000LL;
    std::size_t i = text.empty() || text.front() != '-' ? 0 : 1;
    long long magnitude = 0;  // decimal exponent of the first nonzero digit
    bool nonzero = false;
    bool fraction = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') {
            fraction = true;
        } else if (c >= '0' && c <= '9') {
            if (!nonzero && c != '0') {
                nonzero = true;
                magnitude = fraction ? magnitude - 1 : 0;
            } else if (nonzero && !fraction) {
                magnitude = std::min(magnitude + 1, saturated);
            } else if (!nonzero && fraction) {
                magnitude = std::max(magnitude - 1, -saturated);
            }
        } else {
            break;
        }
    }
    long long exponent = 0;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        const bool negative = i < text.size() && text[i] == '-';
        if (i < text.size() && (text[i] == '-' || text[i] == '+'))
            ++i;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
            exponent = std::min(exponent * 10 + (text[i] - '0'), saturated);
        if (negative)
            exponent = -exponent;
    }
    return magnitude + exponent > 0;
}

// The value of a whole field, parsed as double with std::from_chars (general format; also
// "nan", "inf", "infinity" in any case) after one optional leading '+', correctly rounded as
// by strtod: a number too small for double is a zero of its sign (status ok), one too large an
// infinity of its sign (status overflow).
inline number_status parse_double(std::string_view text, double& value) noexcept {
    if (text.size() > 1 && text.front() == '+' && text[1] != '+' && text[1] != '-')
        text.remove_prefix(1);
    if (text.empty())
        return number_status::not_a_number;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
    if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range))
        return number_status::not_a_number;
    if (ec == std::errc::result_out_of_range) {
        // libstdc++ leaves `value` unchanged; only a zero or an infinity is out of range.
        const bool huge = is_beyond_double(text);
        value = huge ? std::numeric_limits<double>::infinity() : 0.0;
        if (text.front() == '-')
            value = -value;
        return huge ? number_status::overflow : number_status::ok;
    }
    return number_status::ok;
}

template <class T>
constexpr const char* type_name() noexcept {
    if constexpr (std::is_same_v<T, float>)
        return "float";
    else if constexpr (std::is_same_v<T, double>)
        return "double";
    else
        return "long double";
}

// Whether a finite double rounds to an infinity in T: |value| >= max + ulp(max) / 2, the
// midpoint between T's largest value and the next power of two (ties round to infinity, the
// even neighbour). "3.40282347e+38", which is FLT_MAX written with "%.9g", is in range.
template <class T>
bool overflows(double value) noexcept {
    using lim = std::numeric_limits<T>;
    if constexpr (lim::max_exponent >= std::numeric_limits<double>::max_exponent) {
        return false;
    } else {
        const double limit = std::ldexp(2.0 - std::ldexp(1.0, -lim::digits), lim::max_exponent - 1);
        return std::isfinite(value) && std::fabs(value) >= limit;
    }
}

[[gnu::cold, gnu::noinline]] inline csv_error csv_too_large(const std::filesystem::path& file, std::size_t limit,
                                                            std::string_view found) {
    return csv_error(file, 0, 0,
                     typegrad::detail::cat({"expected a CSV file of at most ", typegrad::detail::decimal(limit),
                                            " bytes (csv_options::max_bytes), found ", found}));
}

// The bytes of the file, read in chunks so that a file beyond `max_bytes` (0: no limit), or a
// device that never ends such as /dev/zero, is an error rather than an exhausted memory.
inline result<std::string, csv_error> read_csv_bytes(const std::filesystem::path& file, std::size_t max_bytes) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (status.type() == std::filesystem::file_type::not_found)
        return csv_error(file, 0, 0, "expected a CSV file, found nothing at this path");
    if (ec)
        return csv_fail(file, 0, 0,
                        typegrad::detail::cat({"expected a readable CSV file, found a path that cannot be examined (",
                                               ec.message(), ")"}));
    if (std::filesystem::is_directory(status))
        return csv_error(file, 0, 0, "expected a CSV file, found a directory");
    const std::size_t limit = max_bytes == 0 ? std::numeric_limits<std::size_t>::max() : max_bytes;
    const bool regular = std::filesystem::is_regular_file(status);
    const auto too_large = [&](std::string_view found) { return csv_too_large(file, limit, found); };
    std::string text;
    if (regular) {
        const std::uintmax_t size = std::filesystem::file_size(file, ec);
        if (!ec && size > limit)
            return too_large(typegrad::detail::cat({"a file of ", typegrad::detail::decimal(size), " bytes"}));
        if (!ec)
            text.reserve(static_cast<std::size_t>(size));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return csv_error(file, 0, 0, "expected a readable CSV file, found a file that cannot be opened for reading");
    constexpr std::size_t chunk = std::size_t{1} << 16;
    while (in) {
        const std::size_t old = text.size();
        const std::size_t room = limit - old;
        const std::size_t want = room < chunk ? room + 1 : chunk;  // one byte beyond the limit tells
        text.resize(old + want);
        in.read(text.data() + old, static_cast<std::streamsize>(want));
        text.resize(old + static_cast<std::size_t>(in.gcount()));
        if (text.size() > limit)
            return too_large(regular ? "more (the file grew while being read)"
                                     : "more (a device or pipe that had not ended after that many bytes)");
    }
    if (in.bad())
        return csv_error(file, 0, 0, "expected a readable CSV file, found a read error part way through");
    return text;
}

// ASCII only, byte by byte: the locale must not change which name is suggested.
[[gnu::cold]] inline bool same_letters(std::string_view a, std::string_view b) noexcept {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

// Whether `a` becomes `b` by changing the case of letters and at most one edit: one character
// replaced, inserted, removed, or two neighbours swapped. Linear in the sizes, so that the
// search for a suggestion over every column stays linear in the header.
[[gnu::cold]] inline bool one_edit_apart(std::string_view a, std::string_view b) noexcept {
    if (a.size() > b.size())
        std::swap(a, b);
    if (b.size() - a.size() > 1)
        return false;
    std::size_t i = 0;
    while (i < a.size() && same_letters(a.substr(i, 1), b.substr(i, 1)))
        ++i;
    if (i == a.size())
        return true;
    if (a.size() < b.size())
        return same_letters(a.substr(i), b.substr(i + 1));
    if (same_letters(a.substr(i + 1), b.substr(i + 1)))
        return true;
    return i + 1 < a.size() && same_letters(a.substr(i, 1), b.substr(i + 1, 1)) &&
           same_letters(a.substr(i + 1, 1), b.substr(i, 1)) && same_letters(a.substr(i + 2), b.substr(i + 2));
}

// The message for a missing target column: the first ten names and a count of the others,
// and the closest name (same letters, or one edit away from a name of 4 or more characters).
[[gnu::cold, gnu::noinline]] inline std::string missing_target_message(std::string_view target,
                                                                       const std::vector<std::string>& names) {
    std::string s = "expected a column named " + quoted_excerpt(target) + " (csv_options::target), found the columns ";
    for (std::size_t c = 0; c < names.size() && c < listed_columns; ++c)
        s += (c ? ", " : "") + quoted_excerpt(names[c]);
    if (names.size() > listed_columns)
        s += " and " + std::to_string(names.size() - listed_columns) + " more";
    const std::string* close = nullptr;
    for (const std::string& name : names) {
        if (same_letters(name, target)) {
            close = &name;
            break;
        }
        if (close == nullptr && target.size() >= 4 && one_edit_apart(name, target))
            close = &name;
    }
    if (close != nullptr)
        s += "; did you mean " + quoted_excerpt(*close) + "?";
    return s;
}

// Saturates: a hostile width times a row count must not wrap around to a small bound.
inline std::size_t saturated_product(std::size_t a, std::size_t b) noexcept {
    return b != 0 && a > std::numeric_limits<std::size_t>::max() / b ? std::numeric_limits<std::size_t>::max() : a * b;
}

}  // namespace detail

namespace detail {

// Out of line and cold: inlined into read_csv, GCC 12 reports a false -Warray-bounds inside the
// message's std::string concatenation (and it costs compile time in every program that reads a CSV).
[[noreturn, gnu::cold, gnu::noinline]] inline void fail_delimiter(const char* function, char delim) {
    typegrad::detail::raise(std::invalid_argument(std::string("typegrad: ") + function +
                                                  ": expected csv_options::delimiter to be a character other than "
                                                  "'\"', '\\n' and '\\r', found " +
                                                  quoted_excerpt(std::string_view(&delim, 1))));
}
inline void check_delimiter(const char* function, char delim) {
    if (delim == '"' || delim == '\n' || delim == '\r')
        fail_delimiter(function, delim);
}

// The reader's errors, built out of line: the reader is a template, compiled for each T a program
// reads, and its failure paths need not be optimised with it.
[[gnu::cold, gnu::noinline]] inline csv_error csv_field_fail(const std::filesystem::path& file, std::size_t line,
                                                             std::size_t column, std::string_view name,
                                                             std::string_view field, std::string_view expected,
                                                             std::string_view hint = "") {
    using typegrad::detail::cat;
    return csv_error(file, line, column,
                     cat({"expected ", expected, " in column ", quoted_excerpt(name), ", found ", quoted_excerpt(field),
                          field.empty() ? " (an empty field)" : "", hint}));
}
[[gnu::cold, gnu::noinline]] inline csv_error csv_width_fail(const std::filesystem::path& file, std::size_t line,
                                                             std::size_t width, std::size_t found,
                                                             std::string_view text) {
    using typegrad::detail::cat;
    using typegrad::detail::decimal;
    if (found < width)
        return csv_error(file, line, 0,
                         cat({"expected ", decimal(width), " fields as in the header, found ", decimal(found), " in ",
                              quoted_excerpt(text)}));
    return csv_error(file, line, width + 1,
                     cat({"expected ", decimal(width), " fields as in the header, found ", decimal(found),
                          "; the first extra field is ", quoted_excerpt(text)}));
}
[[gnu::cold, gnu::noinline]] inline csv_error csv_name_fail(const std::filesystem::path& file, std::size_t column,
                                                            std::size_t width, std::string_view name,
                                                            std::size_t first) {
    using typegrad::detail::cat;
    using typegrad::detail::decimal;
    if (name.empty())
        return csv_error(file, 1, column,
                         cat({"expected a column name, found an empty field",
                              column == width && width > 1 ? " (the header ends with the delimiter)" : ""}));
    return csv_error(file, 1, column,
                     cat({"expected one column named ", quoted_excerpt(name), ", found a second one (fields ",
                          decimal(first + 1), " and ", decimal(column), ")"}));
}

// The first column called `name`, or names.size(): a loop, which instantiates nothing.
inline std::size_t column_named(const std::vector<std::string>& names, std::string_view name) {
    std::size_t c = 0;
    while (c < names.size() && names[c] != name)
        ++c;
    return c;
}

// The reader proper, shared by read_csv and parse_csv: `file` only names the text in messages.
template <class T>
result<basic_dataset<T>, csv_error> parse_csv_text(std::string_view text, const std::filesystem::path& file,
                                                   const csv_options& options) {
    const char delim = options.delimiter;
    csv_lines lines{text};
    if (lines.rest.starts_with("\xEF\xBB\xBF"))
        lines.rest.remove_prefix(3);
    std::string_view line;
    if (!lines.next(line) || (is_blank_line(line) && is_blank_line(lines.rest)))
        return csv_fail(file, 1, 0, "expected a header row naming the columns, found an empty file");
    if (is_blank_line(line))
        return csv_fail(file, 1, 0, "expected a header row naming the columns, found an empty line");

    std::vector<std::string_view> fields;
    std::string unquoted;
    const auto header = split_csv_line(line, file, 1, delim, std::numeric_limits<std::size_t>::max(), fields, unquoted);
    if (!header)
        return header.error();
    const std::size_t width = *header;
    std::vector<std::string> names(fields.begin(), fields.end());
    std::size_t target_col = width;
    {
        // The first fault in column order: an empty name, or a name an earlier column has.
        const std::size_t empty = column_named(names, "");
        const auto [first, repeat] = first_repeated_name(names);
        if (empty < repeat)
            return csv_name_fail(file, empty + 1, width, names[empty], 0);
        if (repeat != width)
            return csv_name_fail(file, repeat + 1, width, names[repeat], first);
        if (options.target) {
            target_col = column_named(names, *options.target);
            if (target_col == width)
                return csv_fail(file, 1, 0, missing_target_message(*options.target, names));
        }
    }
    const std::size_t feature_cols = target_col == width ? width : width - 1;

    // An upper bound of the data rows, and of the values (each takes at least two bytes), so
    // that the reservation never exceeds what the file can hold.
    const std::size_t max_rows = static_cast<std::size_t>(std::count(lines.rest.begin(), lines.rest.end(), '\n')) + 1;
    std::vector<T> features;
    std::vector<T> targets;
    features.reserve(std::min(saturated_product(max_rows, feature_cols), text.size() / 2 + 1));
    if (target_col != width)
        targets.reserve(max_rows);

    std::size_t rows = 0;
    std::size_t blank_line = 0;  // the first empty line after the header: an error if a row follows
    while (lines.next(line)) {
        const std::size_t line_number = lines.number;
        if (is_blank_line(line)) {
            if (blank_line == 0)
                blank_line = line_number;
            continue;
        }
        if (blank_line != 0)
            return csv_fail(file, blank_line, 0,
                            "expected a data row, found an empty line (empty lines are allowed only at the end)");
        const auto split = split_csv_line(line, file, line_number, delim, width + 1, fields, unquoted);
        if (!split)
            return split.error();
        const std::size_t found = *split;
        if (found != width)
            return csv_width_fail(file, line_number, width, found, found < width ? line : fields[width]);
        for (std::size_t c = 0; c < width; ++c) {
            const std::string_view field = trim_csv_spaces(fields[c], delim);
            const auto fail = [&](std::string_view expected, std::string_view hint = "") {
                return csv_field_fail(file, line_number, c + 1, names[c], field, expected, hint);
            };
            double value = 0.0;
            const number_status status = parse_double(field, value);
            if (status == number_status::not_a_number)
                return fail("a number");
            if (!options.allow_nonfinite) {
                if (status == number_status::overflow)
                    return fail("a number within the range of double");
                if (!std::isfinite(value))
                    return fail("a finite number", " (set csv_options::allow_nonfinite to accept NaN and infinity)");
                if (overflows<T>(value))
                    return fail(typegrad::detail::cat({"a number within the range of ", type_name<T>()}));
            }
            const T x = overflows<T>(value)
                            ? (value > 0 ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity())
                            : static_cast<T>(value);
            if (c == target_col)
                targets.push_back(x);
            else
                features.push_back(x);
        }
        ++rows;
    }
    if (rows == 0)
        return csv_fail(file, 2, 0, "expected at least one data row after the header, found none");

    std::string target_name;
    if (target_col != width) {
        target_name = std::move(names[target_col]);
        names.erase(names.begin() + static_cast<std::ptrdiff_t>(target_col));
    }
    // The one place that builds the result, from the columns' names and values read above.
    if (target_col == width)
        return basic_dataset<T>(std::move(names), std::move(features));
    return basic_dataset<T>(std::move(names), std::move(target_name), std::move(features), std::move(targets));
}

template <class T>
result<basic_dataset<T>, csv_error> read_csv_file(const char* function, const std::filesystem::path& file,
                                                  const csv_options& options) {
    check_delimiter(function, options.delimiter);
    const auto text = read_csv_bytes(file, options.max_bytes);
    if (!text)
        return text.error();
    return parse_csv_text<T>(*text, file, options);
}

template <class T>
result<basic_dataset<T>, csv_error> parse_csv_checked(const char* function, std::string_view text,
                                                      const csv_options& options, const std::filesystem::path& name) {
    check_delimiter(function, options.delimiter);
    if (options.max_bytes != 0 && text.size() > options.max_bytes)
        return csv_error(name, 0, 0,
                         "expected a CSV text of at most " + std::to_string(options.max_bytes) +
                             " bytes (csv_options::max_bytes), found " + std::to_string(text.size()) + " bytes");
    return parse_csv_text<T>(text, name, options);
}

}  // namespace detail

//! Reads a numeric CSV file whose first line names the columns: the column named
//! `*options.target` (at any position) becomes the targets, every other column a feature, in
//! file order; with `options.target == std::nullopt` every column is a feature and the dataset
//! has no targets and an empty target_name. Raises csv_error on any fault, naming file, line,
//! field and offending text (try_read_csv returns it instead).
//!
//! Each field is parsed whole as a double with std::from_chars (surrounding spaces and one
//! leading '+' allowed, RFC 4180 quotes allowed) and then rounded to T, so a float written
//! with "%.9g" reads back exactly; a number too small for double is a zero of its sign, as with
//! strtod. Accepted: LF or CRLF line ends (also mixed), a UTF-8 byte-order mark, no final
//! newline, empty lines at the end. Rejected: a missing, unreadable or empty file, a directory,
//! a file beyond `options.max_bytes`, no data row, an empty or repeated column name, a missing
//! target column, an empty line between rows, a carriage return not followed by a line feed, a
//! row with fewer or more fields than the header, a field that is not a number, and, unless
//! `options.allow_nonfinite`, NaN, infinities and values beyond the range of T or of double.
//! Time and memory are linear in the size of the file.
template <class T = float>
[[nodiscard]] basic_dataset<T> read_csv(const std::filesystem::path& file, const csv_options& options = {}) {
    static_assert(std::is_floating_point_v<T>, "typegrad: read_csv<T>: T must be a floating-point type");
    return detail::read_csv_file<T>("read_csv", file, options).value();
}

//! read_csv that returns the csv_error instead of raising it, in a build with or without
//! exceptions: a file a program may get wrong is not a reason to stop it. An invalid
//! `options.delimiter` is still raised (std::invalid_argument): it is the program's fault.
//!
//! ```cpp
//! const auto r = tg::data::try_read_csv("data.csv");
//! if (!r)
//!     std::printf("%s (line %zu)\n", r.error().what(), r.error().line());
//! ```
template <class T = float>
[[nodiscard]] result<basic_dataset<T>, csv_error> try_read_csv(const std::filesystem::path& file,
                                                               const csv_options& options = {}) {
    static_assert(std::is_floating_point_v<T>, "typegrad: try_read_csv<T>: T must be a floating-point type");
    return detail::read_csv_file<T>("try_read_csv", file, options);
}

//! read_csv on text already in memory (a string received, an embedded table, a fuzzer's
//! input): the same rules and the same csv_error, whose file() is `name`, which only names the
//! text in messages. Text beyond `options.max_bytes` is a csv_error at line 0, as a file is.
template <class T = float>
[[nodiscard]] basic_dataset<T> parse_csv(std::string_view text, const csv_options& options = {},
                                         const std::filesystem::path& name = "<memory>") {
    static_assert(std::is_floating_point_v<T>, "typegrad: parse_csv<T>: T must be a floating-point type");
    return detail::parse_csv_checked<T>("parse_csv", text, options, name).value();
}

//! parse_csv that returns the csv_error instead of raising it, as try_read_csv.
template <class T = float>
[[nodiscard]] result<basic_dataset<T>, csv_error> try_parse_csv(std::string_view text, const csv_options& options = {},
                                                                const std::filesystem::path& name = "<memory>") {
    static_assert(std::is_floating_point_v<T>, "typegrad: try_parse_csv<T>: T must be a floating-point type");
    return detail::parse_csv_checked<T>("try_parse_csv", text, options, name);
}

}  // namespace TYPEGRAD_NS::data
