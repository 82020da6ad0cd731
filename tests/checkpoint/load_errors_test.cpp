// What load refuses, and that it refuses before it changes anything: a checkpoint of another model
// (every difference listed), of another optimiser, with options or state that do not fit, of a
// newer format, without its checksum; corrupted or truncated files (io::format_error).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <typegrad/checkpoint.hpp>
#include <typegrad/typegrad.hpp>

#include "io/io_helpers.hpp"

namespace tg = typegrad;

namespace {

[[maybe_unused]] const auto loss =
    tg::mse(tg::sequential<tg::Linear<4, 3>, tg::Tanh, tg::Linear<3, 1>>{}(tg::input<"x", 4>), tg::target<"y">);
using Loss = std::remove_cvref_t<decltype(loss)>;
// Another model: the first layer transposed, the second of another width.
[[maybe_unused]] const auto other =
    tg::mse(tg::sequential<tg::Linear<3, 4>, tg::Tanh, tg::Linear<4, 1>>{}(tg::input<"x", 3>), tg::target<"y">);
using Other = std::remove_cvref_t<decltype(other)>;

// A file in a folder of this run's own, removed at exit.
std::filesystem::path temp(const std::string& name) {
    static const typegrad_test::temp_dir dir("load_errors");
    return dir / name;
}

template <class L>
void fill(tg::Parameters<L>& p, float base) {
    auto v = p.values();
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = base + 0.01f * static_cast<float>(i);
}

std::vector<float> values_of(const tg::Parameters<Loss>& p) { return {p.values().begin(), p.values().end()}; }

bool has_line(const tg::checkpoint_error& e, const std::string& text) {
    return std::any_of(e.differences().begin(), e.differences().end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("a checkpoint of another model lists every difference and changes nothing") {
    tg::Parameters<Other> theirs;
    fill(theirs, 1.0f);
    const auto path = temp("other_model.safetensors");
    tg::save(path, theirs);

    tg::Parameters<Loss> mine;
    fill(mine, -1.0f);
    const auto before = values_of(mine);
    try {
        tg::load(path, mine);
        FAIL("load accepted another model");
    } catch (const tg::checkpoint_error& e) {
        CHECK(e.differences().size() == 3);
        CHECK(has_line(e, "0.weight: shape [4, 3] in the file, [3, 4] in the model"));
        CHECK(has_line(e, "0.bias: shape [4] in the file, [3] in the model"));
        CHECK(has_line(e, "2.weight: shape [1, 4] in the file, [1, 3] in the model"));
        CHECK(std::string(e.what()).find("3 differences") != std::string::npos);
    }
    CHECK(values_of(mine) == before);
}

TEST_CASE("missing and unexpected tensors are both listed") {
    tg::io::tensor_writer w;
    const std::vector<float> w0(12, 0.5f), b0(3, 0.5f), extra(7, 1.0f);
    w.add("0.weight", {3, 4}, std::span<const float>(w0));
    w.add("0.bias", {3}, std::span<const float>(b0));
    w.add("fc.weight", {7}, std::span<const float>(extra));
    const auto path = temp("missing.safetensors");
    w.save(path);
    tg::Parameters<Loss> mine;
    try {
        tg::load(path, mine);
        FAIL("load accepted a file without 2.weight");
    } catch (const tg::checkpoint_error& e) {
        CHECK(e.differences().size() == 3);
        CHECK(has_line(e, "2.weight: missing in the file (the model's [1, 3])"));
        CHECK(has_line(e, "2.bias: missing in the file"));
        CHECK(has_line(e, "fc.weight: unexpected"));
    }
}

TEST_CASE("a plain safetensors file of the same names loads; float64 rounds to float") {
    tg::io::tensor_writer w;
    std::vector<double> w0(12), b0(3, 0.25), w2(3, -0.5), b2(1, 0.1);
    for (std::size_t i = 0; i < w0.size(); ++i)
        w0[i] = 0.1 * static_cast<double>(i);
    w.add("0.weight", {3, 4}, std::span<const double>(w0));
    w.add("0.bias", {3}, std::span<const double>(b0));
    w.add("2.weight", {1, 3}, std::span<const double>(w2));
    w.add("2.bias", {1}, std::span<const double>(b2));
    const auto path = temp("f64.safetensors");
    w.save(path);
    tg::Parameters<Loss> mine;
    tg::load(path, mine);
    CHECK(mine.value<"0.weight">()[7] == static_cast<float>(0.7000000000000001));
    CHECK(mine.value<"2.bias">()[0] == static_cast<float>(0.1));
}

TEST_CASE("another optimiser, options it does not have, and a state of another shape are refused") {
    tg::Parameters<Loss> p;
    fill(p, 0.2f);
    tg::Trainer<Loss, tg::Adam> adam{p, {.lr = 0.01}};
    const auto path = temp("adam.safetensors");
    tg::save(path, p, adam);

    tg::Trainer<Loss, tg::SGD> sgd{p};
    const auto before = values_of(p);
    try {
        tg::load(path, p, sgd);
        FAIL("an Adam checkpoint loaded into SGD");
    } catch (const tg::checkpoint_error& e) {
        CHECK(has_line(e, "optimizer: Adam in the file, SGD in the trainer"));
    }
    CHECK(values_of(p) == before);

    // The same file loads into Adam, and lr comes back.
    tg::Trainer<Loss, tg::Adam> again{p, {.lr = 0.5}};
    tg::load(path, p, again);
    CHECK(again.optimizer().param_groups()[0].options.lr == 0.01);
}

TEST_CASE("a newer format version and a missing checksum are refused") {
    tg::Parameters<Loss> p;
    const auto write = [&](const std::string& name, const std::string& version) {
        tg::io::tensor_writer w;
        for (const auto& info : p.info()) {
            std::vector<float> v(info.size, 0.0f);
            const auto s = info.shape();
            w.add(std::string(info.name), std::vector<std::size_t>(s.begin(), s.end()), std::span<const float>(v));
        }
        w.metadata("format", "typegrad.checkpoint");
        w.metadata("format.version", version);
        const auto path = temp(name);
        w.save(path);
        return path;
    };
    try {
        tg::load(write("v2.safetensors", "2"), p);
        FAIL("a version 2 file loaded");
    } catch (const tg::checkpoint_error& e) {
        CHECK(has_line(e, "format.version': 2 in the file; this typegrad reads version 1"));
    }
    // A typegrad checkpoint always has its checksum: the same file written by hand without one.
    std::string header = "{";
    std::size_t offset = 0;
    for (const auto& info : p.info()) {
        std::string shape;
        for (auto e : info.shape())
            shape += (shape.empty() ? "" : ",") + std::to_string(e);
        header += "\"" + std::string(info.name) + "\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":[" +
                  std::to_string(offset) + "," + std::to_string(offset + 4 * info.size) + "]},";
        offset += 4 * info.size;
    }
    header += "\"__metadata__\":{\"format\":\"typegrad.checkpoint\",\"format.version\":\"1\"}}";
    const auto path = temp("no_checksum.safetensors");
    typegrad_test::write_bytes(path, typegrad_test::raw_file(header, std::string(offset, '\0')));
    try {
        tg::load(path, p);
        FAIL("a checkpoint without its checksum loaded");
    } catch (const tg::checkpoint_error& e) {
        CHECK(e.differences().size() == 1);
        CHECK(has_line(e, "typegrad.crc32': missing"));
    }
}

TEST_CASE("a corrupted or truncated checkpoint is a format_error and changes nothing") {
    tg::Parameters<Loss> p;
    fill(p, 0.3f);
    tg::Trainer<Loss, tg::Adam> t{p};
    const auto path = temp("corrupt.safetensors");
    tg::save(path, p, t);
    const auto good = typegrad_test::file_bytes(path);
    tg::Parameters<Loss> q;
    fill(q, -0.3f);
    const auto before = values_of(q);
    tg::Trainer<Loss, tg::Adam> u{q};
    for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{100}, good.size() - 1}) {
        typegrad_test::write_bytes(path, std::span(good).first(cut));
        CHECK_THROWS_AS(tg::load(path, q, u), tg::io::format_error);
    }
    auto flipped = good;
    flipped[flipped.size() - 3] ^= std::byte{0x10};
    typegrad_test::write_bytes(path, flipped);
    CHECK_THROWS_WITH(tg::load(path, q, u), Catch::Contains("CRC-32"));
    CHECK(values_of(q) == before);
}

TEST_CASE("a scheduler's infinite best and a torch int step survive the file") {
    tg::Parameters<Loss> p;
    fill(p, 0.1f);
    tg::Trainer<Loss, tg::SGD> t{p, {.lr = 0.1}};
    using Opt = decltype(t)::optimizer_type;
    tg::ReduceLROnPlateau<Opt> fresh{t.optimizer(), {}};  // best = +inf before the first metric
    const auto path = temp("plateau.safetensors");
    tg::save(path, p, t, fresh);

    tg::ReduceLROnPlateau<Opt> loaded{t.optimizer(), {.mode = "max"}};  // best = -inf
    tg::load(path, p, t, loaded);
    double best = 0;
    loaded.visit_state([&](std::string_view name, auto& v) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, double>)
            if (name == "best")
                best = v;
    });
    CHECK(best == std::numeric_limits<double>::infinity());
}

