// Providers: profiles and rules turned into module instances, with the real
// loader and a real fixture module (fixtures/chain_module.cpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>

#include "cache/cache.hpp"
#include "modules/registry.hpp"
#include "providers/providers.hpp"

namespace {

using namespace pullcred;
using testing::HasSubstr;

const modules::Registry &registry() {
    static const auto discovery = modules::discover_modules({}, {{CHAIN_MODULE_PATH, ""}});
    return discovery.registry;
}

class ProvidersTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NE(registry().find("test.counting"), nullptr);
        cache_dir_ = std::filesystem::temp_directory_path() /
                     ("pullcred-providers-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(cache_dir_);
    }
    void TearDown() override { std::filesystem::remove_all(cache_dir_); }

    void profile(const std::string &name, nlohmann::json settings) {
        config_.profiles[name] = config::Profile{name, settings.at("source").get<std::string>(), settings};
    }

    std::unique_ptr<providers::Providers> providers(std::int64_t deadline_after_ms = 30'000) {
        modules::HostEnvironment environment;
        environment.now_unix_ms = [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
        environment.deadline_unix_ms = environment.now_unix_ms() + deadline_after_ms;
        environment.net_services = []() -> Result<net::NetServices *> {
            return Error::failed("the providers tests use no network");
        };
        return std::make_unique<providers::Providers>(config_, registry(), std::move(environment));
    }

    std::optional<cache::Cache> open_cache() {
        return cache::Cache::open(config::CacheSettings{cache_dir_, true});
    }

    // The access key ids profile "node" gives two invocations with one cache.
    std::pair<std::string, std::string> two_invocations_sharing_a_cache() {
        auto cache = open_cache();
        EXPECT_TRUE(cache.has_value());
        if (!cache) return {};
        auto first_run = providers();
        first_run->use_cache(&*cache);
        const auto first = key_id(first_run->credentials_for("node", ""));
        auto second_run = providers();
        second_run->use_cache(&*cache);
        return {first, key_id(second_run->credentials_for("node", ""))};
    }

    static std::string key_id(const Result<sdk::Credentials> &credentials) {
        EXPECT_TRUE(credentials.ok()) << credentials.error().message;
        return credentials.ok() ? credentials->get(PULLCRED_FIELD_ACCESS_KEY_ID) : std::string();
    }

    config::Config config_;
    std::filesystem::path cache_dir_;
};

TEST_F(ProvidersTest, AProfileIsFetchedOncePerInvocation) {
    profile("node", {{"source", "test.counting"}});
    auto providers = this->providers();
    const auto first = key_id(providers->credentials_for("node", ""));
    EXPECT_EQ(key_id(providers->credentials_for("node", "")), first);
    EXPECT_NE(key_id(this->providers()->credentials_for("node", "")), first)
        << "no cache: a new invocation fetches";
}

TEST_F(ProvidersTest, AProfileBuiltOnAnotherSharesItsFetch) {
    profile("base", {{"source", "test.counting"}});
    profile("derived", {{"source", "test.from-profile"}, {"from", "base"}});
    auto providers = this->providers();
    const auto base = key_id(providers->credentials_for("base", ""));
    EXPECT_EQ(key_id(providers->credentials_for("derived", "")), base);
}

TEST_F(ProvidersTest, AProfileLoopIsNamedNotFollowed) {
    profile("a", {{"source", "test.from-profile"}, {"from", "b"}});
    profile("b", {{"source", "test.from-profile"}, {"from", "a"}});
    const auto result = providers()->credentials_for("a", "");
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, HasSubstr("profile loop: a -> b -> a"));
}

TEST_F(ProvidersTest, ExpiringCredentialsAreCachedAcrossInvocations) {
    profile("node", {{"source", "test.counting"}});
    const auto [first, second] = two_invocations_sharing_a_cache();
    EXPECT_EQ(second, first);
}

TEST_F(ProvidersTest, CredentialsThatNeverExpireAreNotCached) {
    profile("node", {{"source", "test.counting"}, {"lifetimeSeconds", 0}});
    const auto [first, second] = two_invocations_sharing_a_cache();
    EXPECT_NE(second, first);
}

TEST_F(ProvidersTest, ConfigErrorsNameTheProfileAndTheFix) {
    profile("typo", {{"source", "test.countin"}});
    profile("bad", {{"source", "test.counting"}, {"lifetimeSeconds", "soon"}});
    auto providers = this->providers();

    auto unknown_source = providers->prepare_profile("typo");
    ASSERT_FALSE(unknown_source.ok());
    EXPECT_THAT(unknown_source.error().message, HasSubstr("profiles.typo.source"));
    EXPECT_THAT(unknown_source.error().message, HasSubstr("pullcred modules"));

    auto schema = providers->prepare_profile("bad");
    ASSERT_FALSE(schema.ok());
    EXPECT_THAT(schema.error().message, HasSubstr("profiles.bad"));
    EXPECT_THAT(schema.error().message, HasSubstr("lifetimeSeconds"));

    auto missing = providers->credentials_for("nowhere", "");
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error().message, HasSubstr("profile \"nowhere\" is not defined"));
}

TEST_F(ProvidersTest, ASourceIsNotABackend) {
    config::Rule rule;
    rule.backend = "test.counting";
    rule.settings = {{"backend", "test.counting"}};
    auto prepared = providers()->prepare_rule(rule);
    ASSERT_FALSE(prepared.ok());
    EXPECT_THAT(
        prepared.error().message,
        HasSubstr("registries[0].backend: \"test.counting\" is a credential source, not a registry backend"));
}

