// One kubelet request, end to end: rule, providers, response.
#pragma once

#include <cstdint>
#include <functional>

#include "cache/cache.hpp"
#include "config/model.hpp"
#include "kubelet/protocol.hpp"
#include "providers/providers.hpp"
#include "request/auth_response.hpp"
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

} // namespace pullcred::request
