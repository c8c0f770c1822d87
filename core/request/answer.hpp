// One kubelet request, end to end: rule, providers, response.
#pragma once

#include <cstdint>
#include <functional>

#include "cache/cache.hpp"
#include "config/model.hpp"
#include "kubelet/protocol.hpp"
#include "providers/providers.hpp"
#include "util/result.hpp"

namespace pullcred::request {

struct AnswerContext {
    const config::Config &config;
    std::function<providers::Providers &()> providers; // loads modules when first called
    std::int64_t now_unix_seconds = 0;
    std::int64_t deadline_unix_ms = 0;
    const cache::Cache *cache = nullptr; // nullptr: no cache
};

// A response for `request`; an image no rule matches gets empty auth.
Result<kubelet::Response> answer(const kubelet::Request &request, AnswerContext &context);

// The cache key of the registry auth that answers `registry` under `rule`.
std::string auth_cache_key(const config::Config &config, const config::Rule &rule, std::string_view registry);

// cacheDuration = min(rule's duration, half the token's remaining life).
// An already expired token is an error, never a long cache.
Result<std::optional<std::chrono::seconds>> cache_duration_for(const config::Rule &rule,
                                                               std::optional<std::int64_t> expires_unix,
                                                               std::int64_t now_unix_seconds);

} // namespace pullcred::request
