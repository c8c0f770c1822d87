#include "config/partial_build.hpp"

#include <set>

#include "config/model_builder.hpp"

namespace pullcred::config {

namespace {

using nlohmann::json;

// Stands in for a refused profile or rule while the rest is built, so that
// references to it and the indices of the rules after it stay right.
constexpr const char *kPlaceholder = "placeholder.invalid";

struct Pruning {
    std::set<std::string> profiles;                // left out of the model
    std::set<std::size_t> rules;                   // left out of the model
    std::set<std::size_t> rule_patterns;           // rules whose matchImages were refused
    std::set<std::size_t, std::greater<>> modules; // entries to drop, last first
};

// "registries[3]..." -> 3 and the rest (".backend").
std::optional<std::pair<std::size_t, std::string>> rule_of(const std::string &path) {
    const std::string prefix = "registries[";
    if (path.rfind(prefix, 0) != 0) return std::nullopt;
    const auto close = path.find(']', prefix.size());
    if (close == std::string::npos || close == prefix.size()) return std::nullopt;
    const auto digits = path.substr(prefix.size(), close - prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return std::nullopt;
    return std::pair{static_cast<std::size_t>(std::stoul(digits)), path.substr(close + 1)};
}

// The first key of ".cacheDuration..." ("cacheDuration").
std::string first_key(const std::string &rest) {
    if (rest.empty() || rest.front() != '.') return {};
    const auto end = rest.find_first_of(".[", 1);
    return rest.substr(1, end == std::string::npos ? std::string::npos : end - 1);
}

void prune_rule(json &pruned, std::size_t index, const std::string &rest, Pruning &pruning) {
    auto &rules = pruned["registries"];
    if (!rules.is_array() || index >= rules.size()) return;
    const auto key = first_key(rest);
    auto &rule = rules[index];
    if (key == "matchImages" && rule.is_object()) {
        rule["matchImages"] = json::array({kPlaceholder});
        pruning.rule_patterns.insert(index);
    } else if ((key == "profile" || key == "cacheDuration" || key == "cacheKeyType" ||
                key == "serviceAccount") &&
               rule.is_object()) {
        rule.erase(key);
    } else {
        rule = json{{"matchImages", json::array({kPlaceholder})}, {"backend", kPlaceholder}};
        pruning.rules.insert(index);
    }
}

// A profile's name may hold dots: the path is matched against the names.
bool prune_profile(json &pruned, const std::string &path, Pruning &pruning) {
    auto profiles = pruned.find("profiles");
    if (profiles == pruned.end() || !profiles->is_object()) return false;
    for (auto &[name, body] : profiles->items()) {
        if (!path_within(path, "profiles." + name)) continue;
        body = json{{"source", kPlaceholder}};
        pruning.profiles.insert(name);
        return true;
    }
    return false;
}

// Settings, cache, modules and unknown keys: "a", "a.b" or "a[i]".
void prune_other(json &pruned, const std::string &path, Pruning &pruning) {
    const auto cut = path.find_first_of(".[");
    const auto top = path.substr(0, cut);
    if (cut == std::string::npos) {
        pruned.erase(top);
        return;
    }
    auto section = pruned.find(top);
    if (section == pruned.end()) return;
    if (path[cut] == '[' && top == "modules") {
        const auto close = path.find(']', cut);
        const auto digits = path.substr(cut + 1, close == std::string::npos ? 0 : close - cut - 1);
        if (!digits.empty() && digits.size() < 10 &&
            digits.find_first_not_of("0123456789") == std::string::npos)
            pruning.modules.insert(std::stoul(digits));
        return;
    }
    const auto end = path.find_first_of(".[", cut + 1);
    if (section->is_object())
        section->erase(path.substr(cut + 1, end == std::string::npos ? end : end - cut - 1));
}

} // namespace

void build_partial_config(const json &document, const std::vector<Problem> &schema_problems, Config &config,
                          std::vector<Problem> &problems) {
    json pruned = document;
    Pruning pruning;
    for (const auto &problem : schema_problems) {
        const auto &path = problem.path;
        if (path.empty()) continue;
        if (auto rule = rule_of(path)) {
            prune_rule(pruned, rule->first, rule->second, pruning);
        } else if (!path_within(path, "profiles") || path == "profiles" ||
                   !prune_profile(pruned, path, pruning)) {
            prune_other(pruned, path, pruning);
        }
    }
    if (auto modules = pruned.find("modules"); modules != pruned.end() && modules->is_array())
        for (const auto index : pruning.modules)
            if (index < modules->size()) modules->erase(index);
    try {
        build_config(pruned, config, problems);
    } catch (const json::exception &) {
        problems.push_back({"", "the rest of the config cannot be checked until the problems above are fixed",
                            Severity::warning});
    }
    for (const auto &name : pruning.profiles) config.profiles.erase(name);
    std::erase_if(config.registries, [&](const Rule &rule) { return pruning.rules.contains(rule.index); });
    for (auto &rule : config.registries)
        if (pruning.rule_patterns.contains(rule.index)) rule.match_images.clear();
}

} // namespace pullcred::config
