// Where the config comes from, and the built-in config used without one.
#pragma once

#include <filesystem>
#include <string>

#include "config/loader.hpp"

namespace pullcred::config {

inline constexpr std::string_view kDefaultConfigPath = "/etc/pullcred/config.yaml";

struct ConfigLocation {
    std::filesystem::path path;
    bool explicit_choice = false; // --config or PULLCRED_CONFIG: a missing file is an error
};

// --config, then $PULLCRED_CONFIG, then /etc/pullcred/config.yaml.
ConfigLocation locate_config(const std::string &flag_value);

// Loads the located file; without one (default path absent), the built-in
// config that behaves like the reference ECR credential provider.
LoadResult load_effective_config(const ConfigLocation &location, const KnownValid &known_valid = {});

LoadResult builtin_config();

} // namespace pullcred::config
