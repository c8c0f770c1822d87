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

Instance::Instance(FactoryRef factory, std::string component, const HostEnvironment *environment,
                   Naming naming)
    : factory_(std::move(factory)), component_(std::move(component)),
      error_prefix_((naming == Naming::component ? component_ + ": " : std::string()) +
                    factory_.factory->name),
      host_(std::make_unique<HostServices>(component_, factory_.factory->name, environment)),
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

Instance::~Instance() = default;

Result<std::unique_ptr<Instance>> Instance::create(const FactoryRef &factory, std::string component,
                                                   const HostEnvironment *environment,
                                                   const nlohmann::json &config, Naming naming) {
    std::unique_ptr<Instance> instance(new Instance(factory, std::move(component), environment, naming));
    auto *self = instance.get();
    auto guarded = [self](const char *call, const std::function<void()> &run) {
        const CallGuard guard(self->who(), call, self->call_budget());
        run();
    };
    auto driver = sdk::Driver::create(*factory.factory, instance->host_->table(),
                                      config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                      std::move(guarded));
    if (!driver.ok())
        return Error::failed(instance->error_prefix_ + " rejected its config: " + driver.error().message);
    instance->driver_.emplace(std::move(driver.value()));
    return instance;
}

Error Instance::named(const Error &error) const {
    return error.with_message(error_prefix_ + " " + std::string(status_name(error.status())) + ": " +
                              error.message);
}

Result<sdk::Credentials> Instance::get_credentials(const sdk::CredentialsRequest &request) {
    auto credentials = driver_->get_credentials(request);
    if (!credentials.ok()) {
        auto error = named(credentials.error());
        // A source with nothing for its own profile fails that profile (sdk/ABI.md).
        if (error.code == ErrorCode::not_applicable) error.code = ErrorCode::failed;
        return error;
    }
    log::register_secret(credentials->get(PULLCRED_FIELD_SECRET_ACCESS_KEY));
    log::register_secret(credentials->get(PULLCRED_FIELD_SESSION_TOKEN));
    return credentials;
}

Result<sdk::Auth> Instance::get_auth(std::string_view image, std::string_view registry,
                                     std::string_view profile, const ForwardedServiceAccount &forwarded) {
    auto auth = driver_->get_auth({image, registry, profile, forwarded.token, forwarded.annotations_json});
    if (!auth.ok()) return named(auth.error());
    for (const auto &entry : auth->entries) log::register_secret(entry.password);
    return auth;
}

Result<std::optional<std::string>> Instance::describe(std::string_view image, std::string_view registry,
                                                      std::string_view profile) {
    auto text = driver_->describe({image, registry, profile, {}, {}});
    if (!text.ok()) return named(text.error());
    if (!*text) return text;
    return std::optional<std::string>(sdk::one_line(log::redact(**text), kMaxDescriptionBytes));
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
