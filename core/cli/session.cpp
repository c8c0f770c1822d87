#include "cli/session.hpp"

#include "aws/sources/builtin_module.hpp"
#include "cache/config_stamp.hpp"
#include "http/lazy_net.hpp"
#include "log/logger.hpp"
#include "modules/module_index.hpp"

namespace pullcred::cli {

Session::Session(config::LoadResult loaded)
    : loaded_(std::move(loaded)), started_unix_ms_(util::now_unix_ms()) {}

namespace {
// The stamp that remember_valid_config leaves for this exact text.
bool stamped_valid(const config::Config &config, std::string_view text) {
    if (!config.cache.enabled) return false;
    auto store = cache::Store::open(config.cache.dir);
    return store.ok() && cache::has_config_stamp(*store, text);
}
} // namespace

Session Session::open(const GlobalOptions &options) {
    return Session(config::load_effective_config(config::locate_config(options.config), &stamped_valid));
}

const modules::Discovery &Session::discovery(bool warn) {
    if (!discovery_) {
        const auto dir = modules::default_module_dir();
        const auto *open = on_demand_ ? cache() : nullptr;
        const modules::Builtins builtins{aws::sources::builtin_module()};
        discovery_ = open == nullptr
                         ? modules::discover_modules(dir, config().modules, builtins)
                         : modules::discover_modules_on_demand(dir, config().modules, open->store(),
                                                               started_unix_ms_ * 1'000'000, builtins);
        if (warn)
            for (const auto &problem : discovery_->problems) log::warn(problem);
    }
    return *discovery_;
}

const cache::Cache *Session::cache() {
    if (!cache_) {
        cache_ = cache::Cache::open(config().cache);
        if (cache_->has_value()) remember_valid_config((*cache_)->store());
    }
    return cache_->has_value() ? &**cache_ : nullptr;
}

// The front (core/front) answers cache hits of this exact config text
// without compiling the schema again.
void Session::remember_valid_config(const cache::Store &store) const {
    if (!loaded_.ok() || loaded_.text.empty() || cache::has_config_stamp(store, loaded_.text)) return;
    if (auto recorded = cache::record_config_stamp(store, loaded_.text, started_unix_ms_ / 1000); !recorded)
        log::debug(recorded.error().message);
}

std::int64_t Session::deadline_unix_ms() const {
    return started_unix_ms_ +
           std::chrono::duration_cast<std::chrono::milliseconds>(config().settings.deadline).count();
}

providers::Providers &Session::providers() {
    if (!providers_) {
        modules::HostEnvironment environment;
        environment.now_unix_ms = &util::now_unix_ms;
        const auto &settings = config().settings;
        environment.deadline_unix_ms = deadline_unix_ms();
        environment.http_policy.now_unix_ms = &util::now_unix_ms;
        environment.http_policy.deadline_unix_ms = environment.deadline_unix_ms;
        environment.http_policy.deadline = settings.deadline;
        environment.http_policy.attempt_timeout = settings.http_timeout;
        environment.http_policy.ca_bundle = settings.ca_bundle;
        environment.net_services = &net::load_net_services;
        providers_ =
            std::make_unique<providers::Providers>(config(), discovery().registry, std::move(environment));
        providers_->use_cache(cache());
    }
    return *providers_;
}

} // namespace pullcred::cli
