// How long kubelet may keep an answer, and what a cached answer must hold to
// be served: the decisions of request/auth_response.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "log/redact.hpp"
#include "request/auth_response.hpp"

namespace {

using namespace pullcred;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::HasSubstr;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kRegistry = "111122223333.dkr.ecr.us-west-2.amazonaws.com";

config::Rule rule_with(std::optional<nanoseconds> duration) {
    config::Rule rule;
    rule.match_images = {"*.dkr.ecr.*.amazonaws.com"};
    rule.backend = "aws.ecr";
    rule.cache_duration = duration;
    return rule;
}

std::optional<nanoseconds> duration(const config::Rule &rule, std::optional<std::int64_t> expires) {
    auto result = request::cache_duration_for(rule, expires, kNow);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : std::nullopt;
}

TEST(CacheDuration, WithoutExpiryIsTheRulesOwnOrNone) {
    EXPECT_EQ(duration(rule_with(minutes(5)), std::nullopt), nanoseconds(minutes(5)));
    EXPECT_EQ(duration(rule_with(std::nullopt), std::nullopt), std::nullopt);
}

TEST(CacheDuration, IsHalfTheTokensRemainingLifeAtMost) {
    EXPECT_EQ(duration(rule_with(std::nullopt), kNow + 3600), nanoseconds(seconds(1800)));
    EXPECT_EQ(duration(rule_with(minutes(10)), kNow + 3600), nanoseconds(minutes(10)));
    EXPECT_EQ(duration(rule_with(minutes(45)), kNow + 3600), nanoseconds(seconds(1800)));
    EXPECT_EQ(duration(rule_with(std::nullopt), kNow + 3601), nanoseconds(seconds(1800)));
}

TEST(CacheDuration, ATokenInItsLastSecondIsNotCachedByKubelet) {
    EXPECT_EQ(duration(rule_with(minutes(5)), kNow + 1), nanoseconds(0));
    EXPECT_EQ(duration(rule_with(std::nullopt), kNow + 2), nanoseconds(seconds(1)));
}

TEST(CacheDuration, AnExpiredTokenIsAnErrorNeverALongCache) {
    for (const std::int64_t expires : {kNow, kNow - 1, std::int64_t{0}}) {
        auto result = request::cache_duration_for(rule_with(minutes(5)), expires, kNow);
        ASSERT_FALSE(result.ok()) << expires;
        EXPECT_THAT(result.error().message, HasSubstr("already expired"));
        EXPECT_THAT(result.error().message, HasSubstr("clock"));
    }
}

TEST(StaleCacheDuration, IsAMinuteAtMost) {
    EXPECT_EQ(request::stale_cache_duration(std::nullopt), request::kStaleCacheDuration);
    EXPECT_EQ(request::stale_cache_duration(seconds(30)), nanoseconds(seconds(30)));
    EXPECT_EQ(request::stale_cache_duration(minutes(10)), request::kStaleCacheDuration);
}

TEST(ResponseFor, CarriesTheDurationAndRefusesAnExpiredToken) {
    config::Config config;
    config.registries.push_back(rule_with(minutes(10)));
    kubelet::Request request;
    request.image = std::string(kRegistry) + "/team/app:1";
    const auto image = match::parse_image_ref(request.image);
    ASSERT_TRUE(image.ok());
    sdk::Auth auth;
    auth.entries.push_back({std::string(kRegistry), "AWS", "response-password"});
    auth.expires_unix = kNow + 600;

    auto response = request::response_for(request, config, config.registries[0], *image, auth, kNow);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->cache_duration, nanoseconds(seconds(300)));
    EXPECT_EQ(response->auth.at(std::string(kRegistry)).password, "response-password");

    auth.expires_unix = kNow;
    EXPECT_FALSE(request::response_for(request, config, config.registries[0], *image, auth, kNow).ok());
}

TEST(CachedAuth, IsServedOnlyForAnImageItAnswers) {
    sdk::Auth auth;
    auth.entries.push_back({std::string(kRegistry), "AWS", "p"});
    const auto image = [](const std::string &text) { return *match::ImageRef::parse(text); };
    EXPECT_TRUE(request::answers_image(auth, image(std::string(kRegistry) + "/team/app")));
    EXPECT_FALSE(
        request::answers_image(auth, image("444455556666.dkr.ecr.us-west-2.amazonaws.com/team/app")));
    EXPECT_FALSE(request::answers_image(auth, image("docker.io/library/nginx")));
    EXPECT_FALSE(request::answers_image(sdk::Auth{}, image(std::string(kRegistry) + "/a")));
}

} // namespace
