// tensor_writer::save is atomic: a process killed at any moment of a save leaves the previous
// file or the new one, whole and with a valid checksum; a save that fails leaves the previous
// file untouched and removes its temporary file.
#include <typegrad/io/safetensors.hpp>

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <random>
#include <regex>
#include <span>
#include <string>
#include <vector>

#include "io_helpers.hpp"

namespace io = typegrad::io;
using typegrad_test::as_string;
using typegrad_test::file_bytes;
using typegrad_test::temp_dir;

namespace {

constexpr std::size_t weights = std::size_t{1} << 19;  // 2 MiB of F32

// A checkpoint whose every value depends on `iteration`, so that a mix of two saves shows.
io::tensor_writer checkpoint(std::int64_t iteration) {
    std::vector<float> w(weights);
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = static_cast<float>((iteration * 7919 + static_cast<std::int64_t>(i)) % 1000003);
    io::tensor_writer t;
    t.add("weights", {weights / 1024, 1024}, std::span<const float>(w));
    t.add("step", {}, std::span<const std::int64_t>(&iteration, 1));
    t.metadata("iteration", std::to_string(iteration));
    return t;
}

// The iteration the file at `path` holds, after checking that it is whole and consistent.
std::int64_t check_checkpoint(const std::filesystem::path& path) {
    const io::tensor_file f = io::tensor_file::load(path, {.require_checksum = true});
    const std::int64_t iteration = std::stoll(f.metadata().at("iteration"));
    REQUIRE(f.read_as<std::int64_t>("step") == std::vector<std::int64_t>{iteration});
    const auto w = f.read_as<float>("weights");
    REQUIRE(w.size() == weights);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < w.size(); ++i)
        wrong += w[i] != static_cast<float>((iteration * 7919 + static_cast<std::int64_t>(i)) % 1000003);
    REQUIRE(wrong == 0);
    return iteration;
}

// The files of `dir` other than `target`, each required to be a temporary file of a save.
std::size_t leftover_temporaries(const std::filesystem::path& dir, const std::string& target) {
    const std::regex temp("\\." + std::regex_replace(target, std::regex("\\."), "\\.") + "\\.tmp\\.[0-9a-f]{16}");
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string name = e.path().filename().string();
        if (name == target)
            continue;
        INFO(name);
        REQUIRE(std::regex_match(name, temp));
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("save: a process killed at a random moment of a save loop leaves a whole checkpoint") {
    const temp_dir dir("io_kill");
    const auto target = dir / "ckpt.safetensors";
    checkpoint(0).save(target);

    // Kill after 0 to 3 save times, so that many kills land inside a save and many rounds complete
    // one, wherever fsync (or a loaded machine, or a sanitizer) makes a save slow or fast.
    const auto t0 = std::chrono::steady_clock::now();
    checkpoint(1).save(target);
    const auto save_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    const long range_us = std::clamp<long>(3 * static_cast<long>(save_us.count()), 1000, 2000000);

    std::mt19937 random(20240601);
    std::int64_t last = check_checkpoint(target);
    // At least 40 rounds, more (up to 200) until some round has completed a save and some has
    // been killed inside one.
    int rounds = 0;
    int advanced = 0;        // rounds after which the target holds a newer iteration
    int killed_in_save = 0;  // rounds that left a new temporary file
    std::size_t temporaries = 0;
    for (int round = 0; round < 200 && (round < 40 || advanced == 0 || killed_in_save == 0); ++round) {
        ++rounds;
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            for (std::int64_t i = 1;; ++i) {
                try {
                    checkpoint((round + 1) * std::int64_t{1'000'000} + i).save(target);
                } catch (...) {
                    ::_exit(3);
                }
            }
        }
        ::usleep(static_cast<useconds_t>(std::uniform_int_distribution<long>(0, range_us)(random)));
        REQUIRE(::kill(child, SIGKILL) == 0);
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        INFO("round " << round);
        REQUIRE(WIFSIGNALED(status));  // not an exit: the child's saves did not fail
        const std::int64_t now = check_checkpoint(target);
        CHECK(now >= last);
        advanced += now > last;
        last = now;
        const std::size_t t = leftover_temporaries(dir.path(), "ckpt.safetensors");
        killed_in_save += t > temporaries;
        temporaries = t;
    }
    INFO("saves of " << save_us.count() << " us, kills within " << range_us << " us: " << advanced
                     << " rounds advanced the checkpoint, " << killed_in_save << " were killed inside a save");
    CHECK(advanced > 0);
    CHECK(killed_in_save > 0);
    WARN("kill-during-save: " << rounds << " rounds, a save takes " << save_us.count() << " us, kill after 0-"
                              << range_us << " us; " << advanced << " rounds completed a save, " << killed_in_save
                              << " killed one midway (temporary file left)");
}

