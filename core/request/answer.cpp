#include "request/answer.hpp"

#include "aws/endpoints/ecr_host.hpp"
#include "cache/keys.hpp"
#include "log/logger.hpp"
#include "match/image_ref.hpp"
#include "request/auth_response.hpp"
#include "request/rule_selection.hpp"
#include "request/service_account.hpp"
#include "text/quote.hpp"

namespace pullcred::request {

namespace {

// Registry auth from the backend, or from the cache (see cache/cache.hpp for
// when a stale entry is served). Entries live until the token expires (or
// the rule's duration when the backend gives no expiry).
struct RegistryAuth {
    sdk::Auth auth;
    bool stale = false; // served although its refresh was due
};

Result<RegistryAuth> registry_auth(const config::Rule &rule, const kubelet::Request &request,
                                   const match::ImageRef &image, AnswerContext &context) {
    const auto registry = image.registry();
    auto plan = plan_service_account(request, rule);
    if (!plan) return plan.error();
    const auto identity = *plan ? (*plan)->identity : std::string();
    auto fetch = [&]() -> Result<cache::FetchedValue<sdk::Auth>> {
        std::string profile;
        std::string annotations;
        modules::Instance::ForwardedServiceAccount forwarded;
        if (*plan && (*plan)->forward_to_backend) {
            annotations = nlohmann::json(request.service_account_annotations).dump();
            forwarded = {*request.service_account_token, annotations};
        } else if (*plan) {
            profile = "serviceaccount:" + (*plan)->identity;
            auto assumed = context.providers().assume_web_identity(
                profile, (*plan)->role_arn, *request.service_account_token,
                aws::sts_region_for(rule.service_account.sts_region, registry));
            if (!assumed) return assumed.error();
        }
        cache::Inputs inputs;
        auto auth = context.providers().auth_for(rule, image.text(), registry, profile, inputs, forwarded);
        if (!auth) return auth.error();
        std::optional<std::int64_t> keep_until = auth->expires_unix;
        if (!keep_until && rule.cache_duration)
            keep_until = context.now_unix_seconds +
                         std::chrono::duration_cast<std::chrono::seconds>(*rule.cache_duration).count();
        return cache::FetchedValue<sdk::Auth>{std::move(*auth), keep_until, std::move(inputs)};
    };
    if (context.cache == nullptr) {
        auto fetched = fetch();
        if (!fetched) return fetched.error();
        return RegistryAuth{std::move(fetched->value)};
    }
    auto served = context.cache->serve<sdk::Auth>(
        cache::auth_key(context.config, rule, registry, identity), context.now_unix_seconds,
        cache::Deadline{context.deadline_unix_ms, context.config.settings.deadline}, fetch,
        [&](const sdk::Auth &auth) { return answers_image(auth, image); });
    if (!served) return served.error();
    if (served->from_cache)
        log::debug("registry auth for " + std::string(registry) + " served from the cache");
    return RegistryAuth{std::move(served->value), served->stale};
}

} // namespace

Result<kubelet::Response> answer(const kubelet::Request &request, AnswerContext &context) {
    auto image = match::parse_image_ref(request.image);
    if (!image)
        return Error::failed("image " + text::quote_bounded(request.image) + ": " + image.error().message);

    auto selection = select_rule(context.config, *image);
    if (selection.rule == nullptr) {
        log::info("no rule in " + context.config.file + " matches image " +
                  text::quote_bounded(request.image) + "; answering with no credentials");
        return empty_response_for(request, context.config, nullptr, *image);
    }
    for (; selection.rule != nullptr; selection = select_rule_after(context.config, *image, selection.rule)) {
        const auto &rule = *selection.rule;
        log::debug("image " + text::quote_bounded(request.image) + " matches registries[" +
                   std::to_string(rule.index) + "] pattern " + std::string(selection.pattern));
        if (lacks_required_token(request, rule)) {
            log::warn(missing_token_note(rule));
            return empty_response_for(request, context.config, &rule, *image);
        }
        auto auth = registry_auth(rule, request, *image, context);
        if (!auth && auth.error().code == ErrorCode::not_applicable) {
            log::info("registries[" + std::to_string(rule.index) + "] (" + rule.backend +
                      ") has nothing for this image: " + auth.error().message + "; trying the next rule");
            continue;
        }
        if (!auth) return auth.error();
        auto response =
            response_for(request, context.config, rule, *image, auth->auth, context.now_unix_seconds);
        if (response && auth->stale)
            response->cache_duration = stale_cache_duration(response->cache_duration);
        return response;
    }
    log::info("no rule in " + context.config.file + " has credentials for image " +
              text::quote_bounded(request.image) + "; answering with no credentials");
    return empty_response_for(request, context.config, nullptr, *image);
}

} // namespace pullcred::request
