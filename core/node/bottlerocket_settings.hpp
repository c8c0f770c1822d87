// The Bottlerocket settings pullcred sets, and the comparisons that keep it
// from PATCHing settings that already hold the wanted values (a change of
// some settings restarts kubelet: docs/install.md, "Bottlerocket").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pullcred::node {

struct AwsKeys {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    std::optional<std::int64_t> expires_unix;
};

struct BottlerocketWanted {
    std::vector<std::string> image_patterns;
    std::string cache_duration;
    std::vector<std::pair<std::string, std::string>> environment;
    std::string profile;    // settings.aws.profile
    std::string aws_config; // plain text; settings.aws.config holds it base64-encoded
};

// The AWS config file for settings.aws.config. `fingerprint` (not secret) names
// the profile's definition; with the expiry it goes into a comment line that
// parse_config_marker reads back.
std::string render_aws_config(const std::string &profile, const AwsKeys &keys, const std::string &region,
                              const std::string &fingerprint, std::int64_t now);

struct ConfigMarker {
    std::string fingerprint;
    std::optional<std::int64_t> expires_unix;
    std::optional<std::int64_t> written_unix;
};
// The marker of a config pullcred wrote (plain text, decoded); nullopt for any other.
std::optional<ConfigMarker> parse_config_marker(std::string_view config);

// {"aws": {...}, "kubernetes": {"credential-providers": {"ecr-credential-provider": {...}}}}
nlohmann::json wanted_settings(const BottlerocketWanted &wanted);

// JSON pointers of the leaves of `settings` (objects are walked, arrays and
// scalars are leaves).
std::vector<std::string> settings_leaves(const nlohmann::json &settings);

// The leaves of `wanted` whose value in `current` differs or is missing, as a
// nested object (a PATCH body); an empty object when nothing differs.
nlohmann::json settings_diff(const nlohmann::json &current, const nlohmann::json &wanted);

// What `node uninstall` PATCHes: each touched leaf back to its `previous`
// value; a leaf that had none gets a neutral value (the API cannot delete a
// setting) or is left as it is.
nlohmann::json restore_patch(const std::vector<std::string> &touched, const nlohmann::json &previous);

} // namespace pullcred::node