TEST_F(ProvidersTest, ABackendIsNotASourceForAProfileOrAWrapper) {
    profile("node", {{"source", "test.backend"}});
    auto run = providers();
    auto direct = run->credentials_for("node", "");
    ASSERT_FALSE(direct.ok());
    EXPECT_THAT(
        direct.error().message,
        HasSubstr("profiles.node.source: \"test.backend\" is a registry backend, not a credential source"));

    auto wrapped = run->credentials_from_source("profile a", "test.backend", "{}", {"a", "", {}});
    ASSERT_FALSE(wrapped.ok());
    EXPECT_EQ(wrapped.error().code, ErrorCode::failed);
    EXPECT_THAT(wrapped.error().message,
                HasSubstr("test.backend: \"test.backend\" is a registry backend, not a credential source"));
}

TEST_F(ProvidersTest, ASourceGetsCredentialsFromAnotherSourceThroughTheHost) {
    profile(
        "outer",
        {{"source", "test.wrapping"}, {"factory", "test.counting"}, {"config", {{"lifetimeSeconds", 0}}}});
    auto credentials = providers()->credentials_for("outer", "");
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_THAT(credentials->get(PULLCRED_FIELD_ACCESS_KEY_ID), testing::StartsWith("call-"));
    EXPECT_FALSE(credentials->expires_unix);
}

TEST_F(ProvidersTest, AWrappedSourceIsCreatedOncePerCallerAndConfig) {
    profile("a", {{"source", "test.wrapping"}, {"factory", "test.counting"}});
    profile("b", {{"source", "test.from-profile"}, {"from", "a"}});
    auto run = providers();
    const auto first =
        key_id(run->credentials_from_source("profile a", "test.counting", "{}", {"a", "", {}}));
    const auto again =
        key_id(run->credentials_from_source("profile a", "test.counting", "{}", {"a", "", {}}));
    EXPECT_NE(first, again); // the same instance fetched twice: the wrapper decides what to keep
    auto bad = run->credentials_from_source("profile a", "test.counting", R"({"lifetimeSeconds": "x"})",
                                            {"a", "", {}});
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message, HasSubstr("test.counting.lifetimeSeconds"));
    auto not_json = run->credentials_from_source("profile a", "test.counting", "[1]", {"a", "", {}});
    ASSERT_FALSE(not_json.ok());
    EXPECT_THAT(not_json.error().message, HasSubstr("test.counting: its config is not a JSON object"));
}

TEST_F(ProvidersTest, AWrappedFactoryNoModuleProvidesIsNotApplicableToTheWrapper) {
    auto run = providers();
    auto missing = run->credentials_from_source("profile a", "test.nothing", "{}", {"a", "", {}});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::not_applicable);
    EXPECT_THAT(missing.error().message, HasSubstr("test.nothing: no module provides it"));

    // A source that passes it on fails its own profile (sdk/ABI.md), named as not applicable.
    profile("outer", {{"source", "test.wrapping"}, {"factory", "test.nothing"}});
    auto outer = run->credentials_for("outer", "");
    ASSERT_FALSE(outer.ok());
    EXPECT_EQ(outer.error().code, ErrorCode::failed);
    EXPECT_THAT(
        outer.error().message,
        HasSubstr("profile outer: test.wrapping not applicable: test.nothing: no module provides it"));
}

TEST_F(ProvidersTest, AWrappedSourcesRetryableFailureStaysRetryable) {
    profile("outer", {{"source", "test.wrapping"}, {"factory", "test.throttled"}});
    auto outer = providers()->credentials_for("outer", "");
    ASSERT_FALSE(outer.ok());
    EXPECT_EQ(outer.error().code, ErrorCode::retryable);
    EXPECT_EQ(outer.error().message,
              "profile outer: test.wrapping temporary failure: test.throttled temporary "
              "failure: throttled, try again");
}

TEST_F(ProvidersTest, AHangInAWrappedSourceIsNamedAfterIt) {
    profile("outer", {{"source", "test.wrapping"}, {"factory", "test.hanging"}});
    auto run = [this] { (void)providers(/*deadline_after_ms=*/100)->credentials_for("outer", ""); };
    EXPECT_EXIT(run(), testing::ExitedWithCode(1),
                "^pullcred: error: module " + std::string(CHAIN_MODULE_PATH) +
                    ": profile outer \\(test.hanging\\) did not answer get_credentials within [0-9.]+ s "
                    "\\(settings.deadline \\+ 2 s\\); pullcred gave up\n$");
}

TEST_F(ProvidersTest, RuleSettingsOfTheHostNeverReachTheBackend) {
    config::Rule rule;
    rule.settings = {{"matchImages", {"x"}},    {"backend", "b"},
                     {"profile", "p"},          {"cacheDuration", "1m"},
                     {"cacheKeyType", "Image"}, {"serviceAccount", {{"required", true}}},
                     {"mirrorOf", "m"}};
    EXPECT_EQ(providers::module_config_of_rule(rule), (nlohmann::json{{"mirrorOf", "m"}}));
    config::Profile node{"node", "s", {{"source", "s"}, {"keyFile", "/k"}}};
    EXPECT_EQ(providers::module_config_of_profile(node), (nlohmann::json{{"keyFile", "/k"}}));
}

} // namespace
