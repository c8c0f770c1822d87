// Turns profiles and rules into live module instances, on demand, and
// answers "credentials for profile X" for backends (and for sources that
// build on other profiles). Instances live for one invocation.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <pullcred/module.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache.hpp"
#include "config/model.hpp"
#include "modules/host_services.hpp"
#include "modules/instance.hpp"
#include "modules/registry.hpp"
#include "util/result.hpp"

namespace pullcred::providers {

class Providers {
public:
    Providers(const config::Config &config, const modules::Registry &registry,
              modules::HostEnvironment environment);
    Providers(const Providers &) = delete;
    Providers &operator=(const Providers &) = delete;

    Result<sdk::Credentials> credentials_for(std::string_view profile, std::string_view region_hint);
    // `profile` overrides the rule's (a service account's credentials).
    // `inputs` receives what the answer was made from. Credentials AWS
    // refused are dropped (from the cache too) and the backend asked once more.
    Result<sdk::Auth> auth_for(const config::Rule &rule, std::string_view image, std::string_view registry,
                               std::string_view profile, cache::Inputs &inputs,
                               const modules::Instance::ForwardedServiceAccount &forwarded = {});
    // What the profile's source would do, without the network; nullopt when
    // its module does not say.
    Result<std::optional<std::string>> describe_source(std::string_view profile);
    // What the rule's backend would call for the image, without calling it.
    Result<std::optional<std::string>> describe_for(const config::Rule &rule, std::string_view image,
                                                    std::string_view registry);

    // Credentials from `factory` created with `config_json`, for the instance
    // named `caller` that wraps it (the host's credentials_from_source service).
    // One instance per caller, factory and config, for this invocation.
    Result<sdk::Credentials> credentials_from_source(std::string_view caller, std::string_view factory,
                                                     std::string_view config_json,
                                                     const sdk::CredentialsRequest &request);

    // Exchanges a service-account token for `role_arn` (aws.web-identity) and
    // serves the result as the credentials of the profile named `slot` for
    // this invocation.
    Status assume_web_identity(const std::string &slot, const std::string &role_arn, const std::string &token,
                               const std::string &region);

    // Source credentials that expire are cached (and single-flighted) here.
    void use_cache(const cache::Cache *cache) { cache_ = cache; }

    // Creates (and so validates) the instance a profile or rule needs.
    Status prepare_profile(std::string_view profile);
    Status prepare_rule(const config::Rule &rule);

private:
    // What a profile, a rule or a wrapping source asks of a factory.
    struct FactoryUse {
        std::string_view factory;
        pullcred_factory_kind kind;
        std::string path;     // where the settings are: "profiles.NAME", "registries[N]"
        std::string_view key; // the key naming the factory there: ".source", ".backend"
        nlohmann::json settings;
        std::string_view component; // names the instance in logs and errors
        modules::Instance::Naming naming = modules::Instance::Naming::component;
    };
    // Checks the factory's kind and `use.settings` against its schema, then creates the instance.
    Result<std::unique_ptr<modules::Instance>> create_instance(const modules::FactoryRef &factory,
                                                               const FactoryUse &use);
    Result<modules::Instance *> source_instance(std::string_view profile);
    Result<modules::Instance *> backend_instance(const config::Rule &rule);
    struct Resolved {
        sdk::Credentials credentials;
        cache::Inputs inputs;
        bool from_cache = false; // obtained before this invocation
    };
    Result<Resolved> fetch_credentials(std::string_view profile, std::string_view region_hint);
    // Forgets the resolved credentials AWS refused; true when any of them came
    // from the cache, so that fetching them anew may help.
    bool drop_refused_credentials();

    const config::Config &config_;
    const modules::Registry &registry_;
    modules::HostEnvironment environment_;
    std::map<std::string, std::unique_ptr<modules::Instance>, std::less<>> sources_;
    std::map<std::size_t, std::unique_ptr<modules::Instance>> backends_;
    std::map<std::string, std::unique_ptr<modules::Instance>, std::less<>> wrapped_;
    std::map<std::string, Resolved, std::less<>> resolved_;
    std::set<std::string> refused_access_keys_;
    std::vector<std::string> resolving_; // profiles being resolved, to detect loops
    const cache::Cache *cache_ = nullptr;
};

// The parts of a profile or rule that are the host's, not the module's.
nlohmann::json module_config_of_profile(const config::Profile &profile);
nlohmann::json module_config_of_rule(const config::Rule &rule);

} // namespace pullcred::providers
