// pullcred's configuration, as loaded and checked (shape: config/pullcred.schema.json).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
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

struct Rule {
    std::size_t index = 0;
    std::vector<std::string> match_images;
    std::string backend;
    std::string profile; // may be empty
    std::optional<std::chrono::nanoseconds> cache_duration;
    std::string cache_key_type = "Registry";
    nlohmann::json settings; // the whole rule object, passed to the backend
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
