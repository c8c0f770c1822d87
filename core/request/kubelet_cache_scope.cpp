#include "request/kubelet_cache_scope.hpp"

#include <algorithm>

#include "match/glob.hpp"

namespace pullcred::request {

namespace {

using kubelet::CacheKeyType;

// Whether some image of `image`'s registry can match `pattern`: its host and
// port match, whatever its path. A pattern that is not valid counts as
// matching (when in doubt, share nothing).
bool may_match_registry(std::string_view pattern, const match::ImageRef &image) {
    if (!match::validate_pattern(pattern)) return true;
    return match::match_registry(pattern.substr(0, pattern.find('/')), image);
}

// Whether every image of `image`'s registry matches `pattern` (a pattern without a path).
bool covers_registry(std::string_view pattern, const match::ImageRef &image) {
    return pattern.find('/') == std::string_view::npos && match::validate_pattern(pattern) &&
           match::match_registry(pattern, image);
}

// Whether pullcred gives every image of `registry` the answer it gives the
// image `rule` serves (`rule` null: none). Rules are tried in order, so
// `rule` must cover the whole registry and no earlier rule may match any of it;
// later rules never see it. For no rule, no rule may match any of it.
bool owns_registry(const config::Config &config, const config::Rule *rule, const match::ImageRef &image) {
    for (const auto &other : config.registries) {
        if (&other == rule)
            return std::any_of(rule->match_images.begin(), rule->match_images.end(),
                               [&](const std::string &pattern) { return covers_registry(pattern, image); });
        if (std::any_of(other.match_images.begin(), other.match_images.end(),
                        [&](const std::string &pattern) { return may_match_registry(pattern, image); }))
            return false;
    }
    return rule == nullptr;
}

// Whether every image anywhere gets, from this answer, what pullcred would give
// it: `rule` is the only rule, it serves exactly `registry` (no glob, no
// path), and every credential is keyed by that registry alone.
bool owns_everything(const config::Config &config, const config::Rule &rule, std::string_view registry,
                     const sdk::Auth &auth) {
    if (config.registries.size() != 1 || registry.find_first_of("*?[]\\") != std::string_view::npos)
        return false;
    const auto only_registry = [&](const std::string &pattern) { return pattern == registry; };
    const auto keyed_by_registry = [&](const sdk::AuthEntry &entry) {
        auto key = match::normalize_auth_key(entry.registry);
        return key && *key == registry;
    };
    return std::all_of(rule.match_images.begin(), rule.match_images.end(), only_registry) &&
           std::all_of(auth.entries.begin(), auth.entries.end(), keyed_by_registry);
}

CacheKeyType configured_cache_key_type(const config::Rule *rule) {
    if (rule == nullptr) return CacheKeyType::registry;
    switch (rule->cache_key_type) {
    case config::CacheKeyType::image:
        return CacheKeyType::image;
    case config::CacheKeyType::global:
        return CacheKeyType::global;
    case config::CacheKeyType::registry:
        break;
    }
    return CacheKeyType::registry;
}

std::string rule_name(const config::Rule &rule) {
    return "registries[" + std::to_string(rule.index) + "]";
}

} // namespace

KubeletCacheScope kubelet_cache_scope(const config::Config &config, const config::Rule *rule,
                                      const match::ImageRef &image, const sdk::Auth &auth) {
    const auto registry = image.registry();
    const auto configured = configured_cache_key_type(rule);
    if (!owns_registry(config, rule, image)) {
        KubeletCacheScope scope{CacheKeyType::image, true, {}};
        if (rule != nullptr && configured != CacheKeyType::image)
            scope.overridden = "cacheKeyType Image instead of " +
                               std::string(config::to_string(rule->cache_key_type)) + ": " +
                               rule_name(*rule) + " does not serve every image of " + std::string(registry);
        return scope;
    }
    if (configured == CacheKeyType::global && !owns_everything(config, *rule, registry, auth))
        return {CacheKeyType::registry, false,
                "cacheKeyType Registry instead of Global: " + rule_name(*rule) +
                    " is not the only rule or does not serve exactly " + std::string(registry)};
    return {configured, false, {}};
}

} // namespace pullcred::request
