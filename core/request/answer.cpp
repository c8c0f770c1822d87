#include "request/answer.hpp"

#include <algorithm>

#include "dispatch/image_ref.hpp"
#include "log/logger.hpp"
#include "request/rule_selection.hpp"

namespace pullcred::request {

namespace {
kubelet::CacheKeyType cache_key_type_of(const config::Rule &rule) {
    if (rule.cache_key_type == "Image") return kubelet::CacheKeyType::image;
    if (rule.cache_key_type == "Global") return kubelet::CacheKeyType::global;
    return kubelet::CacheKeyType::registry;
}
} // namespace

Result<std::optional<std::chrono::seconds>> cache_duration_for(const config::Rule &rule,
                                                              std::optional<std::int64_t> expires_unix,
                                                              std::int64_t now_unix_seconds) {
    std::optional<std::chrono::seconds> duration = rule.cache_duration;
    if (expires_unix) {
        const auto remaining = *expires_unix - now_unix_seconds;
        if (remaining <= 0) return make_error("the registry token has already expired; check the node's clock");
        const std::chrono::seconds half(remaining / 2);
        duration = duration ? std::min(*duration, half) : half;
    }
    return duration;
}

Result<kubelet::Response> answer(const kubelet::Request &request, AnswerContext &context) {
    kubelet::Response response;
    response.api_version = request.api_version;

    auto image = dispatch::parse_image_ref(request.image);
    if (!image) return make_error("image \"" + request.image + "\": " + image.error().message);

    const auto selection = select_rule(context.config, request.image);
    if (selection.rule == nullptr) {
        log::info("no rule in " + context.config.file + " matches image " + request.image +
                  "; answering with no credentials");
        return response;
    }
    const auto &rule = *selection.rule;
    log::debug("image " + request.image + " matches registries[" + std::to_string(rule.index) + "] pattern " +
               std::string(selection.pattern));

    auto auth = context.providers().auth_for(rule, request.image, image->registry());
    if (!auth) return auth.error();
    auto duration = cache_duration_for(rule, auth->expires_unix, context.now_unix_seconds);
    if (!duration) return duration.error();

    response.cache_key_type = cache_key_type_of(rule);
    response.cache_duration = *duration;
    for (const auto &entry : auth->entries)
        response.auth[entry.registry] = kubelet::AuthConfig{entry.username, entry.password};
    return response;
}

} // namespace pullcred::request
