#pragma once
// Tensors in the safetensors format (https://github.com/huggingface/safetensors), the files that
// typegrad's checkpoints use and that PyTorch reads and writes with `safetensors.torch`: a
// writer that saves atomically with a CRC-32 in the header, and a reader that checks every byte
// of a file before it returns. A file of its own because it is the one part of typegrad that
// parses JSON (nlohmann-json) and writes files.
//
// The layout: 8 bytes, the header length N as a little-endian u64; N bytes of UTF-8 JSON, an
// object `name -> {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}` with an
// optional `"__metadata__": {string: string}`, padded with spaces; then the data, each tensor's
// elements little-endian in row-major order, at [begin, end) counted from the first byte after
// the header. The tensors cover the data exactly: no hole, no overlap, no byte after the last.
//
// The checksum. tensor_writer stores in `__metadata__` the key "typegrad.crc32" whose value is
// 8 lowercase hexadecimal digits: the CRC-32 of zlib (Python's zlib.crc32, boost::crc_32_type) of
// the whole file, computed with those 8 digits written as "00000000". The header holds the
// bytes `"typegrad.crc32":"` followed by the digits and `"` exactly once (no space, no escape):
// to check a file, replace the digits of that one occurrence by "00000000", compute the CRC-32
// of all the file's bytes and compare. docs/interop.md has the same rule in Python.
//
// POSIX only (open, fsync, rename).

#include <typegrad/core/error.hpp>
#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/excerpt.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <bit>
#include <boost/crc.hpp>
#include <cerrno>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

namespace TYPEGRAD_NS::io {

namespace detail {
using typegrad::detail::bounded_what;
using typegrad::detail::path_excerpt;
using typegrad::detail::quoted_excerpt;
}  // namespace detail

//! The element types typegrad reads and writes, spelled "F32", "F64" and "I64" in a file
//! (torch.float32, torch.float64, torch.int64). A file with any other dtype (F16, BF16, I32,
//! BOOL, ...) is a format_error when it is loaded, naming the tensor and its dtype.
enum class dtype : std::uint8_t { f32, f64, i64 };

//! The C++ element types of the three dtypes: float, double and std::int64_t.
template <class T>
concept Element = std::same_as<T, float> || std::same_as<T, double> || std::same_as<T, std::int64_t>;

//! The dtype's name in a file: "F32", "F64" or "I64".
constexpr std::string_view dtype_name(dtype t) noexcept {
    return t == dtype::f32 ? "F32" : t == dtype::f64 ? "F64" : "I64";
}

//! The bytes of one element: 4 for F32, 8 for F64 and I64.
constexpr std::size_t dtype_size(dtype t) noexcept { return t == dtype::f32 ? 4 : 8; }

//! The dtype of an element type: float -> f32, double -> f64, std::int64_t -> i64.
template <Element T>
inline constexpr dtype dtype_of = std::same_as<T, float>    ? dtype::f32
                                  : std::same_as<T, double> ? dtype::f64
                                                            : dtype::i64;

//! The metadata key of the checksum (see the top of this header).
inline constexpr std::string_view checksum_key = "typegrad.crc32";

//! A file that is not a valid safetensors file, or not what the reader asked for (a missing
//! tensor, another shape, a dtype that does not convert).
//!
//! `what()` reads ``typegrad: safetensors: <file>[: byte <offset>][: tensor '<name>']: <message>``,
//! printable ASCII of at most 1024 characters: control and non-ASCII bytes are escaped, the name
//! is cut at 60 characters and the file name at its last 200.
class format_error : public std::runtime_error {
public:
    //! No byte offset applies (the fault is in a tensor's entry, or in the file as a whole).
    static constexpr std::uint64_t no_offset = std::numeric_limits<std::uint64_t>::max();

    format_error(const std::filesystem::path& file, std::uint64_t offset, std::optional<std::string> tensor,
                 std::string_view message)
        : std::runtime_error(what_of(file, offset, tensor, message)),
          where_(std::make_shared<const where>(where{file, offset, std::move(tensor)})) {}

    //! The file, as passed to tensor_file::load (or the name given to tensor_file::parse).
    const std::filesystem::path& file() const noexcept { return where_->file; }
    //! The byte of the file at fault (counted from 0, the length prefix included), or no_offset.
    std::uint64_t offset() const noexcept { return where_->offset; }
    //! The name of the tensor at fault, if one is.
    const std::optional<std::string>& tensor() const noexcept { return where_->tensor; }

private:
    struct where {
        std::filesystem::path file;
        std::uint64_t offset;
        std::optional<std::string> tensor;
    };
    static std::string what_of(const std::filesystem::path& file, std::uint64_t offset,
                               const std::optional<std::string>& tensor, std::string_view message) {
        std::string s = "typegrad: safetensors: " + detail::path_excerpt(file);
        if (offset != no_offset)
            s += ": byte " + std::to_string(offset);
        if (tensor)
            s += ": tensor " + detail::quoted_excerpt(*tensor);
        s += ": ";
        return detail::bounded_what(std::move(s), message);
    }
    // Shared, so that copying the exception cannot throw.
    std::shared_ptr<const where> where_;
};

//! A failure of the operating system while reading or writing a file: `code()` is the errno,
//! `what()` reads ``typegrad: <operation>: cannot <step> '<file>': <strerror>``.
class file_error : public std::system_error {
public:
    file_error(int error, const std::string& operation, const std::filesystem::path& file)
        : std::system_error(error, std::system_category(),
                            "typegrad: " + operation + " '" + detail::path_excerpt(file) + "'"),
          file_(std::make_shared<const std::filesystem::path>(file)) {}
    //! The file at fault (the temporary file, the target or its folder).
    const std::filesystem::path& file() const noexcept { return *file_; }

private:
    std::shared_ptr<const std::filesystem::path> file_;
};

namespace detail {

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF), as JSON strings must be.
inline bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return false;
        }
        if (s.size() - i <= n)
            return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf))
                return false;
        }
        i += n + 1;
    }
    return true;
}

