#include "aws/profile/environment.hpp"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace pullcred::aws {

EnvLookup process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const std::string key(name);
        if (key.find('\0') != std::string::npos) return std::nullopt;
        const char *value = std::getenv(key.c_str()); // NOLINT(concurrency-mt-unsafe)
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

EnvLookup map_env(std::map<std::string, std::string, std::less<>> vars) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::optional<std::string> env_value(const EnvLookup &env, std::string_view name) {
    if (!env) return std::nullopt;
    auto value = env(name);
    if (!value || value->empty()) return std::nullopt;
    return value;
}

std::optional<bool> parse_bool_setting(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return std::nullopt;
    const auto last = text.find_last_not_of(" \t\r\n");
    text = text.substr(first, last - first + 1);
    auto equals_ci = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char c = a[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != b[i]) return false;
        }
        return true;
    };
    if (equals_ci(text, "true")) return true;
    if (equals_ci(text, "false")) return false;
    return std::nullopt;
}

std::optional<std::string> home_directory(const EnvLookup &env) {
    if (auto home = env_value(env, "HOME")) return home;
    long size_hint = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::size_t size = size_hint > 0 ? static_cast<std::size_t>(size_hint) : 16384;
    std::vector<char> buffer(size);
    passwd entry{};
    passwd *result = nullptr;
    if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &result) != 0 || result == nullptr ||
        result->pw_dir == nullptr || result->pw_dir[0] == '\0') {
        return std::nullopt;
    }
    return std::string(result->pw_dir);
}

} // namespace pullcred::aws
