#include "config/model_builder.hpp"

#include "config/yaml_to_json.hpp"
#include "match/glob.hpp"
#include "util/duration.hpp"
#include "util/json_strict.hpp"

namespace pullcred::config {

namespace {

bool looks_like_json(std::string_view text, const std::string &file_name) {
    if (file_name.size() >= 5 && file_name.compare(file_name.size() - 5, 5, ".json") == 0) return true;
    const auto first = text.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && text[first] == '{';
}

// kubelet kills a provider after 60 s: pullcred's own deadline must end first.
constexpr std::chrono::seconds kLongestDeadline{55};
// kubelet keeps an answer in memory this long at the most.
constexpr std::chrono::seconds kLongestCacheDuration{24 * 3600};

struct DurationRange {
    std::chrono::seconds least;
    std::chrono::seconds most;
    const char *why; // what the bounds protect
};

void read_duration(const nlohmann::json &object, const char *key, const std::string &path,
                   std::vector<Problem> &problems, const DurationRange &range, auto &&store) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return;
    auto duration = parse_go_duration_exact(it->get<std::string>());
    if (!duration) {
        problems.push_back({join_path(path, key), duration.error().message});
    } else if (*duration < range.least || *duration > range.most) {
        problems.push_back({join_path(path, key), "\"" + it->get<std::string>() + "\" is out of range: use " +
                                                      format_go_duration(range.least) + " to " +
                                                      format_go_duration(range.most) + " (" + range.why +
                                                      ")"});
    } else {
        store(*duration);
    }
}

void build_modules(const nlohmann::json &doc, Config &config) {
    auto it = doc.find("modules");
    if (it == doc.end()) return;
    for (const auto &item : *it) {
        if (item.is_string())
            config.modules.push_back({item.get<std::string>(), ""});
        else
            config.modules.push_back({item.at("path").get<std::string>(), item.value("sha256", "")});
    }
}

void build_cache_and_settings(const nlohmann::json &doc, Config &config, std::vector<Problem> &problems) {
    if (auto cache = doc.find("cache"); cache != doc.end()) {
        if (auto dir = cache->find("dir"); dir != cache->end()) config.cache.dir = dir->get<std::string>();
        config.cache.enabled = cache->value("enabled", true);
    }
    if (auto settings = doc.find("settings"); settings != doc.end()) {
        const DurationRange within_kubelet{std::chrono::seconds(1), kLongestDeadline,
                                           "kubelet stops a provider after 60s"};
        read_duration(*settings, "deadline", "settings", problems, within_kubelet, [&](auto d) {
            config.settings.deadline = std::chrono::duration_cast<std::chrono::seconds>(d);
        });
        read_duration(*settings, "httpTimeout", "settings", problems, within_kubelet, [&](auto d) {
            config.settings.http_timeout = std::chrono::duration_cast<std::chrono::seconds>(d);
        });
        if (settings->contains("httpTimeout") && config.settings.http_timeout > config.settings.deadline)
            problems.push_back(
                {"settings.httpTimeout", "longer than settings.deadline (" +
                                             format_go_duration(config.settings.deadline) +
                                             "): an HTTP attempt must fit inside the deadline"});
        config.settings.ca_bundle = settings->value("caBundle", "");
        config.settings.native_signing_helper = settings->value("nativeSigningHelper", true);
    }
}

void build_profiles(const nlohmann::json &doc, Config &config) {
    auto it = doc.find("profiles");
    if (it == doc.end()) return;
    for (const auto &[name, body] : it->items()) {
        Profile profile{name, body.at("source").get<std::string>(), body};
        // settings.nativeSigningHelper is the default of the built-in AWS sources' own key.
        if ((profile.source == "aws.shared-config" || profile.source == "aws.default-chain") &&
            !config.settings.native_signing_helper && !body.contains("nativeSigningHelper"))
            profile.settings["nativeSigningHelper"] = false;
        config.profiles[name] = std::move(profile);
    }
}

CacheKeyType cache_key_type_of(const nlohmann::json &rule) {
    const auto it = rule.find("cacheKeyType");
    if (it == rule.end() || !it->is_string()) return CacheKeyType::registry;
    const auto &text = it->get_ref<const std::string &>();
    if (text == "Image") return CacheKeyType::image;
    if (text == "Global") return CacheKeyType::global;
    return CacheKeyType::registry;
}

// An absent, empty or mistyped key keeps its default (the schema refuses them).
void read_text(const nlohmann::json &object, const char *key, std::string &into) {
    const auto it = object.find(key);
    if (it != object.end() && it->is_string() && !it->get_ref<const std::string &>().empty())
        into = it->get<std::string>();
}

bool read_flag(const nlohmann::json &object, const char *key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_boolean() && it->get<bool>();
}

ServiceAccountSettings service_account_of(const nlohmann::json &rule) {
    ServiceAccountSettings settings;
    const auto it = rule.find("serviceAccount");
    if (it == rule.end() || !it->is_object()) return settings;
    settings.required = read_flag(*it, "required");
    settings.forward_to_backend = read_flag(*it, "forwardToBackend");
    read_text(*it, "roleAnnotation", settings.role_annotation);
    read_text(*it, "roleArn", settings.role_arn);
    read_text(*it, "stsRegion", settings.sts_region);
    return settings;
}

void build_rules(const nlohmann::json &doc, Config &config, std::vector<Problem> &problems) {
    auto it = doc.find("registries");
    if (it == doc.end()) return;
    std::size_t index = 0;
    for (const auto &body : *it) {
        const auto path = "registries[" + std::to_string(index) + "]";
        Rule rule;
        rule.index = index;
        rule.backend = body.at("backend").get<std::string>();
        rule.profile = body.value("profile", "");
        rule.cache_key_type = cache_key_type_of(body);
        rule.service_account = service_account_of(body);
        if (rule.backend == "aws.ecr") read_text(body, "mirrorOf", rule.ecr_mirror_of);
        rule.settings = body;
        std::size_t pattern_index = 0;
        for (const auto &pattern : body.at("matchImages")) {
            const auto text = pattern.get<std::string>();
            if (auto valid = match::validate_pattern(text); !valid)
                problems.push_back(
                    {path + ".matchImages[" + std::to_string(pattern_index) + "]", valid.error().message});
            rule.match_images.push_back(text);
            ++pattern_index;
        }
        read_duration(body, "cacheDuration", path, problems,
                      DurationRange{std::chrono::seconds(0), kLongestCacheDuration,
                                    "kubelet keeps an answer that long without asking again"},
                      [&](auto d) { rule.cache_duration = d; });
        if (!rule.profile.empty() && !config.profiles.contains(rule.profile))
            problems.push_back({path + ".profile", "no profile named \"" + rule.profile + "\" in profiles"});
        config.registries.push_back(std::move(rule));
        ++index;
    }
}

constexpr std::size_t kMaxStringBytes = 4096;

// Schema patterns run std::regex, whose recursion grows with the input: long
// strings are refused before validation.
std::optional<Problem> oversized_string(const nlohmann::json &value, const std::string &path) {
    if (value.is_string() && value.get_ref<const std::string &>().size() > kMaxStringBytes)
        return Problem{path, "longer than " + std::to_string(kMaxStringBytes) + " bytes"};
    if (value.is_object()) {
        for (const auto &[key, item] : value.items()) {
            if (key.size() > kMaxStringBytes) return Problem{path, "a key longer than 4096 bytes"};
            if (auto found = oversized_string(item, join_path(path, key))) return found;
        }
    }
    if (value.is_array()) {
        std::size_t index = 0;
        for (const auto &item : value)
            if (auto found = oversized_string(item, path + "[" + std::to_string(index++) + "]")) return found;
    }
    return std::nullopt;
}

} // namespace

std::string_view to_string(CacheKeyType type) {
    switch (type) {
    case CacheKeyType::image:
        return "Image";
    case CacheKeyType::global:
        return "Global";
    case CacheKeyType::registry:
        break;
    }
    return "Registry";
}

std::optional<nlohmann::json> read_document(std::string_view text, const std::string &file_name,
                                            std::vector<Problem> &problems) {
    auto document = looks_like_json(text, file_name) ? parse_json_strict(text) : yaml_to_json(text);
    if (!document) {
        problems.push_back({"", document.error().message});
        return std::nullopt;
    }
    if (!document->is_object()) {
        problems.push_back({"", "expected a mapping with apiVersion: pullcred/v1 and kind: Config"});
        return std::nullopt;
    }
    if (auto oversized = oversized_string(*document, "")) {
        problems.push_back(*oversized);
        return std::nullopt;
    }
    return std::move(*document);
}

void build_config(const nlohmann::json &document, Config &config, std::vector<Problem> &problems) {
    build_modules(document, config);
    build_cache_and_settings(document, config, problems);
    build_profiles(document, config);
    build_rules(document, config, problems);
}

} // namespace pullcred::config
