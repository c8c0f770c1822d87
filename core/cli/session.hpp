// The config of one invocation, and the modules and providers it needs,
// loaded only when a command gets that far (a cache hit never does).
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "cache/cache.hpp"
#include "cli/command.hpp"
#include "config/defaults.hpp"
#include "modules/registry.hpp"
#include "providers/providers.hpp"
#include "request/answer.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace pullcred::cli {

class Session {
public:
    explicit Session(config::LoadResult loaded);

    // Loads the config the global options point at; problems are the caller's.
    static Session open(const GlobalOptions &options);

    [[nodiscard]] const config::LoadResult &loaded() const { return loaded_; }
    [[nodiscard]] const config::Config &config() const { return loaded_.config; }

    // The modules, loaded on first use. Their problems are logged as warnings
    // then, unless the caller reports them itself (`warn` false). Every module
    // is loaded unless load_modules_on_demand().
    const modules::Discovery &discovery(bool warn = true);
    // Only the modules whose factories the request uses are loaded
    // (modules/module_index.hpp): for get-credentials.
    void load_modules_on_demand() { on_demand_ = true; }
    providers::Providers &providers();
    // The cache, opened on first use; nullptr when disabled or unusable.
    const cache::Cache *cache();
    [[nodiscard]] std::int64_t deadline_unix_ms() const;

    [[nodiscard]] std::int64_t started_unix_ms() const { return started_unix_ms_; }

    // What request::answer needs from this invocation; modules load only if it
    // asks.
    request::AnswerContext answer_context() {
        return {config(), [this]() -> providers::Providers & { return providers(); }, started_unix_ms_ / 1000,
                deadline_unix_ms(), cache()};
    }

private:
    void remember_valid_config(const cache::Store &store) const;

    config::LoadResult loaded_;
    std::int64_t started_unix_ms_;
    std::optional<modules::Discovery> discovery_;
    bool on_demand_ = false;
    std::unique_ptr<providers::Providers> providers_;
    std::optional<std::optional<cache::Cache>> cache_;
};

} // namespace pullcred::cli