inline std::string hex8(std::uint32_t v) {
    constexpr const char* digits = "0123456789abcdef";
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i, v >>= 4)
        s[static_cast<std::size_t>(i)] = digits[v & 15];
    return s;
}

inline bool is_hex8(std::string_view s) noexcept {
    return s.size() == 8 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "[2, 3]", at most 8 extents shown.
inline std::string shape_string(std::span<const std::size_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size() && i < 8; ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() > 8)
        s += ", ... (" + std::to_string(shape.size()) + " extents)";
    return s + "]";
}

// The product of the extents, or nullopt if it overflows.
inline std::optional<std::size_t> element_count(std::span<const std::size_t> shape) noexcept {
    std::size_t n = 1;
    for (const std::size_t e : shape) {
        if (e != 0 && n > std::numeric_limits<std::size_t>::max() / e)
            return std::nullopt;
        n *= e;
    }
    return n;
}

// Little-endian encoding and decoding, byte by byte, so that the bytes in a file are the same
// on any host.
template <class U>
void store_le(std::byte* out, U u) noexcept {
    for (std::size_t k = 0; k < sizeof(U); ++k)
        out[k] = static_cast<std::byte>((u >> (8 * k)) & 0xff);
}

template <class U>
U load_le(const std::byte* in) noexcept {
    U u = 0;
    for (std::size_t k = 0; k < sizeof(U); ++k)
        u |= static_cast<U>(std::to_integer<unsigned>(in[k])) << (8 * k);
    return u;
}

template <class T>
using bits_of = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// The CRC-32 of zlib over `bytes`, with the 8 bytes at `hole` (if any) taken as '0'.
inline std::uint32_t crc32_with_zeros(std::span<const std::byte> bytes, std::optional<std::size_t> hole) {
    boost::crc_32_type crc;
    if (!hole) {
        crc.process_bytes(bytes.data(), bytes.size());
        return crc.checksum();
    }
    constexpr char zeros[8] = {'0', '0', '0', '0', '0', '0', '0', '0'};
    crc.process_bytes(bytes.data(), *hole);
    crc.process_bytes(zeros, 8);
    crc.process_bytes(bytes.data() + *hole + 8, bytes.size() - *hole - 8);
    return crc.checksum();
}

// The position of the 8 checksum digits in `header` (the bytes after `"typegrad.crc32":"`),
// and how many times that key-and-colon form occurs.
inline std::pair<std::size_t, std::size_t> find_checksum_digits(std::string_view header) {
    const std::string key = "\"" + std::string(checksum_key) + "\":\"";
    std::size_t count = 0;
    std::size_t digits = std::string_view::npos;
    for (std::size_t at = header.find(key); at != std::string_view::npos; at = header.find(key, at + 1)) {
        ++count;
        digits = at + key.size();
    }
    return {digits, count};
}

// Keeps the file descriptor closed on every path out of a function.
class fd_guard {
public:
    explicit fd_guard(int fd) noexcept : fd_(fd) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    ~fd_guard() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    int get() const noexcept { return fd_; }
    // Closes now, reporting the error (close can report a failed delayed write).
    int close() noexcept {
        const int r = ::close(fd_);
        fd_ = -1;
        return r;
    }

private:
    int fd_;
};

inline int fsync_retrying(int fd) noexcept {
    int r;
    do
        r = ::fsync(fd);
    while (r != 0 && errno == EINTR);
    return r;
}

}  // namespace detail

