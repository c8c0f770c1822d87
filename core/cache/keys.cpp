#include "cache/keys.hpp"

#include <initializer_list>

#include "util/sha256.hpp"

namespace pullcred::cache {

namespace {
std::string dump(const nlohmann::json &value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Length-prefixed fields, so that no two field lists hash alike.
std::string key_of(std::string_view prefix, std::initializer_list<std::string_view> fields) {
    Sha256 hash;
    for (const auto field : fields) hash.update(std::to_string(field.size())).update(":").update(field);
    return std::string(prefix) + to_hex(hash.finish());
}
} // namespace

std::string credentials_key(const config::Profile &profile, std::string_view identity) {
    return key_of("creds-", {"credentials/v1", profile.name, dump(profile.settings), identity});
}

std::string auth_key(const config::Config &config, const config::Rule &rule, std::string_view registry,
                     std::string_view identity) {
    const auto profile = config.profiles.find(rule.profile);
    const auto profile_settings =
        profile == config.profiles.end() ? std::string() : dump(profile->second.settings);
    return key_of("auth-", {"auth/v1", rule.backend, registry, rule.profile, dump(rule.settings),
                            profile_settings, identity});
}

} // namespace pullcred::cache
