// typegrad's metrics against scikit-learn's on the sets that sklearn_reference.py recorded in
// sklearn_reference.txt (inputs and sklearn's values): binary (a logit a row, two scores a row, a
// class never predicted), five classes with absent ones, class indices, regression.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <typegrad/data/target_scaler.hpp>
#include <typegrad/metrics.hpp>

#include "datasets.hpp"

namespace tg = typegrad;

namespace {

struct reference_case {
    std::string name;
    std::map<std::string, std::vector<double>> values;
    const std::vector<double>& at(const std::string& key) const {
        const auto it = values.find(key);
        if (it == values.end())
            throw std::runtime_error("sklearn_reference.txt: case " + name + " has no " + key);
        return it->second;
    }
    double one(const std::string& key) const { return at(key).at(0); }
};

std::vector<reference_case> read_reference() {
    std::ifstream in(TYPEGRAD_METRICS_REFERENCE);
    REQUIRE(in);
    std::vector<reference_case> cases;
    std::string text;
    while (std::getline(in, text)) {
        std::istringstream words(text);
        std::string key;
        if (!(words >> key) || key.starts_with("#"))
            continue;
        if (key == "case") {
            cases.emplace_back();
            words >> cases.back().name;
        } else if (key != "end") {
            REQUIRE(!cases.empty());
            auto& v = cases.back().values[key];
            for (double x; words >> x;)
                v.push_back(x);
        }
    }
    return cases;
}

const std::vector<reference_case>& reference() {
    static const std::vector<reference_case> cases = read_reference();
    return cases;
}

// sklearn sums with numpy (pairwise), typegrad in order: the last bits may differ.
void check_close(double ours, double theirs, const std::string& what) {
    INFO(what << ": typegrad " << ours << ", sklearn " << theirs);
    CHECK(std::fabs(ours - theirs) <= 1e-12 * std::max(1.0, std::fabs(theirs)));
}

void check_all(const std::vector<double>& ours, const std::vector<double>& theirs, const std::string& what) {
    REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i)
        check_close(ours[i], theirs[i], what + "[" + std::to_string(i) + "]");
}

std::vector<float> as_float(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("the reference file holds every kind of case") {
    std::size_t classification = 0, regression = 0;
    for (const auto& c : reference())
        (c.values.count("confusion") ? classification : regression) += 1;
    CHECK(classification == 5);
    CHECK(regression == 2);
}

TEST_CASE("confusion matrix, precision, recall and F1 match sklearn") {
    for (const auto& c : reference()) {
        if (!c.values.count("confusion"))
            continue;
        INFO("case " << c.name);
        const auto classes = static_cast<std::size_t>(c.one("classes"));
        const std::vector<double>& p = c.at("predictions");
        const std::vector<double>& y = c.at("targets");
        const tg::confusion m = tg::confusion_matrix(std::span<const double>(p), std::span<const double>(y), classes);
        REQUIRE(m.classes == classes);
        std::vector<double> counts(m.counts.begin(), m.counts.end());
        CHECK(counts == c.at("confusion"));
        // The float overload reads the same values (they are float32 numbers) the same way.
        const auto pf = as_float(p), yf = as_float(y);
        CHECK(tg::confusion_matrix(std::span<const float>(pf), std::span<const float>(yf), classes).counts == m.counts);
        if (static_cast<std::size_t>(c.one("width")) != 1 || classes == 2)  // accuracy reads scores or a logit
            check_close(tg::accuracy(std::span<const double>(p), std::span<const double>(y)), c.one("accuracy"),
                        "accuracy");
        for (const int zd : {0, 1}) {
            const std::string z = "_" + std::to_string(zd);
            check_all(tg::precision_per_class(m, zd), c.at("precision_per_class" + z), "precision per class" + z);
            check_all(tg::recall_per_class(m, zd), c.at("recall_per_class" + z), "recall per class" + z);
            check_all(tg::f1_per_class(m, zd), c.at("f1_per_class" + z), "f1 per class" + z);
            const std::pair<tg::average, const char*> averages[] = {
                {tg::average::macro, "macro"}, {tg::average::micro, "micro"}, {tg::average::weighted, "weighted"}};
            for (const auto& [avg, name] : averages) {
                const std::string key = std::string("_") + name + z;
                check_close(tg::precision(m, avg, zd), c.one("precision" + key), "precision" + key);
                check_close(tg::recall(m, avg, zd), c.one("recall" + key), "recall" + key);
                check_close(tg::f1(m, avg, zd), c.one("f1" + key), "f1" + key);
                // Straight from the predictions, in float: the same numbers.
                check_close(tg::precision(std::span<const float>(pf), std::span<const float>(yf), classes, avg, zd),
                            c.one("precision" + key), "precision from spans" + key);
                check_close(tg::recall(std::span<const float>(pf), std::span<const float>(yf), classes, avg, zd),
                            c.one("recall" + key), "recall from spans" + key);
                check_close(tg::f1(std::span<const double>(p), std::span<const double>(y), classes, avg, zd),
                            c.one("f1" + key), "f1 from spans" + key);
            }
        }
    }
}

TEST_CASE("R2, MAE, MSE, RMSE and the target scaler match sklearn") {
    for (const auto& c : reference()) {
        if (c.values.count("confusion"))
            continue;
        INFO("case " << c.name);
        const std::span<const double> p(c.at("predictions")), y(c.at("targets"));
        check_close(tg::r2(p, y), c.one("r2"), "r2");
        check_close(tg::mae(p, y), c.one("mae"), "mae");
        check_close(tg::mse(p, y), c.one("mse"), "mse");
        check_close(tg::rmse(p, y), c.one("rmse"), "rmse");
        const auto pf = as_float(c.at("predictions")), yf = as_float(c.at("targets"));
        check_close(tg::mae(std::span<const float>(pf), std::span<const float>(yf)), c.one("mae"), "mae (float)");
        check_close(tg::r2(std::span<const float>(pf), std::span<const float>(yf)), c.one("r2"), "r2 (float)");

        // StandardScaler on the target: the same mean and (population) std, and scaled targets.
        const auto d = typegrad_test::make_dataset<double>(1, std::vector<double>(y.size(), 0.0),
                                                           std::vector<double>(y.begin(), y.end()));
        const auto s = tg::data::target_scaler<double>::fit(d);
        check_close(s.mean, c.one("target_mean"), "target mean");
        check_close(s.std, c.one("target_std"), "target std");
        const auto scaled = s.apply(d);
        check_all(std::vector<double>(scaled.targets().begin(), scaled.targets().end()), c.at("targets_scaled"),
                  "scaled targets");
        check_all(s.inverted(scaled.targets()), c.at("targets"), "inverted targets");
    }
}
