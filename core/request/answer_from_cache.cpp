#include "request/answer_from_cache.hpp"

#include "cache/codec.hpp"
#include "cache/keys.hpp"
#include "request/auth_response.hpp"
#include "request/rule_selection.hpp"
#include "request/service_account.hpp"

namespace pullcred::request {

std::optional<kubelet::Response> answer_from_cache(const kubelet::Request &request,
                                                   const match::ImageRef &image, const config::Config &config,
                                                   const cache::Store &store, std::int64_t now_unix_seconds) {
    const auto selection = select_rule(config, image);
    if (selection.rule == nullptr) return std::nullopt;
    const auto &rule = *selection.rule;
    if (lacks_required_token(request, rule)) return std::nullopt;
    auto plan = plan_service_account(request, rule);
    if (!plan) return std::nullopt;
    const auto identity = *plan ? (*plan)->identity : std::string();

    auto entry = store.read(cache::auth_key(config, rule, image.registry(), identity));
    if (cache::freshness_of(entry, now_unix_seconds) != cache::Freshness::fresh) return std::nullopt;
    auto auth = cache::Codec<sdk::Auth>::decode(entry->data);
    if (!auth || !answers_image(*auth, image)) return std::nullopt;
    auto response = response_for(request, config, rule, image, *auth, now_unix_seconds);
    if (!response) return std::nullopt;
    return std::move(*response);
}

} // namespace pullcred::request
