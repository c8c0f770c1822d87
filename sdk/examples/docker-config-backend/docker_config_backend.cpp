// Example pullcred module: a registry backend that answers from the `auths`
// of a docker config.json, for any registry. Built only against the
// installed SDK (see CMakeLists.txt and docs/modules.md).
#include <fstream>
#include <pullcred/module.hpp>
#include <sstream>
#include <string>

#include "docker_config.hpp"

namespace {

using pullcred::sdk::Auth;
using pullcred::sdk::AuthRequest;
using pullcred::sdk::Config;
using pullcred::sdk::ConfigError;
using pullcred::sdk::Error;
using pullcred::sdk::Host;
using pullcred::sdk::Result;

constexpr const char *kSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["configFile"],
  "properties": {"configFile": {"type": "string", "minLength": 1}}
})";

class DockerConfigBackend final : public pullcred::sdk::RegistryBackend {
public:
    DockerConfigBackend(Host host, const Config &config) : host_(host) {
        if (!config.contains("configFile")) throw ConfigError("configFile is required");
        path_ = config.at("configFile").get<std::string>();
    }

    Result<Auth> get_auth(const AuthRequest &request) override {
        std::ifstream file(path_);
        if (!file) return Error::failed("cannot read docker config " + path_);
        std::stringstream text;
        text << file.rdbuf();
        switch (auto found = find_credentials(text.str(), request.registry); found.index()) {
        case 0: {
            host_.debug("answering " + std::string(request.registry) + " from " + path_);
            Auth auth;
            pullcred::sdk::AuthEntry entry;
            entry.username = std::get<0>(found).username;
            entry.password = std::get<0>(found).password;
            entry.registry = std::string(request.registry);
            auth.entries.push_back(std::move(entry));
            return auth;
        }
        default:
            switch (std::get<1>(found)) {
            case DockerConfigProblem::not_json:
                return Error::failed("docker config " + path_ + " is not a JSON object");
            case DockerConfigProblem::no_auths:
                return Error::failed("docker config " + path_ + " has no \"auths\" object");
            case DockerConfigProblem::bad_auth:
                return Error::failed("docker config " + path_ + ": \"auth\" is not base64 of user:password");
            case DockerConfigProblem::empty_entry:
                return Error::failed("docker config " + path_ +
                                     ": entry has neither auth nor username/password");
            case DockerConfigProblem::no_entry:
                break;
            }
        }
        return Error::not_applicable("no entry for " + std::string(request.registry) + " in " + path_);
    }

    // For `pullcred explain`: no network and no file read, only where the
    // answer will come from.
    Result<std::string> describe(const AuthRequest &request) override {
        return "no network: the \"auths\" entry for " + std::string(request.registry) + " in docker config " +
               path_ + ", read at fetch time";
    }

private:
    Host host_;
    std::string path_;
};

} // namespace

PULLCRED_MODULE("docker-config-backend", MODULE_VERSION,
                pullcred::sdk::registry_backend<DockerConfigBackend>("example.docker-config", kSchema))