TEST_CASE("save: replaces the previous file and leaves no temporary file") {
    const temp_dir dir("io_save");
    const auto target = dir / "ckpt.safetensors";
    checkpoint(1).save(target);
    checkpoint(2).save(target);
    CHECK(check_checkpoint(target) == 2);
    CHECK(leftover_temporaries(dir.path(), "ckpt.safetensors") == 0);
    CHECK(as_string(file_bytes(target)) == as_string(checkpoint(2).bytes()));
}

TEST_CASE("save: into a missing folder, or over a folder, throws file_error and changes nothing") {
    const temp_dir dir("io_save_fail");
    const auto missing = dir / "no" / "such" / "folder" / "ckpt.safetensors";
    try {
        checkpoint(1).save(missing);
        FAIL("no error");
    } catch (const io::file_error& e) {
        CHECK(e.code().value() == ENOENT);
        CHECK_THAT(e.what(), Catch::StartsWith("typegrad: save: cannot create the temporary file '" +
                                               (dir / "no" / "such" / "folder").string() + "/.ckpt.safetensors.tmp."));
        CHECK_THAT(e.what(), Catch::EndsWith("': No such file or directory"));
    }
    CHECK_FALSE(std::filesystem::exists(dir / "no"));

    // A folder where the file should be: the rename fails, the folder and its content stay.
    std::filesystem::create_directory(dir / "taken");
    typegrad_test::write_bytes(dir / "taken" / "inside", checkpoint(5).bytes());
    try {
        checkpoint(1).save(dir / "taken");
        FAIL("no error");
    } catch (const io::file_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("cannot rename the temporary file over '" + (dir / "taken").string()));
    }
    CHECK(check_checkpoint(dir / "taken" / "inside") == 5);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
        ++files;
    CHECK(files == 1);  // the folder alone: the temporary file was removed
}

TEST_CASE("save: a write that fails midway (file size limit) keeps the previous file whole") {
    const temp_dir dir("io_save_short");
    const auto target = dir / "ckpt.safetensors";
    checkpoint(1).save(target);
    const auto before = file_bytes(target);

    // RLIMIT_FSIZE makes write() fail with EFBIG past 1 MiB, as a full disk would with ENOSPC.
    struct sigaction ignore {};
    struct sigaction old_action {};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_action) == 0);
    rlimit old_limit{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    rlimit small = old_limit;
    small.rlim_cur = 1 << 20;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string what;
    int code = 0;
    try {
        checkpoint(2).save(target);
    } catch (const io::file_error& e) {
        what = e.what();
        code = e.code().value();
    }
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    REQUIRE(::sigaction(SIGXFSZ, &old_action, nullptr) == 0);

    CHECK(code == EFBIG);
    CHECK_THAT(what,
               Catch::StartsWith("typegrad: save: cannot write '" + dir.path().string() + "/.ckpt.safetensors.tmp."));
    CHECK_THAT(what, Catch::EndsWith("': File too large"));
    CHECK(as_string(file_bytes(target)) == as_string(before));
    CHECK(check_checkpoint(target) == 1);
    CHECK(leftover_temporaries(dir.path(), "ckpt.safetensors") == 0);
}

TEST_CASE("save: into a folder the process may not write to (not as root)") {
    if (::geteuid() == 0) {
        WARN("skipped: root may write to any folder");
        return;
    }
    const temp_dir dir("io_save_ro");
    const auto target = dir / "ckpt.safetensors";
    checkpoint(1).save(target);
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    CHECK_THROWS_AS(checkpoint(2).save(target), io::file_error);
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
    CHECK(check_checkpoint(target) == 1);
}