//! Writes `bytes` to `target` atomically: into a new temporary file in the same folder, named
//! `.<target's file name>.tmp.<16 hex digits>`, flushed with fsync, renamed over `target`, and
//! the folder fsync'd so that the rename itself survives a power loss. Readers of `target` see
//! the old file or the new one, never a part of either, even if the process is killed at any
//! point. On any failure before the rename the temporary file is removed, `target` is untouched
//! and a file_error is thrown; a failure to sync the folder after the rename throws file_error
//! with the new file already in place. A process killed during the write can leave its
//! temporary file behind (never `target`): a later save never reads or reuses it.
inline void atomic_write(const std::filesystem::path& target, std::span<const std::byte> bytes) {
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    if (!target.has_filename())
        typegrad::detail::raise(file_error(EISDIR, "save: cannot write to", target));
    std::random_device random;
    std::filesystem::path temp;
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        const std::uint64_t suffix = (std::uint64_t{random()} << 32) ^ random();
        temp = folder / ("." + target.filename().string() + ".tmp." + detail::hex8(static_cast<std::uint32_t>(suffix)) +
                         detail::hex8(static_cast<std::uint32_t>(suffix >> 32)));
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && (errno != EEXIST || attempt == 100))
            typegrad::detail::raise(file_error(errno, "save: cannot create the temporary file", temp));
    }
    detail::fd_guard file(fd);
    const auto fail = [&](const char* step, const std::filesystem::path& at) {
        const int error = errno;
        file.close();
        ::unlink(temp.c_str());
        typegrad::detail::raise(file_error(error, std::string("save: cannot ") + step, at));
    };
    const char* p = reinterpret_cast<const char*>(bytes.data());
    for (std::size_t left = bytes.size(); left > 0;) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            fail("write", temp);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (detail::fsync_retrying(fd) != 0)
        fail("flush (fsync)", temp);
    if (file.close() != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        typegrad::detail::raise(file_error(error, "save: cannot close", temp));
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        typegrad::detail::raise(file_error(error, "save: cannot rename the temporary file over", target));
    }
    detail::fd_guard dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0)
        typegrad::detail::raise(file_error(errno, "save: cannot open the folder to sync it", folder));
    // Some file systems cannot sync a folder (EINVAL); nothing more can be done there.
    if (detail::fsync_retrying(dir.get()) != 0 && errno != EINVAL)
        typegrad::detail::raise(file_error(errno, "save: cannot sync (fsync) the folder", folder));
}

//! What tensor_file::load accepts.
struct load_options {
    //! The largest file read, in bytes (1 GiB by default); 0 for no limit but memory.
    std::uint64_t max_bytes = std::uint64_t{1} << 30;
    //! The largest header, in bytes: the safetensors limit of 100 MB by default.
    std::uint64_t max_header_bytes = 100'000'000;
    //! A file without "typegrad.crc32" in its metadata is a format_error (by default such a file,
    //! e.g. one written by PyTorch, is accepted; a checksum present is always verified).
    bool require_checksum = false;
};

//! One tensor of a tensor_file: its name, dtype, shape and raw bytes.
struct tensor_info {
    std::string name;
    io::dtype type;
    //! The extents, outermost first (row-major, as torch's); empty for a 0-d tensor (a scalar).
    std::vector<std::size_t> shape;
    //! The tensor's `data_offsets`: its bytes are [begin, end) of the data after the header.
    std::size_t begin;
    std::size_t end;
    //! The tensor's bytes, little-endian, valid as long as any copy of the tensor_file lives.
    std::span<const std::byte> bytes;

    //! The number of elements: the product of the extents (1 for a 0-d tensor).
    std::size_t numel() const noexcept { return bytes.size() / dtype_size(type); }
};

