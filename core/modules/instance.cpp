#include "modules/instance.hpp"

#include <cstddef>
#include <pullcred/text.hpp>

#include "config/schema_validator.hpp"
#include "log/redact.hpp"
#include "modules/call_guard.hpp"
#include "util/clock.hpp"

namespace pullcred::modules {

namespace {
// A description is one line for people; a chain of sources can take a few
// hundred bytes to say where it goes.
constexpr std::size_t kMaxDescriptionBytes = 1000;

std::string_view status_name(pullcred_status status) {
    switch (status) {
    case PULLCRED_NOT_APPLICABLE:
        return "not applicable";
    case PULLCRED_RETRYABLE:
        return "temporary failure";
    default:
        return "failed";
    }
}
} // namespace

Instance::Instance(FactoryRef factory, std::string component, const HostEnvironment *environment)
    : factory_(std::move(factory)), component_(std::move(component)),
      host_(std::make_unique<HostServices>(component_ + " (" + factory_.factory->name + ")", environment)),
      environment_(environment) {}

std::string describe_instance(const FactoryRef &factory, std::string_view component) {
    const auto module = factory.module_path.empty() ? factory.module_name : factory.module_path.string();
    return "module " + module + ": " + std::string(component) + " (" + factory.factory->name + ")";
}

std::string Instance::who() const {
    return describe_instance(factory_, component_);
}

std::int64_t Instance::call_budget() const {
    if (environment_ == nullptr) return -1;
    const auto now = environment_->now_unix_ms ? environment_->now_unix_ms() : util::now_unix_ms();
    return call_budget_ms(environment_->deadline_unix_ms, now);
}

Instance::~Instance() {
    if (handle_ == nullptr) return;
    const CallGuard guard(who(), "destroy", call_budget());
    factory_.factory->destroy(handle_);
}

Result<std::unique_ptr<Instance>> Instance::create(const FactoryRef &factory, std::string component,
                                                   const HostEnvironment *environment,
                                                   const nlohmann::json &config) {
    std::unique_ptr<Instance> instance(new Instance(factory, std::move(component), environment));
    const auto text = config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string error;
    pullcred_text_sink sink{&error, &sdk::detail::append_text};
    const auto status = [&] {
        const CallGuard guard(instance->who(), "create", instance->call_budget());
        return factory.factory->create(instance->host_->table(), sdk::str(text), &instance->handle_, &sink);
    }();
    if (status != PULLCRED_OK || instance->handle_ == nullptr) {
        instance->handle_ = nullptr;
        return Error::failed(instance->component_ + ": " + factory.factory->name + " rejected its config: " +
                             (error.empty() ? std::string("no reason given") : error));
    }
    return instance;
}

Error Instance::failure(pullcred_status status) const {
    const CallGuard guard(who(), "last_error", call_budget());
    const auto text = sdk::view(factory_.factory->last_error(handle_));
    return Error{component_ + ": " + factory_.factory->name + " " + std::string(status_name(status)) + ": " +
                     (text.empty() ? std::string("no reason given") : std::string(text)),
                 sdk::error_code(status)};
}

Result<sdk::Credentials> Instance::get_credentials(std::string_view profile, std::string_view region_hint) {
    if (factory_.factory->kind != PULLCRED_KIND_CREDENTIAL_SOURCE)
        return Error::failed(std::string(factory_.factory->name) + " is not a credential source");
    sdk::Credentials credentials;
    auto sink = sdk::detail::credentials_sink(credentials);
    const pullcred_credentials_request request{sizeof(pullcred_credentials_request), sdk::str(profile),
                                               sdk::str(region_hint)};
    const auto status = [&] {
        const CallGuard guard(who(), "get_credentials", call_budget());
        return factory_.factory->get_credentials(handle_, &request, &sink);
    }();
    if (status != PULLCRED_OK) {
        auto error = failure(status);
        // A source with nothing for its own profile fails that profile (sdk/ABI.md).
        if (error.code == ErrorCode::not_applicable) error.code = ErrorCode::failed;
        return error;
    }
    log::register_secret(credentials.get(PULLCRED_FIELD_SECRET_ACCESS_KEY));
    log::register_secret(credentials.get(PULLCRED_FIELD_SESSION_TOKEN));
    return credentials;
}

Result<sdk::Auth> Instance::get_auth(std::string_view image, std::string_view registry,
                                     std::string_view profile, const ForwardedServiceAccount &forwarded) {
    if (factory_.factory->kind != PULLCRED_KIND_REGISTRY_BACKEND)
        return Error::failed(std::string(factory_.factory->name) + " is not a registry backend");
    sdk::Auth auth;
    pullcred_auth_sink sink{sizeof(pullcred_auth_sink), &auth,
                            [](void *ctx, pullcred_str name, pullcred_str user, pullcred_str password) {
                                log::register_secret(sdk::view(password));
                                static_cast<sdk::Auth *>(ctx)->entries.push_back(
                                    {std::string(sdk::view(name)), std::string(sdk::view(user)),
                                     std::string(sdk::view(password))});
                            },
                            [](void *ctx, std::int64_t unix_seconds) {
                                static_cast<sdk::Auth *>(ctx)->expires_unix = unix_seconds;
                            }};
    const pullcred_auth_request request{sizeof(pullcred_auth_request),
                                        sdk::str(image),
                                        sdk::str(registry),
                                        sdk::str(profile),
                                        sdk::str(forwarded.token),
                                        sdk::str(forwarded.annotations_json)};
    const auto status = [&] {
        const CallGuard guard(who(), "get_auth", call_budget());
        return factory_.factory->get_auth(handle_, &request, &sink);
    }();
    if (status != PULLCRED_OK) return failure(status);
    return auth;
}

Result<std::optional<std::string>> Instance::describe(std::string_view image, std::string_view registry,
                                                      std::string_view profile) {
    const auto *factory = factory_.factory;
    if (factory->struct_size < offsetof(pullcred_factory, describe) + sizeof factory->describe ||
        factory->describe == nullptr)
        return std::optional<std::string>();
    std::string text;
    pullcred_text_sink sink{&text, &sdk::detail::append_text};
    const pullcred_auth_request request{
        sizeof(pullcred_auth_request), sdk::str(image), sdk::str(registry), sdk::str(profile), {}, {}};
    const auto status = [&] {
        const CallGuard guard(who(), "describe", call_budget());
        return factory->describe(handle_, &request, &sink);
    }();
    if (status == PULLCRED_NOT_APPLICABLE) return std::optional<std::string>();
    if (status != PULLCRED_OK) return failure(status);
    return std::optional<std::string>(sdk::one_line(log::redact(text), kMaxDescriptionBytes));
}

Status validate_factory_config(const FactoryRef &factory, const nlohmann::json &config,
                               std::string_view path) {
    if (factory.factory->config_schema == nullptr) return ok();
    auto validator = config::SchemaValidator::compile(factory.factory->config_schema);
    if (!validator)
        return Error::failed("module " + factory.module_path.string() + ": factory " + factory.factory->name +
                             " ships an invalid schema: " + validator.error().message);
    auto problems = validator->validate(config);
    if (problems.empty()) return ok();
    const auto &first = problems.front();
    return Error::failed(config::join_path(path, first.path) + ": " + first.message);
}

} // namespace pullcred::modules
