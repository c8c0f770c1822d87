#include "providers/providers.hpp"

#include <algorithm>

#include "cache/keys.hpp"
#include "log/logger.hpp"
#include "log/redact.hpp"

namespace pullcred::providers {

nlohmann::json module_config_of_profile(const config::Profile &profile) {
    auto settings = profile.settings;
    settings.erase("source");
    return settings;
}

nlohmann::json module_config_of_rule(const config::Rule &rule) {
    auto settings = rule.settings;
    for (const auto *key :
         {"matchImages", "backend", "profile", "cacheDuration", "cacheKeyType", "serviceAccount"})
        settings.erase(key);
    return settings;
}

Providers::Providers(const config::Config &config, const modules::Registry &registry,
                     modules::HostEnvironment environment)
    : config_(config), registry_(registry), environment_(std::move(environment)) {
    environment_.credentials_for_profile = [this](std::string_view profile, std::string_view region_hint) {
        return credentials_for(profile, region_hint);
    };
    environment_.credentials_from_source = [this](std::string_view caller, std::string_view factory,
                                                  std::string_view config_json,
                                                  const sdk::CredentialsRequest &request) {
        return credentials_from_source(caller, factory, config_json, request);
    };
    environment_.refused_access_keys = &refused_access_keys_;
}

namespace {

// What follows the quoted factory name when it is of the other kind than `wanted`.
std::string_view of_the_other_kind(pullcred_factory_kind wanted) {
    return wanted == PULLCRED_KIND_CREDENTIAL_SOURCE ? "\" is a registry backend, not a credential source"
                                                     : "\" is a credential source, not a registry backend";
}

} // namespace

Result<std::unique_ptr<modules::Instance>> Providers::create_instance(const modules::FactoryRef &factory,
                                                                      const FactoryUse &use) {
    if (factory.factory->kind != use.kind)
        return Error::failed(use.path + std::string(use.key) + ": \"" + std::string(use.factory) +
                             std::string(of_the_other_kind(use.kind)));
    if (auto valid = modules::validate_factory_config(factory, use.settings, use.path); !valid)
        return valid.error();
    return modules::Instance::create(factory, std::string(use.component), &environment_, use.settings,
                                     use.naming);
}

Result<modules::Instance *> Providers::source_instance(std::string_view profile) {
    if (auto it = sources_.find(profile); it != sources_.end()) return it->second.get();
    auto found = config_.profiles.find(std::string(profile));
    if (found == config_.profiles.end())
        return Error::failed("profile \"" + std::string(profile) + "\" is not defined in profiles");
    const auto &definition = found->second;
    const auto path = "profiles." + definition.name;
    const auto *factory = registry_.find(definition.source);
    if (factory == nullptr)
        return Error::failed(path + ".source: no module provides \"" + definition.source +
                             "\"; run `pullcred modules` to list the sources available");
    auto instance =
        create_instance(*factory, {definition.source, PULLCRED_KIND_CREDENTIAL_SOURCE, path, ".source",
                                   module_config_of_profile(definition), "profile " + definition.name});
    if (!instance) return instance.error();
    return sources_.emplace(std::string(profile), std::move(*instance)).first->second.get();
}

Result<modules::Instance *> Providers::backend_instance(const config::Rule &rule) {
    if (auto it = backends_.find(rule.index); it != backends_.end()) return it->second.get();
    const auto path = "registries[" + std::to_string(rule.index) + "]";
    const auto *factory = registry_.find(rule.backend);
    if (factory == nullptr)
        return Error::failed(path + ".backend: no module provides \"" + rule.backend +
                             "\"; run `pullcred modules` to list the backends available");
    auto instance = create_instance(*factory, {rule.backend, PULLCRED_KIND_REGISTRY_BACKEND, path, ".backend",
                                               module_config_of_rule(rule), path});
    if (!instance) return instance.error();
    return backends_.emplace(rule.index, std::move(*instance)).first->second.get();
}

namespace {
// However long a source says its credentials last, they are kept at most
// this long, so that a source's mistake does not stick for days.
constexpr std::int64_t kMaxCredentialsCacheSeconds = std::int64_t{12} * 3600;
} // namespace

Result<Providers::Resolved> Providers::fetch_credentials(std::string_view profile,
                                                         std::string_view region_hint) {
    modules::InputScope scope(environment_);
    auto instance = source_instance(profile);
    if (!instance) return instance.error();
    if (cache_ == nullptr) {
        auto credentials = (*instance)->get_credentials({profile, region_hint, {}});
        if (!credentials) return credentials.error();
        return Resolved{std::move(*credentials), scope.inputs(), false};
    }
    const auto now = environment_.now_unix_ms() / 1000;
    auto fetch = [&]() -> Result<cache::FetchedValue<sdk::Credentials>> {
        auto credentials = (*instance)->get_credentials({profile, region_hint, {}});
        if (!credentials) return credentials.error();
        auto keep_until = credentials->expires_unix;
        if (keep_until) keep_until = std::min(*keep_until, now + kMaxCredentialsCacheSeconds);
        return cache::FetchedValue<sdk::Credentials>{std::move(*credentials), keep_until, scope.inputs()};
    };
    const auto &definition = config_.profiles.at(std::string(profile));
    auto served = cache_->serve<sdk::Credentials>(
        cache::credentials_key(definition, {}), now,
        cache::Deadline{environment_.deadline_unix_ms, config_.settings.deadline}, fetch,
        [](const sdk::Credentials &) { return true; });
    if (!served) return served.error();
    scope.inputs().merge(served->inputs);
    return Resolved{std::move(served->value), scope.inputs(), served->from_cache};
}

Result<sdk::Credentials> Providers::credentials_for(std::string_view profile, std::string_view region_hint) {
    if (auto it = resolved_.find(profile); it != resolved_.end()) {
        if (environment_.inputs != nullptr) environment_.inputs->merge(it->second.inputs);
        return it->second.credentials;
    }
    if (std::find(resolving_.begin(), resolving_.end(), profile) != resolving_.end()) {
        std::string chain;
        for (const auto &name : resolving_) chain += name + " -> ";
        return Error::failed("profile loop: " + chain + std::string(profile));
    }
    resolving_.emplace_back(profile);
    auto resolved = fetch_credentials(profile, region_hint);
    resolving_.pop_back();
    if (!resolved) return resolved.error();
    auto credentials = resolved->credentials;
    resolved_.emplace(std::string(profile), std::move(*resolved));
    return credentials;
}

bool Providers::drop_refused_credentials() {
    bool any_from_cache = false;
    for (auto it = resolved_.begin(); it != resolved_.end();) {
        if (refused_access_keys_.count(it->second.credentials.get(PULLCRED_FIELD_ACCESS_KEY_ID)) == 0) {
            ++it;
            continue;
        }
        // Only a retry is worth a line of its own: otherwise the error that follows says it all.
        log::write(it->second.from_cache ? log::Level::warn : log::Level::debug,
                   "AWS refused the credentials of profile \"" + it->first + "\"; they are dropped" +
                       (it->second.from_cache ? " from the cache and fetched again" : ""));
        if (auto definition = config_.profiles.find(it->first);
            cache_ != nullptr && definition != config_.profiles.end())
            cache_->forget(cache::credentials_key(definition->second, {}));
        any_from_cache = any_from_cache || it->second.from_cache;
        it = resolved_.erase(it);
    }
    refused_access_keys_.clear();
    return any_from_cache;
}

Result<std::optional<std::string>> Providers::describe_source(std::string_view profile) {
    auto instance = source_instance(profile);
    if (!instance) return instance.error();
    return (*instance)->describe({}, {}, profile);
}

Result<std::optional<std::string>> Providers::describe_for(const config::Rule &rule, std::string_view image,
                                                           std::string_view registry) {
    auto instance = backend_instance(rule);
    if (!instance) return instance.error();
    return (*instance)->describe(image, registry, rule.profile);
}

Result<sdk::Auth> Providers::auth_for(const config::Rule &rule, std::string_view image,
                                      std::string_view registry, std::string_view profile,
                                      cache::Inputs &inputs,
                                      const modules::Instance::ForwardedServiceAccount &forwarded) {
    modules::InputScope scope(environment_);
    auto instance = backend_instance(rule);
    if (!instance) return instance.error();
    const auto used = profile.empty() ? std::string_view(rule.profile) : profile;
    for (int attempt = 0;; ++attempt) {
        auto auth = (*instance)->get_auth(image, registry, used, forwarded);
        if (auth || attempt > 0 || !drop_refused_credentials()) {
            inputs = scope.inputs();
            return auth;
        }
    }
}

Result<sdk::Credentials> Providers::credentials_from_source(std::string_view caller, std::string_view factory,
                                                            std::string_view config_json,
                                                            const sdk::CredentialsRequest &request) {
    auto key = std::string(caller) + '\n' + std::string(factory) + '\n' + std::string(config_json);
    auto it = wrapped_.find(key);
    if (it == wrapped_.end()) {
        const auto *found = registry_.find(factory);
        if (found == nullptr)
            return Error::not_applicable(std::string(factory) +
                                         ": no module provides it; install the module that does, or list it "
                                         "under modules:");
        auto config = nlohmann::json::parse(config_json, nullptr, false);
        if (!config.is_object())
            return Error::failed(std::string(factory) + ": its config is not a JSON object");
        auto instance =
            create_instance(*found, {factory, PULLCRED_KIND_CREDENTIAL_SOURCE, std::string(factory), "",
                                     std::move(config), caller, modules::Instance::Naming::factory});
        if (!instance) return instance.error();
        it = wrapped_.emplace(std::move(key), std::move(*instance)).first;
    }
    return it->second->get_credentials(request);
}

Status Providers::assume_web_identity(const std::string &slot, const std::string &role_arn,
                                      const std::string &token, const std::string &region) {
    log::register_secret(token);
    modules::InputScope scope(environment_);
    const nlohmann::json config{{"roleArn", role_arn}, {"region", region}};
    auto credentials =
        credentials_from_source("service account", "aws.web-identity", config.dump(), {slot, region, token});
    if (!credentials)
        return credentials.error().with_message("service account: " + credentials.error().message);
    resolved_[slot] = Resolved{std::move(*credentials), scope.inputs(), false};
    return ok();
}

Status Providers::prepare_profile(std::string_view profile) {
    auto instance = source_instance(profile);
    if (!instance) return instance.error();
    return ok();
}

Status Providers::prepare_rule(const config::Rule &rule) {
    auto instance = backend_instance(rule);
    if (!instance) return instance.error();
    return ok();
}

} // namespace pullcred::providers