//! A safetensors file read whole and checked: every tensor's dtype, shape and byte range, the
//! coverage of the data, and the checksum if the file has one. Copies share the bytes.
//!
//! ```cpp
//! const auto f = tg::io::tensor_file::load("model.safetensors");
//! std::vector<float> w = f.read_as<float>("0.weight");   // F32 or F64 in the file
//! f.read("0.bias", std::span<float>(bias));                // into storage of the right size
//! ```
class tensor_file {
public:
    //! Reads and checks the file at `path` (see the class comment). Throws file_error if it
    //! cannot be read, format_error for any fault of its content.
    [[nodiscard]] static tensor_file load(const std::filesystem::path& path, const load_options& options = {}) {
        detail::fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0)
            typegrad::detail::raise(file_error(errno, "load: cannot open", path));
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0)
            typegrad::detail::raise(file_error(errno, "load: cannot examine", path));
        if (S_ISDIR(st.st_mode))
            typegrad::detail::raise(file_error(EISDIR, "load: cannot read", path));
        const std::uint64_t limit =
            options.max_bytes == 0 ? std::numeric_limits<std::uint64_t>::max() : options.max_bytes;
        const auto too_large = [&](const std::string& found) {
            typegrad::detail::raise(format_error(path, format_error::no_offset, std::nullopt,
                                                 "expected a file of at most " + std::to_string(limit) +
                                                     " bytes (load_options::max_bytes), found " + found));
        };
        std::vector<std::byte> bytes;
        if (S_ISREG(st.st_mode)) {
            const auto size = static_cast<std::uint64_t>(st.st_size);
            if (size > limit)
                too_large("a file of " + std::to_string(size) + " bytes");
            bytes.reserve(static_cast<std::size_t>(size));
        }
        constexpr std::size_t chunk = std::size_t{1} << 20;
        for (;;) {
            const std::size_t old = bytes.size();
            const std::uint64_t room = limit - old;
            const std::size_t want = room < chunk ? static_cast<std::size_t>(room) + 1 : chunk;
            bytes.resize(old + want);
            const ssize_t n = ::read(fd.get(), bytes.data() + old, want);
            if (n < 0 && errno == EINTR) {
                bytes.resize(old);
                continue;
            }
            if (n < 0)
                typegrad::detail::raise(file_error(errno, "load: cannot read", path));
            bytes.resize(old + static_cast<std::size_t>(n));
            if (bytes.size() > limit)
                too_large("more (the file grew while being read, or is a device that does not end)");
            if (n == 0)
                break;
        }
        return tensor_file(std::move(bytes), path, options);
    }

    //! Checks the bytes of a whole file held in memory, as load does; `name` stands for the file
    //! in messages. The bytes are copied.
    [[nodiscard]] static tensor_file parse(std::span<const std::byte> bytes,
                                           const std::filesystem::path& name = "<memory>",
                                           const load_options& options = {}) {
        if (options.max_bytes != 0 && bytes.size() > options.max_bytes)
            typegrad::detail::raise(format_error(name, format_error::no_offset, std::nullopt,
                                                 "expected a file of at most " + std::to_string(options.max_bytes) +
                                                     " bytes (load_options::max_bytes), found " +
                                                     std::to_string(bytes.size())));
        return tensor_file(std::vector<std::byte>(bytes.begin(), bytes.end()), name, options);
    }

    //! The file read (or the name given to parse).
    const std::filesystem::path& file() const noexcept { return file_; }
    //! The `__metadata__` of the header (empty if it has none), "typegrad.crc32" included.
    const std::map<std::string, std::string, std::less<>>& metadata() const noexcept { return metadata_; }
    //! Whether the file had a checksum (it was verified: load throws on a mismatch).
    bool has_checksum() const noexcept { return metadata_.contains(checksum_key); }
    //! The tensors in file order (by their data_offsets; empty tensors, whose ranges are
    //! empty, by name among those at the same offset).
    std::span<const tensor_info> tensors() const noexcept { return tensors_; }
    //! The tensor named `name`, or nullptr.
    const tensor_info* find(std::string_view name) const {
        const auto it = index_.find(name);
        return it == index_.end() ? nullptr : &tensors_[it->second];
    }

    //! Copies the tensor `name` into `out`, converting its elements: F32 and F64 into float or
    //! double (F64 to float by static_cast: rounded to nearest, beyond FLT_MAX an infinity, NaN
    //! stays NaN, as torch's `.float()`), I64 into std::int64_t only. Throws format_error, naming
    //! the tensor, if the file has no such tensor, if its dtype does not convert to T, or if it
    //! has not exactly out.size() elements.
    template <Element T>
    void read(std::string_view name, std::span<T> out) const {
        const tensor_info& t = get(name);
        constexpr bool want_int = std::same_as<T, std::int64_t>;
        if (want_int != (t.type == dtype::i64))
            typegrad::detail::raise(format_error(
                file_, format_error::no_offset, t.name,
                "expected a dtype that converts to " + std::string(dtype_name(dtype_of<T>)) + ", found " +
                    std::string(dtype_name(t.type)) +
                    (want_int ? " (floats are not read as integers)" : " (integers are not read as floating point)")));
        if (t.numel() != out.size())
            typegrad::detail::raise(format_error(file_, format_error::no_offset, t.name,
                                                 "expected " + std::to_string(out.size()) + " elements, found shape " +
                                                     detail::shape_string(t.shape) + " of " +
                                                     std::to_string(t.numel())));
        switch (t.type) {
            case dtype::f32:
                decode<float>(t.bytes, out);
                break;
            case dtype::f64:
                decode<double>(t.bytes, out);
                break;
            case dtype::i64:
                decode<std::int64_t>(t.bytes, out);
                break;
        }
    }

    //! The tensor `name` as a new vector of T, converted as by read.
    template <Element T>
    [[nodiscard]] std::vector<T> read_as(std::string_view name) const {
        std::vector<T> out(get(name).numel());
        read(name, std::span<T>(out));
        return out;
    }

