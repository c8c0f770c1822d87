// How the built-in sources reach other factories (aws.process,
// aws.roles-anywhere) of the host's module registry, and instances of them
// that share the built-in instance's host services.
//
// The host connects the built-in sources to its registry once, after module
// discovery (cli/session.cpp):
//     sources::connect_builtin_sources(discovery_->registry, config().settings);
// Until it does, the factories are looked up in the modules of the install's
// module directory, loaded through the same loader and trust checks.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "config/model.hpp"
#include "modules/registry.hpp"

namespace pullcred::sources {

// `registry` must outlive every built-in source instance.
void connect_builtin_sources(const modules::Registry &registry, const config::HostSettings &settings);
// Forget the connection (tests).
void disconnect_builtin_sources();

// settings.nativeSigningHelper of the connected host (true when unconnected).
bool host_native_signing_helper();

// The factory called `name`, or nullptr.
const modules::FactoryRef *find_factory(std::string_view name);

// An instance of another credential-source factory, created with the host
// table of the built-in instance that owns it (logs name the same profile).
// Its calls run under their own CallGuard, so a hang or crash names the
// sub-module, not the built-in source that asked for it.
class SubSource {
public:
    // Validates `config` against the factory's schema and creates the instance.
    // `what` names the use in errors ("credential_process of AWS profile \"x\"").
    static sdk::Result<std::unique_ptr<SubSource>> create(const modules::FactoryRef &factory,
                                                          const pullcred_host *host,
                                                          const nlohmann::json &config,
                                                          const std::string &what);
    ~SubSource();
    SubSource(const SubSource &) = delete;
    SubSource &operator=(const SubSource &) = delete;

    sdk::Result<sdk::Credentials> get_credentials(std::string_view profile, std::string_view region_hint);
    [[nodiscard]] std::string_view factory_name() const { return factory_->name; }

private:
    SubSource(const modules::FactoryRef &factory, const pullcred_host *host, const std::string &what);
    [[nodiscard]] std::int64_t call_budget() const;

    const pullcred_factory *factory_;
    const pullcred_host *host_;
    std::string who_;
    void *handle_ = nullptr;
};

} // namespace pullcred::sources
