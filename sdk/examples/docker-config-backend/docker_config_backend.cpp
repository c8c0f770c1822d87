// Example pullcred module: a registry backend that answers from the `auths`
// of a docker config.json, for any registry. Built only against the
// installed SDK (see CMakeLists.txt and docs/modules.md).
#include <fstream>
#include <pullcred/module.hpp>
#include <sstream>
#include <string>

#include "base64.hpp"

namespace {

using pullcred::sdk::Auth;
using pullcred::sdk::AuthRequest;
using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Host;
using pullcred::sdk::Result;
using pullcred::sdk::Status;

constexpr const char *kSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["configFile"],
  "properties": {"configFile": {"type": "string", "minLength": 1}}
})";

// docker normalises keys such as "https://index.docker.io/v1/"; compare hosts.
std::string registry_of_key(std::string key) {
    for (const char *scheme : {"https://", "http://"})
        if (key.rfind(scheme, 0) == 0) key.erase(0, std::string(scheme).size());
    if (auto slash = key.find('/'); slash != std::string::npos) key.erase(slash);
    return key;
}

class DockerConfigBackend final : public pullcred::sdk::RegistryBackend {
public:
    DockerConfigBackend(Host host, const Config &config) : host_(host) {
        if (!config.contains("configFile")) throw ConfigError("configFile is required");
        path_ = config.at("configFile").get<std::string>();
    }

    Result<Auth> get_auth(const AuthRequest &request) override {
        std::ifstream file(path_);
        if (!file) return Status::failed("cannot read docker config " + path_);
        std::stringstream text;
        text << file.rdbuf();
        auto document = nlohmann::json::parse(text.str(), nullptr, false);
        if (document.is_discarded() || !document.is_object())
            return Status::failed("docker config " + path_ + " is not a JSON object");
        auto auths = document.find("auths");
        if (auths == document.end() || !auths->is_object())
            return Status::failed("docker config " + path_ + " has no \"auths\" object");

        for (const auto &[key, entry] : auths->items()) {
            if (registry_of_key(key) != request.registry || !entry.is_object()) continue;
            auto credentials = credentials_of(entry);
            if (!credentials.ok()) return credentials.status();
            host_.debug("answering " + std::string(request.registry) + " from " + path_);
            Auth auth;
            auth.entries.push_back(credentials.value());
            auth.entries.back().registry = std::string(request.registry);
            return auth;
        }
        return Status::not_applicable("no entry for " + std::string(request.registry) + " in " + path_);
    }

private:
    Result<pullcred::sdk::AuthEntry> credentials_of(const nlohmann::json &entry) const {
        pullcred::sdk::AuthEntry out;
        if (auto encoded = entry.find("auth"); encoded != entry.end() && encoded->is_string()) {
            auto decoded = base64_decode(encoded->get<std::string>());
            const auto colon = decoded ? decoded->find(':') : std::string::npos;
            if (colon == std::string::npos)
                return Status::failed("docker config " + path_ + ": \"auth\" is not base64 of user:password");
            out.username = decoded->substr(0, colon);
            out.password = decoded->substr(colon + 1);
            return out;
        }
        out.username = entry.value("username", "");
        out.password = entry.value("password", "");
        if (out.username.empty() && out.password.empty())
            return Status::failed("docker config " + path_ +
                                  ": entry has neither auth nor username/password");
        return out;
    }

    Host host_;
    std::string path_;
};

} // namespace

PULLCRED_MODULE("docker-config-backend", MODULE_VERSION,
                pullcred::sdk::registry_backend<DockerConfigBackend>("example.docker-config", kSchema))