private:
    tensor_file(std::vector<std::byte> bytes, const std::filesystem::path& file, const load_options& options)
        : file_(file), bytes_(std::make_shared<const std::vector<std::byte>>(std::move(bytes))) {
        check(options);
    }

    const tensor_info& get(std::string_view name) const {
        const tensor_info* t = find(name);
        if (t == nullptr)
            typegrad::detail::raise(format_error(file_, format_error::no_offset, std::string(name),
                                                 "expected a tensor of this name, found none (the file has " +
                                                     std::to_string(tensors_.size()) + " tensors)"));
        return *t;
    }

    template <Element Stored, Element T>
    static void decode(std::span<const std::byte> bytes, std::span<T> out) noexcept {
        for (std::size_t i = 0; i < out.size(); ++i) {
            const auto u = detail::load_le<detail::bits_of<Stored>>(bytes.data() + i * sizeof(Stored));
            out[i] = static_cast<T>(std::bit_cast<Stored>(u));
        }
    }

    [[noreturn]] void fail(std::uint64_t offset, std::optional<std::string> tensor, std::string_view message) const {
        typegrad::detail::raise(format_error(file_, offset, std::move(tensor), message));
    }

    // Dtypes of the safetensors format that typegrad does not read, named as such in errors.
    static bool other_safetensors_dtype(std::string_view s) noexcept {
        constexpr std::array<std::string_view, 17> names = {
            "BOOL", "U8",      "I8",      "I16",     "U16",     "F16",     "BF16", "I32", "U32",
            "U64",  "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4",   "C64"};
        return std::find(names.begin(), names.end(), s) != names.end();
    }

    using json = nlohmann::json;

    json parse_header(std::string_view header) const {
        // Keys seen in each open object, to find a repeated key (which nlohmann-json would
        // silently overwrite); a header never nests deeper than an entry's arrays.
        std::vector<std::unordered_set<std::string>> keys;
        const auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
            if (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) {
                if (depth > 2)
                    fail(format_error::no_offset, std::nullopt,
                         "expected a header of tensor entries (objects of a string and two arrays of integers), "
                         "found values nested " +
                             std::to_string(depth + 1) + " levels deep");
                if (event == json::parse_event_t::object_start)
                    keys.emplace_back();
            } else if (event == json::parse_event_t::object_end) {
                keys.pop_back();
            } else if (event == json::parse_event_t::key) {
                std::string key = parsed.get<std::string>();
                if (!keys.back().insert(key).second)
                    fail(format_error::no_offset, depth == 1 ? std::optional<std::string>(key) : std::nullopt,
                         "expected unique keys, found the key " + detail::quoted_excerpt(key) + " twice in one object" +
                             (depth == 1 ? " (a tensor name or __metadata__ repeated)" : ""));
            }
            return true;
        };
#if !TYPEGRAD_EXCEPTIONS
        // nlohmann-json without exceptions: a discarded value, with no position, for bad JSON.
        json parsed = json::parse(header.begin(), header.end(), callback, /*allow_exceptions=*/false);
        if (parsed.is_discarded())
            fail(format_error::no_offset, std::nullopt, "expected a JSON header, found invalid JSON");
        return parsed;
#else
        try {
            return json::parse(header.begin(), header.end(), callback);
        } catch (const json::parse_error& e) {
            std::string what = e.what();
            const std::size_t tag = what.find("] ");
            if (tag != std::string::npos)
                what.erase(0, tag + 2);
            fail(8 + (e.byte > 0 ? e.byte - 1 : 0), std::nullopt, "expected a JSON header, found a " + what);
        } catch (const json::exception& e) {
            // A number beyond double ("1e999") is nlohmann-json's out_of_range, without a position.
            std::string what = e.what();
            const std::size_t tag = what.find("] ");
            if (tag != std::string::npos)
                what.erase(0, tag + 2);
            fail(format_error::no_offset, std::nullopt, "expected a JSON header, found " + what);
        }
