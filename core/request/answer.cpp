#include "request/answer.hpp"

#include <algorithm>

#include "aws/endpoints/ecr_host.hpp"
#include "cache/keys.hpp"
#include "dispatch/glob.hpp"
#include "dispatch/image_ref.hpp"
#include "log/logger.hpp"
#include "log/redact.hpp"
#include "request/rule_selection.hpp"
#include "request/service_account.hpp"
#include "util/quote.hpp"

namespace pullcred::request {

namespace {
kubelet::CacheKeyType cache_key_type_of(const config::Rule &rule) {
    if (rule.cache_key_type == "Image") return kubelet::CacheKeyType::image;
    if (rule.cache_key_type == "Global") return kubelet::CacheKeyType::global;
    return kubelet::CacheKeyType::registry;
}
nlohmann::json to_json(const sdk::Auth &auth) {
    auto entries = nlohmann::json::array();
    for (const auto &entry : auth.entries)
        entries.push_back(
            {{"registry", entry.registry}, {"username", entry.username}, {"password", entry.password}});
    nlohmann::json data{{"entries", entries}};
    if (auth.expires_unix) data["expires"] = *auth.expires_unix;
    return data;
}

Result<sdk::Auth> from_json(const nlohmann::json &data) {
    sdk::Auth auth;
    try {
        for (const auto &entry : data.at("entries")) {
            auth.entries.push_back({entry.at("registry").get<std::string>(),
                                    entry.at("username").get<std::string>(),
                                    entry.at("password").get<std::string>()});
            log::register_secret(auth.entries.back().password);
        }
        if (auto expires = data.find("expires"); expires != data.end())
            auth.expires_unix = expires->get<std::int64_t>();
    } catch (const nlohmann::json::exception &) {
        return make_error("cache entry has an unexpected shape");
    }
    return auth;
}

// Registry auth from the backend, or from the cache when it holds a fresh
// answer. Entries live until the token expires (or the rule's duration when
// the backend gives no expiry).
// The STS region for a service account: the rule's, else the ECR host's.
std::string sts_region_for(const config::Rule &rule, std::string_view registry) {
    const auto settings = rule.settings.value("serviceAccount", nlohmann::json::object());
    if (auto region = settings.find("stsRegion"); region != settings.end() && region->is_string())
        return region->get<std::string>();
    if (auto host = aws::parse_ecr_host(registry); host && !host->region.empty()) return host->region;
    return "us-east-1";
}

// A cache entry is served only when it is well formed and holds auth for the
// image (an entry holding another registry's auth is replaced, not served).
bool answers_image(const nlohmann::json &data, std::string_view image) {
    auto auth = from_json(data);
    if (!auth) return false;
    for (const auto &entry : auth->entries)
        if (dispatch::match_auth_key(entry.registry, image)) return true;
    return false;
}

Result<sdk::Auth> registry_auth(const config::Rule &rule, const kubelet::Request &request,
                                std::string_view registry, AnswerContext &context) {
    auto plan = plan_service_account(request, rule);
    if (!plan) return plan.error();
    const auto identity = *plan ? (*plan)->identity : std::string();
    auto fetch = [&]() -> Result<cache::Fetched> {
        std::string profile;
        if (*plan) {
            profile = "serviceaccount:" + (*plan)->identity;
            auto assumed = context.providers().assume_web_identity(
                profile, (*plan)->role_arn, *request.service_account_token, sts_region_for(rule, registry));
            if (!assumed) return assumed.error();
        }
        auto auth = context.providers().auth_for(rule, request.image, registry, profile);
        if (!auth) return auth.error();
        std::optional<std::int64_t> keep_until = auth->expires_unix;
        if (!keep_until && rule.cache_duration)
            keep_until = context.now_unix_seconds + rule.cache_duration->count();
        return cache::Fetched{to_json(*auth), keep_until};
    };
    if (context.cache == nullptr) {
        auto fetched = fetch();
        if (!fetched) return fetched.error();
        return from_json(fetched->data);
    }
    auto served = context.cache->through(
        cache::auth_key(context.config, rule, registry, identity), context.now_unix_seconds,
        context.deadline_unix_ms, fetch,
        [&](const nlohmann::json &data) { return answers_image(data, request.image); });
    if (!served) return served.error();
    if (served->from_cache)
        log::debug("registry auth for " + std::string(registry) + " served from the cache");
    return from_json(served->data);
}

} // namespace

std::string auth_cache_key(const config::Config &config, const config::Rule &rule,
                           std::string_view registry) {
    return cache::auth_key(config, rule, registry, {});
}

Result<std::optional<std::chrono::seconds>> cache_duration_for(const config::Rule &rule,
                                                               std::optional<std::int64_t> expires_unix,
                                                               std::int64_t now_unix_seconds) {
    std::optional<std::chrono::seconds> duration = rule.cache_duration;
    if (expires_unix) {
        const auto remaining = *expires_unix - now_unix_seconds;
        if (remaining <= 0)
            return make_error("the registry token has already expired; check the node's clock");
        const std::chrono::seconds half(remaining / 2);
        duration = duration ? std::min(*duration, half) : half;
    }
    return duration;
}

Result<kubelet::Response> answer(const kubelet::Request &request, AnswerContext &context) {
    kubelet::Response response;
    response.api_version = request.api_version;

    auto image = dispatch::parse_image_ref(request.image);
    if (!image)
        return make_error("image " + util::quote_bounded(request.image) + ": " + image.error().message);

    const auto selection = select_rule(context.config, request.image);
    if (selection.rule == nullptr) {
        log::info("no rule in " + context.config.file + " matches image " +
                  util::quote_bounded(request.image) + "; answering with no credentials");
        return response;
    }
    const auto &rule = *selection.rule;
    log::debug("image " + util::quote_bounded(request.image) + " matches registries[" +
               std::to_string(rule.index) + "] pattern " + std::string(selection.pattern));

    auto auth = registry_auth(rule, request, image->registry(), context);
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
