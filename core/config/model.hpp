// pullcred's configuration, as loaded and checked (shape: config/pullcred.schema.json).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pullcred::config {

inline constexpr std::string_view kDefaultCacheDir = "/var/lib/pullcred/cache";

// Where the cache lives when the config does not say: $PULLCRED_CACHE_DIR if
// set; else kDefaultCacheDir for root; else the user's cache directory
// ($XDG_CACHE_HOME/pullcred or ~/.cache/pullcred, /tmp/pullcred-<uid> without
// a home), so that an unprivileged docker credential helper still caches.
std::filesystem::path default_cache_dir();

struct ModuleRef {
    std::filesystem::path path;
    std::string sha256; // empty = not pinned
};

struct CacheSettings {
    std::filesystem::path dir = default_cache_dir();
    bool enabled = true;
};

struct HostSettings {
    std::chrono::seconds deadline{45};
    std::chrono::seconds http_timeout{10};
    std::string ca_bundle;
    bool native_signing_helper = true;
};

struct Profile {
    std::string name;
    std::string source;
    nlohmann::json settings; // the whole profile object, passed to the source
};

// A rule's cacheKeyType: how kubelet may keep its answers (request/kubelet_cache_scope.hpp).
enum class CacheKeyType : std::uint8_t { image, registry, global };
std::string_view to_string(CacheKeyType type);

inline constexpr std::string_view kDefaultRoleAnnotation = "eks.amazonaws.com/ecr-role-arn";

// A rule's serviceAccount (request/service_account.hpp says what each does).
struct ServiceAccountSettings {
    bool required = false;
    bool forward_to_backend = false;
    std::string role_annotation{kDefaultRoleAnnotation};
    std::string role_arn;   // empty: none
    std::string sts_region; // empty: the ECR host's region
    bool operator==(const ServiceAccountSettings &) const = default;
};

struct Rule {
    std::size_t index = 0;
    std::vector<std::string> match_images;
    std::string backend;
    std::string profile; // may be empty
    std::optional<std::chrono::nanoseconds> cache_duration;
    CacheKeyType cache_key_type = CacheKeyType::registry;
    ServiceAccountSettings service_account;
    std::string ecr_mirror_of; // aws.ecr's mirrorOf, for the host's pattern warnings
    nlohmann::json settings;   // the whole rule object, passed to the backend
};

struct Config {
    std::string file; // where it came from; empty for the built-in default
    std::vector<ModuleRef> modules;
    CacheSettings cache;
    HostSettings settings;
    std::map<std::string, Profile> profiles;
    std::vector<Rule> registries;
};

} // namespace pullcred::config