#endif
    }

    static std::optional<std::size_t> as_size(const json& j) noexcept {
        if (!j.is_number_unsigned())
            return std::nullopt;
        const auto v = j.get<std::uint64_t>();
        if (v > std::numeric_limits<std::size_t>::max())
            return std::nullopt;
        return static_cast<std::size_t>(v);
    }

    void check(const load_options& options) {
        const std::vector<std::byte>& b = *bytes_;
        const std::uint64_t size = b.size();
        if (size < 8)
            fail(size, std::nullopt,
                 "truncated: expected at least 8 bytes (the header length), found a file of " + std::to_string(size) +
                     " bytes");
        const auto n = detail::load_le<std::uint64_t>(b.data());
        const std::uint64_t header_limit = std::min<std::uint64_t>(options.max_header_bytes, 100'000'000);
        if (n > header_limit)
            fail(0, std::nullopt,
                 "expected a header length of at most " + std::to_string(header_limit) +
                     " bytes (load_options::max_header_bytes), found " + std::to_string(n) +
                     (n > size ? ": not a safetensors file" : ""));
        if (n < 2)
            fail(0, std::nullopt,
                 "expected a header length of at least 2 bytes (\"{}\"), found " + std::to_string(n) +
                     ": not a safetensors file");
        if (n > size - 8)
            fail(size, std::nullopt,
                 "truncated: expected a header of " + std::to_string(n) + " bytes after the length, found " +
                     std::to_string(size - 8));
        const std::string_view header(reinterpret_cast<const char*>(b.data()) + 8, static_cast<std::size_t>(n));
        if (header.front() != '{')
            fail(8, std::nullopt,
                 "expected a header starting with '{', found " + detail::quoted_excerpt(header.substr(0, 1)) +
                     ": not a safetensors file");
        const json root = parse_header(header);
        if (!root.is_object())
            fail(8, std::nullopt, std::string("expected a JSON object as the header, found ") + root.type_name());

        const std::size_t data_start = 8 + static_cast<std::size_t>(n);
        const std::size_t data_size = b.size() - data_start;
        for (const auto& [name, entry] : root.items()) {
            if (name == "__metadata__") {
                read_metadata(entry);
                continue;
            }
            tensors_.push_back(read_entry(name, entry, data_start, data_size));
        }
        // File order; empty tensors share offsets, so the name breaks ties.
        std::sort(tensors_.begin(), tensors_.end(), [](const tensor_info& x, const tensor_info& y) {
            return std::tie(x.begin, x.end, x.name) < std::tie(y.begin, y.end, y.name);
        });
        std::size_t covered = 0;
        const tensor_info* previous = nullptr;
        for (const tensor_info& t : tensors_) {
            if (t.begin > covered)
                fail(data_start + covered, t.name,
                     "expected the tensors to cover the data without holes, found data bytes [" +
                         std::to_string(covered) + ", " + std::to_string(t.begin) + ") in no tensor before this one" +
                         (previous ? "" : " (the first tensor must start at 0)"));
            if (t.begin < covered)
                fail(data_start + t.begin, t.name,
                     "expected tensors that do not overlap, found data_offsets [" + std::to_string(t.begin) + ", " +
                         std::to_string(t.end) + "] overlapping tensor " + detail::quoted_excerpt(previous->name) +
                         ", which ends at " + std::to_string(covered));
            covered = t.end;
            previous = &t;
        }
        if (covered < data_size)
            fail(data_start + covered, std::nullopt,
                 "expected the tensors to cover the data, found " + std::to_string(data_size - covered) +
                     " bytes after the last tensor's end (" + std::to_string(covered) + ")");
        for (std::size_t i = 0; i < tensors_.size(); ++i)
            index_.emplace(tensors_[i].name, i);
        check_checksum(header, options);
    }

    void read_metadata(const json& entry) {
        if (!entry.is_object())
            fail(format_error::no_offset, std::nullopt,
                 std::string("expected __metadata__ to be an object of strings, found ") + entry.type_name());
        for (const auto& [key, value] : entry.items()) {
            if (!value.is_string())
                fail(format_error::no_offset, std::nullopt,
                     "expected __metadata__ to be an object of strings, found a " + std::string(value.type_name()) +
                         " for the key " + detail::quoted_excerpt(key));
            metadata_.emplace(key, value.get<std::string>());
        }
    }

    tensor_info read_entry(const std::string& name, const json& entry, std::size_t data_start,
                           std::size_t data_size) const {
        if (!entry.is_object())
            fail(format_error::no_offset, name,
                 std::string("expected an object with dtype, shape and data_offsets, found ") + entry.type_name());
        for (const auto& [key, value] : entry.items())
            if (key != "dtype" && key != "shape" && key != "data_offsets")
                fail(format_error::no_offset, name,
                     "expected only the keys dtype, shape and data_offsets, found " + detail::quoted_excerpt(key));
        for (const char* key : {"dtype", "shape", "data_offsets"})
            if (!entry.contains(key))
                fail(format_error::no_offset, name, std::string("expected the key ") + key + ", found none");

        const json& d = entry["dtype"];
        if (!d.is_string())
            fail(format_error::no_offset, name, std::string("expected dtype to be a string, found ") + d.type_name());
        const std::string& ds = d.get_ref<const std::string&>();
        tensor_info t{name, dtype::f32, {}, 0, 0, {}};
        if (ds == "F32")
            t.type = dtype::f32;
        else if (ds == "F64")
            t.type = dtype::f64;
        else if (ds == "I64")
            t.type = dtype::i64;
        else if (other_safetensors_dtype(ds))
            fail(format_error::no_offset, name,
                 "expected dtype F32, F64 or I64, found " + detail::quoted_excerpt(ds) +
                     ", a safetensors dtype that typegrad does not read");
        else
            fail(format_error::no_offset, name,
                 "expected dtype F32, F64 or I64, found the unknown dtype " + detail::quoted_excerpt(ds));

        const json& s = entry["shape"];
        if (!s.is_array())
            fail(format_error::no_offset, name,
                 std::string("expected shape to be an array of integers, found ") + s.type_name());
        t.shape.reserve(s.size());
        for (const json& e : s) {
            const auto v = as_size(e);
            if (!v)
                fail(format_error::no_offset, name,
                     "expected shape to be an array of non-negative integers, found " +
                         detail::quoted_excerpt(e.dump()));
            t.shape.push_back(*v);
        }

        const json& o = entry["data_offsets"];
        if (!o.is_array() || o.size() != 2 || !as_size(o[0]) || !as_size(o[1]))
            fail(format_error::no_offset, name,
                 "expected data_offsets to be two non-negative integers [begin, end], found " +
                     detail::quoted_excerpt(o.dump()));
        t.begin = *as_size(o[0]);
        t.end = *as_size(o[1]);
        if (t.end < t.begin)
            fail(format_error::no_offset, name,
                 "expected data_offsets [begin, end] with begin <= end, found [" + std::to_string(t.begin) + ", " +
                     std::to_string(t.end) + "]");

        const auto count = detail::element_count(t.shape);
        const std::size_t width = dtype_size(t.type);
        if (!count || *count > std::numeric_limits<std::size_t>::max() / width)
            fail(format_error::no_offset, name,
                 "expected a shape whose bytes can be counted, found shape " + detail::shape_string(t.shape) +
                     ", whose size overflows");
        if (t.end - t.begin != *count * width)
            fail(format_error::no_offset, name,
                 "expected data_offsets spanning shape " + detail::shape_string(t.shape) + " x " + std::string(ds) +
                     " (" + std::to_string(width) + " bytes) = " + std::to_string(*count * width) + " bytes, found [" +
                     std::to_string(t.begin) + ", " + std::to_string(t.end) + "], " + std::to_string(t.end - t.begin) +
                     " bytes");
        if (t.end > data_size)
            fail(data_start + data_size, name,
                 "truncated: expected the data to reach byte " + std::to_string(t.end) +
                     " (this tensor's end), found " + std::to_string(data_size) + " bytes of data");
        t.bytes = std::span<const std::byte>(*bytes_).subspan(data_start + t.begin, t.end - t.begin);
        return t;
    }

    void check_checksum(std::string_view header, const load_options& options) const {
        const auto it = metadata_.find(checksum_key);
        if (it == metadata_.end()) {
            if (options.require_checksum)
                fail(format_error::no_offset, std::nullopt,
                     "expected a checksum (load_options::require_checksum), found no \"typegrad.crc32\" in "
                     "__metadata__");
            return;
        }
        const auto [digits, count] = detail::find_checksum_digits(header);
        if (!detail::is_hex8(it->second) || count != 1 || header.substr(digits, 8) != it->second)
            fail(format_error::no_offset, std::nullopt,
                 "expected \"typegrad.crc32\" to be written \"typegrad.crc32\":\"<8 lowercase hex digits>\" once, "
                 "found the value " +
                     detail::quoted_excerpt(it->second));
        const std::uint32_t computed = detail::crc32_with_zeros(*bytes_, 8 + digits);
        if (detail::hex8(computed) != it->second)
            fail(format_error::no_offset, std::nullopt,
                 "file corrupted: CRC-32 expected " + it->second + " (typegrad.crc32), computed " +
                     detail::hex8(computed));
    }

    std::filesystem::path file_;
    std::shared_ptr<const std::vector<std::byte>> bytes_;
    std::map<std::string, std::string, std::less<>> metadata_;
    std::vector<tensor_info> tensors_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

