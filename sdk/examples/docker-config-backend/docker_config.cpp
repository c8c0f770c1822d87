#include "docker_config.hpp"

#include <nlohmann/json.hpp>

#include <pullcred/base64.hpp>

std::string registry_of_key(std::string key) {
    for (const char *scheme : {"https://", "http://"})
        if (key.rfind(scheme, 0) == 0) key.erase(0, std::string(scheme).size());
    if (auto slash = key.find('/'); slash != std::string::npos) key.erase(slash);
    return key;
}

std::variant<DockerCredentials, DockerConfigProblem> find_credentials(std::string_view config_text,
                                                                      std::string_view registry) {
    auto document = nlohmann::json::parse(config_text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return DockerConfigProblem::not_json;
    auto auths = document.find("auths");
    if (auths == document.end() || !auths->is_object()) return DockerConfigProblem::no_auths;
    for (const auto &item : auths->items()) {
        const auto &entry = item.value();
        if (registry_of_key(item.key()) != registry || !entry.is_object()) continue;
        DockerCredentials out;
        if (auto encoded = entry.find("auth"); encoded != entry.end() && encoded->is_string()) {
            auto decoded = pullcred::sdk::base64_decode(encoded->get<std::string>());
            const auto colon = decoded ? decoded->find(':') : std::string::npos;
            if (colon == std::string::npos) return DockerConfigProblem::bad_auth;
            out.username = decoded->substr(0, colon);
            out.password = decoded->substr(colon + 1);
            return out;
        }
        const auto text = [&](const char *name) {
            auto it = entry.find(name);
            return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        out.username = text("username");
        out.password = text("password");
        if (out.username.empty() && out.password.empty()) return DockerConfigProblem::empty_entry;
        return out;
    }
    return DockerConfigProblem::no_entry;
}
