// Where the config and the cache are; apart from defaults.cpp so that the
// front (core/front) finds them without linking the schema validator.
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "config/defaults.hpp"
#include "config/model.hpp"

namespace pullcred::config {

ConfigLocation locate_config(const std::string &flag_value) {
    if (!flag_value.empty()) return {flag_value, true};
    if (const char *env = std::getenv("PULLCRED_CONFIG"); env != nullptr && *env != '\0') return {env, true};
    return {std::string(kDefaultConfigPath), false};
}

std::filesystem::path default_cache_dir() {
    const auto env = [](const char *name) -> std::string {
        const char *value = std::getenv(name); // NOLINT(concurrency-mt-unsafe): read-only use
        return value != nullptr ? value : "";
    };
    if (auto dir = env("PULLCRED_CACHE_DIR"); !dir.empty()) return dir;
    if (::geteuid() == 0) return std::string(kDefaultCacheDir);
    if (auto xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/')
        return std::filesystem::path(xdg) / "pullcred";
    if (auto home = env("HOME"); !home.empty() && home.front() == '/')
        return std::filesystem::path(home) / ".cache" / "pullcred";
    // No home: a directory of this user's own, never root's (whose owner it
    // could not, and must not, change).
    return "/tmp/pullcred-" + std::to_string(::geteuid());
}

} // namespace pullcred::config