//! Collects tensors and metadata, then writes them as one safetensors file with a checksum.
//! Tensors are stored in the order added, the header is compact JSON (`__metadata__` first,
//! then the tensors in order, each as {"dtype", "shape", "data_offsets"}) padded with spaces
//! to a multiple of 8 bytes, so that the data, and every F64 and I64 tensor, start 8-aligned
//! when all tensors before them are.
//!
//! ```cpp
//! tg::io::tensor_writer w;
//! w.add("0.weight", {16, 10}, std::span<const float>(weights));          // stored as F32
//! w.add("0.weight.exp_avg", tg::io::dtype::f64, {16, 10}, std::span<const float>(m));
//! w.add("step", {}, std::span<const std::int64_t>(&step, 1));           // a 0-d tensor
//! w.metadata("format", "pt");
//! w.save("checkpoint.safetensors");                                     // atomically
//! ```
class tensor_writer {
public:
    //! Adds a tensor of the given shape (empty: 0-d, one element) whose elements are `values`,
    //! stored as `stored`: float or double as F32 or F64 (double to F32 by static_cast, rounded
    //! to nearest), std::int64_t as I64 only. The values are copied. Throws
    //! std::invalid_argument if the name is empty, "__metadata__", not UTF-8 or already added,
    //! if values.size() is not the product of the shape, or if the types do not convert.
    void add(std::string name, dtype stored, std::vector<std::size_t> shape, std::span<const float> values) {
        add_any(std::move(name), stored, std::move(shape), values);
    }
    void add(std::string name, dtype stored, std::vector<std::size_t> shape, std::span<const double> values) {
        add_any(std::move(name), stored, std::move(shape), values);
    }
    void add(std::string name, dtype stored, std::vector<std::size_t> shape, std::span<const std::int64_t> values) {
        add_any(std::move(name), stored, std::move(shape), values);
    }
    //! Adds a tensor stored in the dtype of its elements (float: F32, double: F64, std::int64_t: I64).
    void add(std::string name, std::vector<std::size_t> shape, std::span<const float> values) {
        add_any(std::move(name), dtype::f32, std::move(shape), values);
    }
    void add(std::string name, std::vector<std::size_t> shape, std::span<const double> values) {
        add_any(std::move(name), dtype::f64, std::move(shape), values);
    }
    void add(std::string name, std::vector<std::size_t> shape, std::span<const std::int64_t> values) {
        add_any(std::move(name), dtype::i64, std::move(shape), values);
    }

