// One live instance of a module factory (a profile's source, a rule's
// backend): the SDK's Driver with the host's services, every call under the
// watchdog, errors named after the instance, and every secret it returns
// registered for redaction before anyone can log it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pullcred/driver.hpp>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "modules/host_services.hpp"
#include "modules/registry.hpp"
#include "util/result.hpp"

namespace pullcred::modules {

class Instance {
public:
    struct ForwardedServiceAccount {
        std::string_view token;
        std::string_view annotations_json;
    };

    // How errors name the instance: the component and the factory ("profile
    // default: aws.static failed: ..."), or only the factory, for an instance
    // another one wraps (whose own error names the component).
    enum class Naming { component, factory };

    // `config` is what the factory's schema describes (host keys removed);
    // `component` names the instance in logs and errors ("profile default").
    static Result<std::unique_ptr<Instance>> create(const FactoryRef &factory, std::string component,
                                                    const HostEnvironment *environment,
                                                    const nlohmann::json &config,
                                                    Naming naming = Naming::component);
    ~Instance();
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;

    Result<sdk::Credentials> get_credentials(const sdk::CredentialsRequest &request);
    // `forwarded`: the pod's service account, for a rule that forwards it.
    Result<sdk::Auth> get_auth(std::string_view image, std::string_view registry, std::string_view profile,
                               const ForwardedServiceAccount &forwarded = {});
    // What get_auth would call (a backend, ABI 1.1) or get_credentials would
    // do for `profile` (a source, ABI 1.2), as the module describes it, redacted;
    // nullopt when the module does not describe it (an ABI 1.0 module, or
    // describe absent or not applicable).
    Result<std::optional<std::string>> describe(std::string_view image, std::string_view registry,
                                                std::string_view profile);

    [[nodiscard]] const FactoryRef &factory() const { return factory_; }

private:
    Instance(FactoryRef factory, std::string component, const HostEnvironment *environment, Naming naming);
    [[nodiscard]] Error named(const Error &error) const;
    [[nodiscard]] std::string who() const;
    [[nodiscard]] std::int64_t call_budget() const;

    FactoryRef factory_;
    std::string component_;
    std::string error_prefix_; // "profile default: aws.static", or "aws.static"
    std::unique_ptr<HostServices> host_;
    const HostEnvironment *environment_;
    std::optional<sdk::Driver> driver_; // last: destroyed first, while the rest is alive
};

// How guards name a call's instance: "module /x.so: profile p (aws.foo)".
std::string describe_instance(const FactoryRef &factory, std::string_view component);

// Validates `config` against a factory's schema; problems name the key path
// under `path` ("profiles.default.roleArn").
Status validate_factory_config(const FactoryRef &factory, const nlohmann::json &config,
                               std::string_view path);

} // namespace pullcred::modules
