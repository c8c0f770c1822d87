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

struct ModuleRef {
    std::filesystem::path path;
    std::string sha256; // empty = not pinned
};

struct CacheSettings {
    std::filesystem::path dir{std::string(kDefaultCacheDir)};
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
    std::optional<std::chrono::seconds> cache_duration;
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
