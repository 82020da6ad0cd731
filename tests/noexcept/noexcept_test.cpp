// Built with -fno-exceptions: the recoverable errors returned as values (a bad CSV file, a
// checkpoint of another model, a non-finite loss and gradient), and the error handler of the
// others: the default one prints the message and aborts, an installed one is called instead.
// Usage: noexcept_tests <csv|checkpoint|trainer|default_handler|installed_handler> <temp folder>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

int failures = 0;

void expect(bool ok, const char* what, int line) {
    if (!ok) {
        std::fprintf(stderr, "noexcept_test.cpp:%d: FAILED: %s\n", line, what);
        ++failures;
    }
}
#define EXPECT(...) expect((__VA_ARGS__), #__VA_ARGS__, __LINE__)

std::filesystem::path folder;

std::filesystem::path write_file(const std::string& name, const std::string& text) {
    const auto path = folder / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

void csv() {
    const auto bad = write_file("noexcept_bad.csv", "a,b,target\n1,2,3\n4,x,6\n");
    const auto r = tg::data::try_read_csv(bad);
    EXPECT(!r.has_value());
    if (!r)
        return void((EXPECT(r.error().line() == 3), EXPECT(r.error().column() == 2), EXPECT(r.error().file() == bad),
                     EXPECT(std::string(r.error().what()) == "typegrad: read_csv: " + bad.string() +
                                                                 ":3:2: expected a number in column 'b', found 'x'")));
}

void csv_good() {
    const auto good = write_file("noexcept_good.csv", "a,b,target\n1,2,3\n4,5,6\n");
    const auto r = tg::data::try_read_csv(good);
    EXPECT(r.has_value());
    if (r) {
        EXPECT(r->rows() == 2);
        EXPECT(r->cols() == 2);
    }
    const auto missing = tg::data::try_read_csv(folder / "noexcept_absent.csv");
    EXPECT(!missing && missing.error().line() == 0);
    const auto text = tg::data::try_parse_csv<double>("a,target\n1,2\n3\n");
    EXPECT(!text && text.error().line() == 3 && text.error().column() == 0);
}

const auto model = tg::mse(tg::linear<"fc", 3, 1>(tg::input<"x", 3>), tg::target<"y">);
const auto other = tg::mse(tg::linear<"fc", 2, 1>(tg::input<"x", 2>), tg::target<"y">);

void checkpoint() {
    tg::Parameters theirs{other};
    const auto path = folder / "noexcept_other.safetensors";
    tg::save(path, theirs);

    tg::Parameters mine{model};
    for (std::size_t i = 0; i < mine.values().size(); ++i)
        mine.values()[i] = 0.25f * static_cast<float>(i + 1);
    const std::vector<float> before(mine.values().begin(), mine.values().end());
    const auto r = tg::try_load(path, mine);
    EXPECT(!r.has_value());
    if (!r) {
        EXPECT(r.error().differences().size() == 1);
        EXPECT(r.error().differences().at(0) == "fc.weight: shape [1, 2] in the file, [1, 3] in the model");
    }
    EXPECT(std::vector<float>(mine.values().begin(), mine.values().end()) == before);

    // A file that fits loads.
    const auto same = folder / "noexcept_same.safetensors";
    tg::Parameters saved{model};
    saved.values()[0] = 7.0f;
    tg::save(same, saved);
    const auto ok = tg::try_load(same, mine);
    EXPECT(ok.has_value());
    EXPECT(mine.values()[0] == 7.0f);
}

void trainer() {
    // Row 1's feature makes the squared error overflow float: a non-finite loss.
    const tg::data::dataset data({"a", "b", "c"}, "y", {1, 2, 3, 1e30f, 0, 0, 0.5f, 0.5f, 0.5f}, {1, 2, 3});
    tg::Parameters params{model};
    for (float& v : params.values())
        v = 1.0f;
    tg::Trainer<std::remove_cvref_t<decltype(model)>, tg::SGD> trainer{params, {.lr = 0.1}};
    trainer.zero_grad();
    const auto r = trainer.try_backward(data);
    EXPECT(!r.has_value());
    if (!r) {
        EXPECT(r.error().rows() == std::vector<std::size_t>{1});
        EXPECT(r.error().param().empty());
        EXPECT(
            std::string(r.error().what()).starts_with("typegrad: Trainer::backward at step 0: the batch's mean loss"));
    }
    // A finite batch: the loss comes back, and a step with the finite check succeeds.
    const tg::data::dataset fine({"a", "b", "c"}, "y", {1, 2, 3}, {1});
    trainer.set_checks({.finite = true});
    trainer.zero_grad();
    const auto loss = trainer.try_backward(fine);
    EXPECT(loss.has_value() && *loss == 36.0f);  // (1 + 2 + 3 + 1 - 1)^2
    EXPECT(trainer.try_step().has_value());
    EXPECT(trainer.steps() == 1);
    // A NaN gradient written by hand: try_step refuses it and changes no value.
    trainer.zero_grad();
    params.grads()[2] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> before(params.values().begin(), params.values().end());
    const auto step = trainer.try_step();
    EXPECT(!step.has_value());
    if (!step)
        EXPECT(step.error().param() == "fc.weight[2]");
    EXPECT(std::vector<float>(params.values().begin(), params.values().end()) == before);
    EXPECT(trainer.steps() == 1);
}

// Runs `f` in a child process with its stderr in a pipe; returns the wait status and the text.
template <class F>
std::pair<int, std::string> in_child(F f) {
    int fds[2];
    if (pipe(fds) != 0)
        std::abort();
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        f();
        std::_Exit(0);  // f was to end the process
    }
    close(fds[1]);
    std::string text;
    char buffer[256];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {status, text};
}

const char* const split_message = "typegrad: split: expected a fraction strictly between 0 and 1, found 1.5";

void split_badly() {
    const tg::data::dataset data({"a"}, "y", {1, 2, 3}, {1, 2, 3});
    [[maybe_unused]] const auto parts = tg::data::split(data, 1.5, 0);
}

void default_handler() {
    const auto [status, text] = in_child(split_badly);
    EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    EXPECT(text == std::string(split_message) + "\n");
}

void handler(const tg::error_info& e) {
    std::fprintf(stderr, "handled: %s", e.message());
    std::fflush(stderr);
    std::_Exit(3);
}

void installed_handler() {
    const auto [status, text] = in_child([] {
        if (tg::set_error_handler(handler) != nullptr)
            std::_Exit(4);
        EXPECT(tg::get_error_handler() == handler);
        split_badly();
    });
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    EXPECT(text == std::string("handled: ") + split_message);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: noexcept_tests <test> <temp folder>\n");
        return 2;
    }
    folder = argv[2];
    const std::string test = argv[1];
    if (test == "csv")
        csv(), csv_good();
    else if (test == "checkpoint")
        checkpoint();
    else if (test == "trainer")
        trainer();
    else if (test == "default_handler")
        default_handler();
    else if (test == "installed_handler")
        installed_handler();
    else
        return std::fprintf(stderr, "noexcept_tests: no test '%s'\n", argv[1]), 2;
    if (failures == 0)
        std::printf("noexcept %s: passed\n", argv[1]);
    return failures == 0 ? 0 : 1;
}
