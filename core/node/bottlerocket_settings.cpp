#include "node/bottlerocket_settings.hpp"

#include <array>
#include <charconv>
#include <pullcred/base64.hpp>

namespace pullcred::node {

namespace {

constexpr std::string_view kMarker = "# pullcred-node-install:";

std::string escape(const std::string &key) {
    std::string out;
    for (const char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

void walk(const nlohmann::json &node, const std::string &pointer, std::vector<std::string> &out) {
    if (!node.is_object() || node.empty()) {
        out.push_back(pointer);
        return;
    }
    for (const auto &[key, value] : node.items()) walk(value, pointer + "/" + escape(key), out);
}

std::string ini_value(std::string_view text) {
    std::string out;
    for (const char c : text)
        if (c != '\n' && c != '\r') out += c;
    return out;
}

} // namespace

std::string render_aws_config(const std::string &profile, const AwsKeys &keys, const std::string &region,
                              const std::string &fingerprint, std::int64_t now) {
    std::string out = "# Written by `pullcred node install`; `pullcred node uninstall` restores the previous "
                      "settings.aws.config.\n";
    out += std::string(kMarker) + " source=" + fingerprint +
           (keys.expires_unix ? " written-unix=" + std::to_string(now) +
                                    " expires-unix=" + std::to_string(*keys.expires_unix)
                              : std::string(" expires-unix=never")) +
           "\n";
    out += profile == "default" ? "[default]\n" : "[profile " + ini_value(profile) + "]\n";
    if (!region.empty()) out += "region = " + ini_value(region) + "\n";
    out += "aws_access_key_id = " + ini_value(keys.access_key_id) + "\n";
    out += "aws_secret_access_key = " + ini_value(keys.secret_access_key) + "\n";
    if (!keys.session_token.empty()) out += "aws_session_token = " + ini_value(keys.session_token) + "\n";
    return out;
}

std::optional<ConfigMarker> parse_config_marker(std::string_view config) {
    const auto at = config.find(kMarker);
    if (at == std::string_view::npos) return std::nullopt;
    auto line = config.substr(at + kMarker.size());
    line = line.substr(0, line.find('\n'));
    ConfigMarker marker;
    bool have_source = false;
    bool have_expiry = false;
    while (!line.empty()) {
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        const auto word = line.substr(0, line.find(' '));
        line.remove_prefix(word.size());
        if (word.starts_with("source=")) {
            marker.fingerprint = std::string(word.substr(7));
            have_source = true;
        } else if (word.starts_with("written-unix=")) {
            const auto value = word.substr(13);
            std::int64_t unix = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), unix);
            if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
            marker.written_unix = unix;
        } else if (word.starts_with("expires-unix=")) {
            const auto value = word.substr(13);
            have_expiry = true;
            if (value == "never") continue;
            std::int64_t unix = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), unix);
            if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
            marker.expires_unix = unix;
        }
    }
    if (!have_source || !have_expiry) return std::nullopt;
    return marker;
}

nlohmann::json wanted_settings(const BottlerocketWanted &wanted) {
    nlohmann::json provider{{"enabled", true},
                            {"image-patterns", wanted.image_patterns},
                            {"cache-duration", wanted.cache_duration}};
    if (!wanted.environment.empty()) {
        nlohmann::json environment = nlohmann::json::object();
        for (const auto &[name, value] : wanted.environment) environment[name] = value;
        provider["environment"] = environment;
    }
    return {{"aws", {{"config", sdk::base64_encode(wanted.aws_config)}, {"profile", wanted.profile}}},
            {"kubernetes", {{"credential-providers", {{"ecr-credential-provider", provider}}}}}};
}

std::vector<std::string> settings_leaves(const nlohmann::json &settings) {
    std::vector<std::string> out;
    if (settings.is_object())
        for (const auto &[key, value] : settings.items()) walk(value, "/" + escape(key), out);
    return out;
}

nlohmann::json settings_diff(const nlohmann::json &current, const nlohmann::json &wanted) {
    nlohmann::json patch = nlohmann::json::object();
    for (const auto &leaf : settings_leaves(wanted)) {
        const nlohmann::json::json_pointer pointer(leaf);
        const auto &value = wanted.at(pointer);
        if (current.is_object() && current.contains(pointer) && current.at(pointer) == value) continue;
        patch[pointer] = value;
    }
    return patch;
}

nlohmann::json restore_patch(const std::vector<std::string> &touched, const nlohmann::json &previous) {
    static const std::array<std::pair<std::string_view, nlohmann::json>, 3> neutral{{
        {"/aws/config", sdk::base64_encode("# settings.aws.config cleared by `pullcred node uninstall`\n")},
        {"/aws/profile", "default"},
        {"/kubernetes/credential-providers/ecr-credential-provider/enabled", false},
    }};
    nlohmann::json patch = nlohmann::json::object();
    for (const auto &leaf : touched) {
        nlohmann::json::json_pointer pointer;
        try {
            pointer = nlohmann::json::json_pointer(leaf);
        } catch (const nlohmann::json::exception &) {
            continue;
        }
        if (pointer.empty()) continue;
        if (previous.is_object() && previous.contains(pointer)) {
            patch[pointer] = previous.at(pointer);
            continue;
        }
        for (const auto &[path, value] : neutral)
            if (leaf == path) patch[pointer] = value;
    }
    return patch;
}

} // namespace pullcred::node
