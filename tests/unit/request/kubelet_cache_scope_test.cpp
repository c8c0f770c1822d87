#include <gtest/gtest.h>

#include "match/glob.hpp"
#include "request/auth_response.hpp"
#include "request/kubelet_cache_scope.hpp"
#include "request/rule_selection.hpp"

namespace {

using namespace pullcred;
using kubelet::CacheKeyType;

constexpr std::string_view kHost = "111122223333.dkr.ecr.us-west-2.amazonaws.com";
constexpr std::string_view kEcr = "*.dkr.ecr.*.amazonaws.com";

std::string image_of(std::string_view path) {
    return std::string(kHost) + std::string(path);
}

config::Config config_of(std::vector<std::pair<std::vector<std::string>, std::string>> rules) {
    config::Config config;
    for (auto &[patterns, key_type] : rules) {
        config::Rule rule;
        rule.index = config.registries.size();
        rule.match_images = std::move(patterns);
        rule.backend = "aws.ecr";
        rule.profile = "p" + std::to_string(rule.index);
        rule.cache_key_type = key_type == "Image"    ? config::CacheKeyType::image
                              : key_type == "Global" ? config::CacheKeyType::global
                                                     : config::CacheKeyType::registry;
        rule.settings = {
            {"matchImages", rule.match_images}, {"backend", rule.backend}, {"profile", rule.profile}};
        config.registries.push_back(std::move(rule));
    }
    return config;
}

sdk::Auth auth_for_registry(std::string_view registry) {
    sdk::Auth auth;
    auth.entries.push_back({std::string(registry), "AWS", "pw"});
    return auth;
}

// The scope of the answer pullcred gives `image` under `config` (first match).
request::KubeletCacheScope scope_of(const config::Config &config, const std::string &image) {
    auto ref = match::parse_image_ref(image);
    EXPECT_TRUE(ref.ok()) << image;
    const auto selection = request::select_rule(config, *ref);
    return request::kubelet_cache_scope(config, selection.rule, *ref,
                                        selection.rule ? auth_for_registry(ref->registry()) : sdk::Auth{});
}

TEST(KubeletCacheScope, ASingleHostWideRuleKeepsTheRegistryKey) {
    const auto config = config_of({{{std::string(kEcr)}, "Registry"}});
    const auto scope = scope_of(config, image_of("/team/app"));
    EXPECT_EQ(scope.cache_key_type, CacheKeyType::registry);
    EXPECT_FALSE(scope.key_on_image);
    EXPECT_TRUE(scope.overridden.empty());
}

TEST(KubeletCacheScope, PathSplitRulesAreKeyedOnTheImage) {
    const auto config = config_of({{{image_of("/team-a")}, "Registry"}, {{image_of("/team-b")}, "Registry"}});
    for (const auto *path : {"/team-a/app", "/team-b/app", "/team-aster/app", "/other/app"}) {
        const auto scope = scope_of(config, image_of(path));
        EXPECT_EQ(scope.cache_key_type, CacheKeyType::image) << path;
        EXPECT_TRUE(scope.key_on_image) << path;
    }
    EXPECT_NE(scope_of(config, image_of("/team-a/app")).overridden.find("instead of Registry: registries[0]"),
              std::string::npos);
    EXPECT_TRUE(scope_of(config, image_of("/other/app")).overridden.empty()) << "no rule: no operator choice";
}

TEST(KubeletCacheScope, AnEarlierHostWideRuleShadowsALaterPathRule) {
    const auto config = config_of({{{std::string(kEcr)}, "Registry"}, {{image_of("/special")}, "Registry"}});
    EXPECT_EQ(scope_of(config, image_of("/special/app")).cache_key_type, CacheKeyType::registry);
    EXPECT_EQ(scope_of(config, image_of("/app")).cache_key_type, CacheKeyType::registry);
}

TEST(KubeletCacheScope, AnEarlierPathRuleNarrowsALaterHostWideRuleOnItsHostOnly) {
    const auto config = config_of({{{image_of("/special")}, "Registry"}, {{std::string(kEcr)}, "Registry"}});
    EXPECT_EQ(scope_of(config, image_of("/app")).cache_key_type, CacheKeyType::image);
    EXPECT_EQ(scope_of(config, "444455556666.dkr.ecr.us-west-2.amazonaws.com/app").cache_key_type,
              CacheKeyType::registry);
}

TEST(KubeletCacheScope, ARuleWithAHostWidePatternBesideAPathPatternOwnsTheHost) {
    const auto config = config_of({{{image_of("/team-a"), std::string(kHost)}, "Registry"}});
    EXPECT_EQ(scope_of(config, image_of("/team-a/app")).cache_key_type, CacheKeyType::registry);
}

TEST(KubeletCacheScope, UnmatchedImagesShareTheRegistryKeyOnlyWhenNoRuleTouchesTheHost) {
    const auto config = config_of({{{image_of("/team-a")}, "Registry"}});
    EXPECT_EQ(scope_of(config, "444455556666.dkr.ecr.us-west-2.amazonaws.com/app").cache_key_type,
              CacheKeyType::registry);
    EXPECT_EQ(scope_of(config, image_of("/other/app")).cache_key_type, CacheKeyType::image);
    EXPECT_EQ(scope_of(config_of({}), image_of("/app")).cache_key_type, CacheKeyType::registry);
}

TEST(KubeletCacheScope, PortsAreDistinctRegistries) {
    const auto config = config_of({{{"registry.io:5000/team"}, "Registry"}, {{"registry.io"}, "Registry"}});
    EXPECT_EQ(scope_of(config, "registry.io/team/app").cache_key_type, CacheKeyType::registry);
    EXPECT_EQ(scope_of(config, "registry.io:5000/other").cache_key_type, CacheKeyType::image);
}

TEST(KubeletCacheScope, GlobalStaysOnlyForTheOnlyRuleServingExactlyOneHost) {
    auto exact = config_of({{{std::string(kHost)}, "Global"}});
    EXPECT_EQ(scope_of(exact, image_of("/app")).cache_key_type, CacheKeyType::global);

    const auto wildcard = config_of({{{std::string(kEcr)}, "Global"}});
    const auto scope = scope_of(wildcard, image_of("/app"));
    EXPECT_EQ(scope.cache_key_type, CacheKeyType::registry);
    EXPECT_NE(scope.overridden.find("Registry instead of Global: registries[0]"), std::string::npos);

    const auto two_rules = config_of({{{std::string(kHost)}, "Global"}, {{"other.io"}, "Registry"}});
    EXPECT_EQ(scope_of(two_rules, image_of("/app")).cache_key_type, CacheKeyType::registry);

    // An answer that also holds another host's credential must not be global.
    auto ref = match::parse_image_ref(image_of("/app"));
    auto auth = auth_for_registry(kHost);
    auth.entries.push_back({"other.io", "u", "p"});
    EXPECT_EQ(request::kubelet_cache_scope(exact, &exact.registries[0], *ref, auth).cache_key_type,
              CacheKeyType::registry);
}

TEST(KubeletCacheScope, AnOperatorsImageIsKeptEverywhere) {
    const auto config = config_of({{{std::string(kEcr)}, "Image"}});
    const auto scope = scope_of(config, image_of("/app"));
    EXPECT_EQ(scope.cache_key_type, CacheKeyType::image);
    EXPECT_FALSE(scope.key_on_image) << "a host-wide rule keeps the registry as its auth key";
}

// The response itself: shape and keys, through response_for (the path both
// the full answer and the cache-hit front take).
// The first rule's answer for `image`, with auth keyed by the registry host.
Result<kubelet::Response> first_rule_answer(const config::Config &config, const std::string &image) {
    auto ref = match::parse_image_ref(image);
    kubelet::Request request;
    request.image = image;
    return request::response_for(request, config, config.registries[0], *ref, auth_for_registry(kHost), 0);
}

TEST(ResponseFor, APathRulesCredentialIsKeyedOnTheWholeImage) {
    const auto config = config_of({{{image_of("/team-a")}, "Registry"}});
    const auto image = image_of("/team-a/app");
    auto response = first_rule_answer(config, image);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->cache_key_type, CacheKeyType::image);
    ASSERT_EQ(response->auth.size(), 1U);
    EXPECT_EQ(response->auth.begin()->first, image);
    EXPECT_TRUE(match::match_auth_key(image, image));
    EXPECT_FALSE(match::match_auth_key(image, image_of("/team-aster/app")));
}

TEST(ResponseFor, AHostWideRuleAnswersAsBefore) {
    const auto config = config_of({{{std::string(kEcr)}, "Registry"}});
    auto response = first_rule_answer(config, image_of("/team/app"));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->cache_key_type, CacheKeyType::registry);
    ASSERT_EQ(response->auth.size(), 1U);
    EXPECT_EQ(response->auth.begin()->first, kHost);
}

TEST(EmptyResponseFor, TheNoRuleAnswerIsKeyedOnTheImageWhenARuleSharesTheHost) {
    const auto config = config_of({{{image_of("/team-a/")}, "Registry"}});
    kubelet::Request request;
    request.image = image_of("/team-aster/app");
    auto ref = match::parse_image_ref(request.image);
    const auto response = request::empty_response_for(request, config, nullptr, *ref);
    EXPECT_EQ(response.cache_key_type, CacheKeyType::image);
    EXPECT_TRUE(response.auth.empty());
    EXPECT_FALSE(response.cache_duration);
}

} // namespace
