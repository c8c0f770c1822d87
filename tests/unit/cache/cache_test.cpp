#include <gmock/gmock.h>

#include "cache/cache.hpp"
#include "cache/keys.hpp"
#include "cache_dir.hpp"

using namespace pullcred;
using testing::HasSubstr;

namespace {
constexpr std::int64_t kFarDeadline = 4102444800000;
auto any_data = [](const nlohmann::json &) { return true; };
} // namespace

using CacheTest = CacheDirTest;

TEST_F(CacheTest, DisabledCacheIsNotOpened) {
    EXPECT_FALSE(cache::Cache::open({dir_, false}).has_value());
    EXPECT_FALSE(std::filesystem::exists(dir_));
}

TEST_F(CacheTest, FreshEntriesAnswerWithoutFetching) {
    auto cache = cache::Cache::open({dir_, true});
    ASSERT_TRUE(cache.has_value());
    int fetches = 0;
    auto fetch = [&]() -> Result<cache::Fetched> {
        ++fetches;
        return cache::Fetched{{{"n", fetches}}, 2000, {}};
    };
    auto first = cache->through("k", 1000, kFarDeadline, fetch, any_data);
    auto second = cache->through("k", 1100, kFarDeadline, fetch, any_data);
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_FALSE(first->from_cache);
    EXPECT_TRUE(second->from_cache);
    EXPECT_EQ(second->data["n"], 1);
    EXPECT_EQ(fetches, 1);
}

TEST_F(CacheTest, StaleEntriesRefreshAndAreServedWhenTheRefreshFails) {
    auto cache = cache::Cache::open({dir_, true});
    auto good = []() -> Result<cache::Fetched> { return cache::Fetched{{{"v", "old"}}, 2000, {}}; };
    auto failing = []() -> Result<cache::Fetched> { return make_error("upstream is down"); };
    ASSERT_TRUE(cache->through("k", 1000, kFarDeadline, good, any_data).ok());
    testing::internal::CaptureStderr();
    auto stale = cache->through("k", 1800, kFarDeadline, failing, any_data); // refresh due at 1750
    const auto warning = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(stale.ok());
    EXPECT_EQ(stale->data["v"], "old");
    EXPECT_THAT(warning,
                testing::AllOf(HasSubstr("upstream is down"), HasSubstr("serving the cached answer")));
    auto expired = cache->through("k", 2000, kFarDeadline, failing, any_data);
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(expired.error().message, "upstream is down");
}

TEST_F(CacheTest, AnswersWithoutExpiryAreNotStored) {
    auto cache = cache::Cache::open({dir_, true});
    int fetches = 0;
    auto fetch = [&]() -> Result<cache::Fetched> {
        ++fetches;
        return cache::Fetched{{{"n", fetches}}, std::nullopt, {}};
    };
    ASSERT_TRUE(cache->through("k", 1000, kFarDeadline, fetch, any_data).ok());
    ASSERT_TRUE(cache->through("k", 1000, kFarDeadline, fetch, any_data).ok());
    EXPECT_EQ(fetches, 2);
}

TEST_F(CacheTest, EntriesTheCallerRefusesAreReplaced) {
    auto cache = cache::Cache::open({dir_, true});
    auto fetch = []() -> Result<cache::Fetched> { return cache::Fetched{{{"shape", "old"}}, 2000, {}}; };
    ASSERT_TRUE(cache->through("k", 1000, kFarDeadline, fetch, any_data).ok());
    auto refetched = cache->through(
        "k", 1000, kFarDeadline,
        []() -> Result<cache::Fetched> {
            return cache::Fetched{{{"shape", "new"}}, 2000, {}};
        },
        [](const nlohmann::json &data) { return data.value("shape", "") == "new"; });
    ASSERT_TRUE(refetched.ok());
    EXPECT_FALSE(refetched->from_cache);
    EXPECT_EQ(refetched->data["shape"], "new");
}

TEST(CacheKeys, ChangeWithTheProfileConfigAndIdentityButHoldNoSecret) {
    config::Config config;
    config.profiles["p"] = {"p", "aws.static", {{"source", "aws.static"}, {"secretDir", "/a"}}};
    config::Rule rule;
    rule.backend = "aws.ecr";
    rule.profile = "p";
    rule.settings = {{"backend", "aws.ecr"}};
    const auto base = cache::auth_key(config, rule, "r.example", "");
    EXPECT_EQ(base, cache::auth_key(config, rule, "r.example", ""));
    EXPECT_NE(base, cache::auth_key(config, rule, "other.example", ""));
    EXPECT_NE(base, cache::auth_key(config, rule, "r.example", "system:serviceaccount:a:b"));
    config.profiles["p"].settings["secretDir"] = "/b";
    EXPECT_NE(base, cache::auth_key(config, rule, "r.example", ""));
    EXPECT_EQ(base.rfind("auth-", 0), 0U);
    EXPECT_EQ(base.size(), 5U + 64U);
    EXPECT_NE(cache::credentials_key(config.profiles["p"], ""),
              cache::credentials_key(config.profiles["p"], "x"));
}
