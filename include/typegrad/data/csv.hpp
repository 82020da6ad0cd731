#pragma once
// Reading a numeric CSV file with a header row into a dataset, with errors that name the file,
// the line, the field and the offending text. A file of its own: it is the only part of
// typegrad::data that touches the file system.

#include <typegrad/data/dataset.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace typegrad::data {

//! How read_csv interprets a file: which column is the target, whether NaN and infinities are
//! accepted, and the field delimiter.
struct csv_options {
    std::string target = "target";  // name of the target column, at any position in the header
    bool allow_nonfinite = false;   // accept "nan", "inf", "infinity" and values beyond T's range
    char delimiter = ',';
};

//! The error thrown by read_csv: where the file is wrong (file, 1-based line, 1-based field
//! index or 0 when the whole line or file is at fault) and what was expected there.
//!
//! `what()` reads `typegrad: read_csv: <file>:<line>:<column>: expected <what>, found '<text>'`, with `:<column>`
//! left out when column() is 0 and `:<line>` left out when line() is 0 (the file itself).
class csv_error : public std::runtime_error {
public:
    //! An error at `line` and `column` of `file` (0 for "not applicable"); `message` says what
    //! was expected and what was found.
    csv_error(const std::filesystem::path& file, std::size_t line, std::size_t column, const std::string& message)
        : std::runtime_error(location(file, line, column) + message),
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
    static std::string location(const std::filesystem::path& file, std::size_t line, std::size_t column) {
        std::string s = "typegrad: read_csv: " + file.string();
        if (line != 0)
            s += ':' + std::to_string(line);
        if (line != 0 && column != 0)
            s += ':' + std::to_string(column);
        return s + ": ";
    }

    // Shared, so that copying the exception cannot throw.
    std::shared_ptr<const std::filesystem::path> file_;
    std::size_t line_;
    std::size_t column_;
};

namespace detail {

// Offending text as shown in messages: quoted, and cut at 60 characters.
inline std::string quoted_excerpt(std::string_view text) {
    constexpr std::size_t limit = 60;
    if (text.size() > limit)
        return "'" + std::string(text.substr(0, limit)) + "...'";
    return "'" + std::string(text) + "'";
}

inline bool is_csv_space(char c, char delimiter) noexcept { return (c == ' ' || c == '\t') && c != delimiter; }

inline std::string_view trim_csv_spaces(std::string_view s, char delimiter) noexcept {
    while (!s.empty() && is_csv_space(s.front(), delimiter))
        s.remove_prefix(1);
    while (!s.empty() && is_csv_space(s.back(), delimiter))
        s.remove_suffix(1);
    return s;
}

inline bool is_blank_line(std::string_view line) noexcept {
    for (const char c : line)
        if (c != ' ' && c != '\t' && c != '\r')
            return false;
    return true;
}

// Splits one line (without its end-of-line characters) into fields, trimming spaces around
// each one. A field may be quoted ("a, b" or "say ""hi""") as in RFC 4180, but may not span
// lines. `fields` keeps its capacity from line to line.
inline void split_csv_line(std::string_view line, const std::filesystem::path& file, std::size_t line_number,
                           char delimiter, std::vector<std::string>& fields) {
    std::size_t used = 0;
    std::size_t i = 0;
    for (;;) {
        if (used == fields.size())
            fields.emplace_back();
        std::string& field = fields[used++];
        field.clear();
        while (i < line.size() && is_csv_space(line[i], delimiter))
            ++i;
        if (i < line.size() && line[i] == '"') {
            const std::size_t open = i++;
            for (;;) {
                if (i == line.size())
                    throw csv_error(file, line_number, used,
                                    "expected a closing quote '\"' before the end of the line, found " +
                                        quoted_excerpt(line.substr(open)));
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += line[i++];
            }
            while (i < line.size() && is_csv_space(line[i], delimiter))
                ++i;
            if (i < line.size() && line[i] != delimiter)
                throw csv_error(file, line_number, used,
                                std::string("expected the delimiter '") + delimiter +
                                    "' after a closing quote, found " + quoted_excerpt(line.substr(i)));
        } else {
            const std::size_t start = i;
            while (i < line.size() && line[i] != delimiter)
                ++i;
            field.assign(trim_csv_spaces(line.substr(start, i - start), delimiter));
        }
        if (i == line.size())
            break;
        ++i;  // the delimiter; a delimiter at the very end opens one more (empty) field
    }
    fields.resize(used);
}

// The value of a whole field, parsed as double with std::from_chars (general format; also
// "nan", "inf", "infinity" in any case) after one optional leading '+'.
enum class number_status { ok, not_a_number, out_of_range };

inline number_status parse_double(std::string_view text, double& value) noexcept {
    if (text.size() > 1 && text.front() == '+' && text[1] != '+' && text[1] != '-')
        text.remove_prefix(1);
    if (text.empty())
        return number_status::not_a_number;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range)
        return number_status::out_of_range;
    if (ec != std::errc() || ptr != end)
        return number_status::not_a_number;
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

inline std::string read_whole_file(const std::filesystem::path& file) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status))
        throw csv_error(file, 0, 0, "expected a CSV file, found nothing at this path");
    if (std::filesystem::is_directory(status))
        throw csv_error(file, 0, 0, "expected a CSV file, found a directory");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw csv_error(file, 0, 0, "expected a readable CSV file, found a file that cannot be opened for reading");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw csv_error(file, 0, 0, "expected a readable CSV file, found a read error part way through");
    return text;
}

}  // namespace detail

