// Cache keys: hashes of everything that decides an answer, so that a config
// change invalidates and one service account never sees another's entry.
// No secret ever goes into a key (file names are visible to everyone).
#pragma once

#include <string>
#include <string_view>

#include "config/model.hpp"

namespace pullcred::cache {

// Registry auth of (backend, registry, profile), with the rule's and the
// profile's config; `identity` separates service accounts (empty for the node).
std::string auth_key(const config::Config &config, const config::Rule &rule, std::string_view registry,
                     std::string_view identity);

// A profile's source credentials, with the profile's config.
std::string credentials_key(const config::Profile &profile, std::string_view identity);

} // namespace pullcred::cache
