// The pieces of an answer that need no provider: whether cached registry
// auth answers the image, its cache key, and the kubelet response built from
// it. Shared by the full answer (request/answer.cpp) and the cache-hit front
// (core/front).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <pullcred/module.hpp>
#include <string>
#include <string_view>

#include "config/model.hpp"
#include "kubelet/protocol.hpp"
#include "match/image_ref.hpp"
#include "util/result.hpp"

namespace pullcred::request {

// A cache entry is served only when it holds auth for the image (an entry
// holding another registry's auth is replaced, not served).
bool answers_image(const sdk::Auth &auth, const match::ImageRef &image);

// The cache key of the registry auth that answers `registry` under `rule`.
std::string auth_cache_key(const config::Config &config, const config::Rule &rule, std::string_view registry);

// cacheDuration = min(rule's duration, half the token's remaining life).
// An already expired token is an error, never a long cache.
Result<std::optional<std::chrono::nanoseconds>> cache_duration_for(const config::Rule &rule,
                                                                   std::optional<std::int64_t> expires_unix,
                                                                   std::int64_t now_unix_seconds);

// An answer served although its refresh was due (the refresh could not
// happen now) is kept by kubelet for min(60 s, the usual duration), so that
// kubelet asks again soon.
inline constexpr std::chrono::seconds kStaleCacheDuration{60};
std::chrono::nanoseconds stale_cache_duration(std::optional<std::chrono::nanoseconds> usual);

// The response that gives `auth` for `request` (its image parsed: `image`)
// under `rule`, shaped by kubelet_cache_scope so that kubelet's own cache
// never serves it for an image another rule, or no rule, would answer.
Result<kubelet::Response> response_for(const kubelet::Request &request, const config::Config &config,
                                       const config::Rule &rule, const match::ImageRef &image,
                                       const sdk::Auth &auth, std::int64_t now_unix_seconds);

// A valid response with no credentials for `image` (`rule` null: no rule
// serves it; else `rule` refuses it), scoped the same way.
kubelet::Response empty_response_for(const kubelet::Request &request, const config::Config &config,
                                     const config::Rule *rule, const match::ImageRef &image);

} // namespace pullcred::request
