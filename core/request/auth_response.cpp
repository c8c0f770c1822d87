#include "request/auth_response.hpp"

#include <algorithm>

#include "cache/keys.hpp"
#include "log/logger.hpp"
#include "match/glob.hpp"
#include "request/kubelet_cache_scope.hpp"

namespace pullcred::request {

bool answers_image(const sdk::Auth &auth, const match::ImageRef &image) {
    return std::any_of(auth.entries.begin(), auth.entries.end(), [&](const sdk::AuthEntry &entry) {
        return match::match_auth_key(entry.registry, image);
    });
}

std::string auth_cache_key(const config::Config &config, const config::Rule &rule,
                           std::string_view registry) {
    return cache::auth_key(config, rule, registry, {});
}

Result<std::optional<std::chrono::nanoseconds>> cache_duration_for(const config::Rule &rule,
                                                                   std::optional<std::int64_t> expires_unix,
                                                                   std::int64_t now_unix_seconds) {
    std::optional<std::chrono::nanoseconds> duration = rule.cache_duration;
    if (expires_unix) {
        const auto remaining = *expires_unix - now_unix_seconds;
        if (remaining <= 0)
            return Error::failed("the registry token has already expired; check the node's clock");
        const std::chrono::nanoseconds half = std::chrono::seconds(remaining / 2);
        duration = duration ? std::min(*duration, half) : half;
    }
    return duration;
}

std::chrono::nanoseconds stale_cache_duration(std::optional<std::chrono::nanoseconds> usual) {
    return usual ? std::min<std::chrono::nanoseconds>(*usual, kStaleCacheDuration) : kStaleCacheDuration;
}

namespace {
kubelet::Response scoped_response(const kubelet::Request &request, const config::Config &config,
                                  const config::Rule *rule, const match::ImageRef &image,
                                  const sdk::Auth &auth) {
    const auto scope = kubelet_cache_scope(config, rule, image, auth);
    if (!scope.overridden.empty()) log::debug(scope.overridden);
    kubelet::Response response;
    response.api_version = request.api_version;
    response.cache_key_type = scope.cache_key_type;
    // Under the image key kubelet matches this answer against this image only;
    // keyed on the whole image, the credential also matches no image that
    // merely shares a path prefix ("host/team" would match "host/teamster").
    const bool image_key_matches = scope.key_on_image && match::match_auth_key(image.text(), image);
    for (const auto &entry : auth.entries) {
        const bool rekey = image_key_matches && entry.registry == image.registry();
        response.auth[rekey ? image.text() : entry.registry] =
            kubelet::AuthConfig{entry.username, entry.password};
    }
    return response;
}
} // namespace

Result<kubelet::Response> response_for(const kubelet::Request &request, const config::Config &config,
                                       const config::Rule &rule, const match::ImageRef &image,
                                       const sdk::Auth &auth, std::int64_t now_unix_seconds) {
    auto duration = cache_duration_for(rule, auth.expires_unix, now_unix_seconds);
    if (!duration) return duration.error();
    auto response = scoped_response(request, config, &rule, image, auth);
    response.cache_duration = *duration;
    return response;
}

kubelet::Response empty_response_for(const kubelet::Request &request, const config::Config &config,
                                     const config::Rule *rule, const match::ImageRef &image) {
    return scoped_response(request, config, rule, image, {});
}

} // namespace pullcred::request
