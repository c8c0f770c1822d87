// The answer to a request when it is a certain cache hit: the same response
// request::answer gives, read from the cache without providers or modules.
#pragma once

#include <cstdint>
#include <optional>

#include "cache/store.hpp"
#include "config/model.hpp"
#include "kubelet/protocol.hpp"
#include "match/image_ref.hpp"

namespace pullcred::request {

// nullopt whenever the full answer would do more than read a fresh entry
// (no rule matches, a service-account problem, an absent, stale or unusable
// entry, an expired token): the caller then hands the request on. `image`
// is the request's image, parsed.
std::optional<kubelet::Response> answer_from_cache(const kubelet::Request &request,
                                                   const match::ImageRef &image, const config::Config &config,
                                                   const cache::Store &store, std::int64_t now_unix_seconds);

} // namespace pullcred::request
