// The `auths` of a docker config.json: the user name and password stored for
// one registry.
#pragma once

#include <string>
#include <string_view>
#include <variant>

struct DockerCredentials {
    std::string username;
    std::string password;
};

enum class DockerConfigProblem { not_json, no_auths, bad_auth, empty_entry, no_entry };

// "https://index.docker.io/v1/" -> "index.docker.io"
std::string registry_of_key(std::string key);

// The entry of `registry` in the config text, or why there is none.
std::variant<DockerCredentials, DockerConfigProblem> find_credentials(std::string_view config_text,
                                                                      std::string_view registry);
