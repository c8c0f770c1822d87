#include "sources/factories.hpp"

#include "log/redact.hpp"
#include "modules/call_guard.hpp"
#include "modules/instance.hpp"

namespace pullcred::sources {

namespace {

struct Connection {
    const modules::Registry *registry = nullptr;
    bool native_signing_helper = true;
};

Connection &connection() {
    static Connection value;
    return value;
}

// The install's modules, for a host that did not connect its registry.
const modules::Registry &install_registry() {
    static const modules::Discovery discovery = modules::discover_modules(modules::default_module_dir(), {});
    return discovery.registry;
}

} // namespace

void connect_builtin_sources(const modules::Registry &registry, const config::HostSettings &settings) {
    connection() = {&registry, settings.native_signing_helper};
}

void disconnect_builtin_sources() {
    connection() = {};
}

bool host_native_signing_helper() {
    return connection().native_signing_helper;
}

const modules::FactoryRef *find_factory(std::string_view name) {
    const auto *registry = connection().registry;
    return registry != nullptr ? registry->find(name) : install_registry().find(name);
}

SubSource::SubSource(const modules::FactoryRef &factory, const pullcred_host *host, const std::string &what)
    : factory_(factory.factory), host_(host), who_(modules::describe_instance(factory, what)) {}

std::int64_t SubSource::call_budget() const {
    return modules::call_budget_ms(host_->deadline_unix_ms(host_->ctx), host_->now_unix_ms(host_->ctx));
}

sdk::Result<std::unique_ptr<SubSource>> SubSource::create(const modules::FactoryRef &factory,
                                                          const pullcred_host *host,
                                                          const nlohmann::json &config,
                                                          const std::string &what) {
    const auto *c_factory = factory.factory;
    if (c_factory->kind != PULLCRED_KIND_CREDENTIAL_SOURCE || c_factory->get_credentials == nullptr)
        return sdk::Error::failed(what + ": \"" + c_factory->name + "\" is not a credential source");
    if (auto valid = modules::validate_factory_config(factory, config, what); !valid)
        return sdk::Error::failed(valid.error().message);
    const auto text = config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string error;
    pullcred_text_sink sink{&error, &sdk::detail::append_text};
    std::unique_ptr<SubSource> sub(new SubSource(factory, host, what));
    const auto status = [&] {
        const modules::CallGuard guard(sub->who_, "create", sub->call_budget());
        return c_factory->create(host, sdk::str(text), &sub->handle_, &sink);
    }();
    if (status != PULLCRED_OK || sub->handle_ == nullptr) {
        sub->handle_ = nullptr;
        return sdk::Error::failed(what + ": " + c_factory->name + " rejected its config: " +
                                  (error.empty() ? std::string("no reason given") : error));
    }
    return sub;
}

SubSource::~SubSource() {
    if (handle_ == nullptr) return;
    const modules::CallGuard guard(who_, "destroy", call_budget());
    factory_->destroy(handle_);
}

sdk::Result<sdk::Credentials> SubSource::get_credentials(std::string_view profile,
                                                         std::string_view region_hint) {
    sdk::Credentials credentials;
    auto sink = sdk::detail::credentials_sink(credentials);
    const pullcred_credentials_request request{sizeof(pullcred_credentials_request), sdk::str(profile),
                                               sdk::str(region_hint)};
    const auto status = [&] {
        const modules::CallGuard guard(who_, "get_credentials", call_budget());
        return factory_->get_credentials(handle_, &request, &sink);
    }();
    if (status != PULLCRED_OK) {
        const auto text = [&] {
            const modules::CallGuard guard(who_, "last_error", call_budget());
            return std::string(sdk::view(factory_->last_error(handle_)));
        }();
        return Error{std::string(factory_->name) + ": " +
                         (text.empty() ? std::string("no reason given") : text),
                     sdk::error_code(status)};
    }
    log::register_secret(credentials.get(PULLCRED_FIELD_SECRET_ACCESS_KEY));
    log::register_secret(credentials.get(PULLCRED_FIELD_SESSION_TOKEN));
    return credentials;
}

} // namespace pullcred::sources