TEST_CASE("a scalar of the optimiser's state loads from F32, F64 or I64") {
    tg::Parameters<Loss> p;
    tg::Trainer<Loss, tg::Adam> t{p};
    tg::io::tensor_writer w;
    for (const auto& info : p.info()) {
        std::vector<float> v(info.size, 0.5f);
        const auto s = info.shape();
        const std::vector<std::size_t> shape(s.begin(), s.end());
        w.add(std::string(info.name), shape, std::span<const float>(v));
        w.add("optimizer.state." + std::string(info.name) + ".exp_avg", shape, std::span<const float>(v));
        w.add("optimizer.state." + std::string(info.name) + ".exp_avg_sq", shape, std::span<const float>(v));
        const std::int64_t step = 3;
        w.add("optimizer.state." + std::string(info.name) + ".step", {}, std::span<const std::int64_t>(&step, 1));
    }
    w.metadata("optimizer", "Adam");
    w.metadata("optimizer.param_groups",
               R"([{"lr":0.001,"betas":[0.9,0.999],"eps":1e-08,"weight_decay":0,"amsgrad":false,"maximize":false,)"
               R"("foreach":null,"capturable":false,"differentiable":false,"fused":false,)"
               R"("params":["0.weight","0.bias","2.weight","2.bias"]}])");
    const auto path = temp("int_step.safetensors");
    w.save(path);
    tg::load(path, p, t);
    CHECK(t.optimizer().state().scalar("step", 0) == 3.0);
    CHECK(t.optimizer().state().has("exp_avg", 3));
    CHECK_FALSE(t.optimizer().state().has("max_exp_avg_sq", 3));
}

TEST_CASE("a one-group trainer loading a file of two groups is split as the file says") {
    tg::Parameters<Loss> p;
    fill(p, 0.1f);
    tg::Trainer<Loss, tg::SGD> two{p, {.lr = 0.1}};
    two.optimizer().add_param_group({"2.weight", "2.bias"}, {.lr = 0.01, .momentum = 0.5});
    const auto path = temp("groups.safetensors");
    tg::save(path, p, two);

    tg::Trainer<Loss, tg::SGD> one{p, {.lr = 0.7}};
    tg::load(path, p, one);
    const auto groups = one.optimizer().param_groups();
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].options.lr == 0.1);
    CHECK(groups[0].params == std::vector<std::size_t>{0, 1});
    CHECK(groups[1].options.lr == 0.01);
    CHECK(groups[1].options.momentum == 0.5);
    CHECK(groups[1].params == std::vector<std::size_t>{2, 3});
}