//! Reads a numeric CSV file whose first line names the columns: the column named
//! `options.target` (at any position) becomes the targets, every other column a feature, in
//! file order. Throws csv_error on any fault, naming file, line, field and offending text.
//!
//! Each field is parsed whole as a double with std::from_chars (surrounding spaces and one
//! leading '+' allowed, RFC 4180 quotes allowed) and then rounded to T, so a float written
//! with "%.9g" reads back exactly. Accepted: LF or CRLF line ends, a UTF-8 byte-order mark,
//! no final newline, empty lines at the end. Rejected: a missing, unreadable or empty file,
//! no data row, a target column that is absent or named twice, an empty line between rows,
//! a row with fewer or more fields than the header, a field that is not a number, and,
//! unless `options.allow_nonfinite`, NaN, infinities and values beyond the range of T.
template <class T = float>
[[nodiscard]] basic_dataset<T> read_csv(const std::filesystem::path& file, const csv_options& options = {}) {
    static_assert(std::is_floating_point_v<T>, "typegrad: read_csv<T>: T must be a floating-point type");
    const char delim = options.delimiter;
    const std::string text = detail::read_whole_file(file);

    std::vector<std::string_view> lines;
    {
        std::string_view rest = text;
        if (rest.starts_with("\xEF\xBB\xBF"))
            rest.remove_prefix(3);
        while (!rest.empty()) {
            const std::size_t nl = rest.find('\n');
            std::string_view line = rest.substr(0, nl);
            if (line.ends_with('\r'))
                line.remove_suffix(1);
            lines.push_back(line);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        while (!lines.empty() && detail::is_blank_line(lines.back()))
            lines.pop_back();
    }
    if (lines.empty())
        throw csv_error(file, 1, 0, "expected a header row naming the columns, found an empty file");
    if (detail::is_blank_line(lines.front()))
        throw csv_error(file, 1, 0, "expected a header row naming the columns, found an empty line");

    std::vector<std::string> fields;
    detail::split_csv_line(lines.front(), file, 1, delim, fields);
    const std::vector<std::string> header = fields;
    const std::size_t width = header.size();
    std::size_t target_col = width;
    for (std::size_t c = 0; c < width; ++c) {
        if (fields[c] != options.target)
            continue;
        if (target_col != width)
            throw csv_error(file, 1, c + 1,
                            "expected one column named '" + options.target + "', found a second one (fields " +
                                std::to_string(target_col + 1) + " and " + std::to_string(c + 1) + ")");
        target_col = c;
    }
    if (target_col == width) {
        std::string names;
        for (std::size_t c = 0; c < width; ++c)
            names += (c ? ", '" : "'") + fields[c] + "'";
        throw csv_error(
            file, 1, 0,
            "expected a column named '" + options.target + "' (csv_options::target), found the columns " + names);
    }

    basic_dataset<T> out;
    out.target_name = options.target;
    for (std::size_t c = 0; c < width; ++c)
        if (c != target_col)
            out.feature_names.push_back(fields[c]);
    if (lines.size() == 1)
        throw csv_error(file, 2, 0, "expected at least one data row after the header, found none");
    out.targets.reserve(lines.size() - 1);
    out.features.reserve((lines.size() - 1) * (width - 1));

    for (std::size_t l = 1; l < lines.size(); ++l) {
        const std::size_t line_number = l + 1;
        const std::string_view line = lines[l];
        if (detail::is_blank_line(line))
            throw csv_error(file, line_number, 0,
                            "expected a data row, found an empty line (empty lines are allowed only at the end)");
        detail::split_csv_line(line, file, line_number, delim, fields);
        if (fields.size() < width)
            throw csv_error(file, line_number, 0,
                            "expected " + std::to_string(width) + " fields as in the header, found " +
                                std::to_string(fields.size()) + " in " + detail::quoted_excerpt(line));
        if (fields.size() > width)
            throw csv_error(file, line_number, width + 1,
                            "expected " + std::to_string(width) + " fields as in the header, found " +
                                std::to_string(fields.size()) + "; the first extra field is " +
                                detail::quoted_excerpt(fields[width]));
        for (std::size_t c = 0; c < width; ++c) {
            const std::string_view field = detail::trim_csv_spaces(fields[c], delim);
            auto fail = [&](const std::string& expected, const char* hint = "") {
                throw csv_error(file, line_number, c + 1,
                                "expected " + expected + " in column '" + header[c] + "', found " +
                                    detail::quoted_excerpt(field) + (field.empty() ? " (an empty field)" : "") + hint);
            };
            double value = 0.0;
            switch (detail::parse_double(field, value)) {
                case detail::number_status::ok:
                    break;
                case detail::number_status::not_a_number:
                    fail("a number");
                    break;
                case detail::number_status::out_of_range:
                    fail("a number within the range of double");
                    break;
            }
            if (!options.allow_nonfinite) {
                if (!std::isfinite(value))
                    fail("a finite number", " (set csv_options::allow_nonfinite to accept NaN and infinity)");
                if (detail::overflows<T>(value))
                    fail(std::string("a number within the range of ") + detail::type_name<T>());
            }
            const T x = detail::overflows<T>(value)
                            ? (value > 0 ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity())
                            : static_cast<T>(value);
            if (c == target_col)
                out.targets.push_back(x);
            else
                out.features.push_back(x);
        }
    }
    return out;
}

}  // namespace typegrad::data