    //! Sets the metadata `key` to `value` (again: replaces it). Throws std::invalid_argument if
    //! either is not UTF-8 or the key is "typegrad.crc32", which save() writes.
    void metadata(std::string key, std::string value) {
        if (key == checksum_key)
            typegrad::detail::raise(
                std::invalid_argument("typegrad: tensor_writer::metadata: the key 'typegrad.crc32' is the checksum's"));
        if (!detail::valid_utf8(key) || !detail::valid_utf8(value))
            typegrad::detail::raise(
                std::invalid_argument("typegrad: tensor_writer::metadata: expected UTF-8 key and value, found " +
                                      detail::quoted_excerpt(key) + " = " + detail::quoted_excerpt(value)));
        for (auto& kv : metadata_)
            if (kv.first == key) {
                kv.second = std::move(value);
                return;
            }
        metadata_.emplace_back(std::move(key), std::move(value));
    }

    //! The number of tensors added.
    std::size_t size() const noexcept { return entries_.size(); }

    //! The whole file, checksum included.
    [[nodiscard]] std::vector<std::byte> bytes() const {
        // Written by hand rather than through a JSON object, which would look every key up in
        // all those before it; nlohmann-json escapes the strings.
        const auto quoted = [](const std::string& x) { return nlohmann::json(x).dump(); };
        std::string text = "{\"__metadata__\":{";
        for (const auto& [key, value] : metadata_)
            text += quoted(key) + ':' + quoted(value) + ',';
        text += "\"" + std::string(checksum_key) + "\":\"00000000\"}";
        for (const entry& e : entries_) {
            text += ',' + quoted(e.name) + ":{\"dtype\":\"" + std::string(dtype_name(e.type)) + "\",\"shape\":[";
            for (std::size_t i = 0; i < e.shape.size(); ++i)
                text += (i ? "," : "") + std::to_string(e.shape[i]);
            text += "],\"data_offsets\":[" + std::to_string(e.begin) + ',' + std::to_string(e.begin + e.size) + "]}";
        }
        text += '}';
        text.resize((text.size() + 7) / 8 * 8, ' ');
        std::vector<std::byte> out(8 + text.size() + data_.size());
        detail::store_le<std::uint64_t>(out.data(), text.size());
        std::memcpy(out.data() + 8, text.data(), text.size());
        if (!data_.empty())
            std::memcpy(out.data() + 8 + text.size(), data_.data(), data_.size());
        const std::size_t digits = 8 + detail::find_checksum_digits(text).first;
        const std::string crc = detail::hex8(detail::crc32_with_zeros(out, std::nullopt));
        std::memcpy(out.data() + digits, crc.data(), 8);
        return out;
    }

    //! Writes the file to `path` atomically (see atomic_write): a reader sees the previous file
    //! or this one, whole. Throws file_error on failure, leaving the previous file untouched.
    void save(const std::filesystem::path& path) const { atomic_write(path, bytes()); }

private:
    struct entry {
        std::string name;
        dtype type;
        std::vector<std::size_t> shape;
        std::size_t begin;
        std::size_t size;
    };

    template <Element T>
    void add_any(std::string name, dtype stored, std::vector<std::size_t> shape, std::span<const T> values) {
        const auto bad = [&](const std::string& message) {
            typegrad::detail::raise(std::invalid_argument("typegrad: tensor_writer::add: tensor " +
                                                          detail::quoted_excerpt(name) + ": " + message));
        };
        if (name.empty() || name == "__metadata__" || !detail::valid_utf8(name))
            bad("expected a non-empty UTF-8 name other than __metadata__");
        for (const entry& e : entries_)
            if (e.name == name)
                bad("expected a new name, found one already added");
        const auto count = detail::element_count(shape);
        if (!count || *count != values.size())
            bad("expected " + (count ? std::to_string(*count) : std::string("an overflowing number of")) +
                " values for shape " + detail::shape_string(shape) + ", found " + std::to_string(values.size()));
        if ((stored == dtype::i64) != std::same_as<T, std::int64_t>)
            bad("expected values that convert to " + std::string(dtype_name(stored)) + ", found " +
                std::string(dtype_name(dtype_of<T>)) + " values (integers and floats do not convert)");
        const std::size_t begin = data_.size();
        const std::size_t width = dtype_size(stored);
        data_.resize(begin + values.size() * width);
        std::byte* out = data_.data() + begin;
        for (std::size_t i = 0; i < values.size(); ++i, out += width) {
            if (stored == dtype::f32)
                detail::store_le(out, std::bit_cast<std::uint32_t>(static_cast<float>(values[i])));
            else if (stored == dtype::f64)
                detail::store_le(out, std::bit_cast<std::uint64_t>(static_cast<double>(values[i])));
            else
                detail::store_le(out, static_cast<std::uint64_t>(values[i]));
        }
        entries_.push_back({std::move(name), stored, std::move(shape), begin, values.size() * width});
    }

    std::vector<entry> entries_;
    std::vector<std::pair<std::string, std::string>> metadata_;
    std::vector<std::byte> data_;
};

}  // namespace TYPEGRAD_NS::io
