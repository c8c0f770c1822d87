// Environment access for the AWS settings, injectable so that tests (and
// callers that carry their own environment) never touch the real one.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pullcred::aws {

// Returns the value of an environment variable, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv).
EnvLookup process_env();

// The environment as a module's host shows it (sdk::Host::env), which
// records every variable read.
template <class Host> EnvLookup host_env(Host host) {
    return [host](std::string_view name) { return host.env(name); };
}

// A fixed set of variables; anything else is unset.
EnvLookup map_env(std::map<std::string, std::string, std::less<>> vars);

// The variable's value when it is set and not empty (AWS SDKs treat an empty
// variable as unset). An empty lookup function means "no environment".
std::optional<std::string> env_value(const EnvLookup &env, std::string_view name);

// `true` / `false`, case-insensitive, surrounding blanks ignored; anything
// else is nullopt.
std::optional<bool> parse_bool_setting(std::string_view text);

// The user's home directory: $HOME when set and not empty, otherwise the
// password database entry of the current user (kubelet plugins may run
// without HOME). nullopt when neither is known.
std::optional<std::string> home_directory(const EnvLookup &env);

} // namespace pullcred::aws
