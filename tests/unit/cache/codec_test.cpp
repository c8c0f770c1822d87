// What the cache writes for registry auth and source credentials, and the
// typed read-through: a value is encoded only to be written and decoded only
// when read back.
#include <gmock/gmock.h>

#include "cache/cache.hpp"
#include "cache/codec.hpp"
#include "cache_dir.hpp"
#include "log/redact.hpp"

using namespace pullcred;
using testing::HasSubstr;
using testing::Not;

namespace {
const cache::Deadline kFarDeadline{4102444800000, std::chrono::seconds(45)};
constexpr std::int64_t kNow = 1'700'000'000;

sdk::Auth auth_with(const std::string &password) {
    sdk::Auth auth;
    auth.entries.push_back({"111122223333.dkr.ecr.us-west-2.amazonaws.com", "AWS", password});
    auth.expires_unix = kNow + 600;
    return auth;
}
} // namespace

TEST(CacheCodec, AuthRoundTripsAndRegistersThePasswordsForRedaction) {
    const auto back =
        cache::Codec<sdk::Auth>::decode(cache::Codec<sdk::Auth>::encode(auth_with("auth-7f3a")));
    ASSERT_TRUE(back.has_value());
    ASSERT_EQ(back->entries.size(), 1U);
    EXPECT_EQ(back->entries[0].registry, "111122223333.dkr.ecr.us-west-2.amazonaws.com");
    EXPECT_EQ(back->entries[0].username, "AWS");
    EXPECT_EQ(back->entries[0].password, "auth-7f3a");
    EXPECT_EQ(back->expires_unix, kNow + 600);
    EXPECT_THAT(log::redact("leaked auth-7f3a"), Not(HasSubstr("7f3a")));
}

TEST(CacheCodec, AuthOfAnotherShapeIsRefused) {
    for (const auto *text : {R"({})", R"({"entries":[{"registry":"r"}]})", R"({"entries":"x"})",
                             R"({"entries":[],"expires":"soon"})", R"([])"})
        EXPECT_FALSE(cache::Codec<sdk::Auth>::decode(nlohmann::json::parse(text)).has_value()) << text;
}

TEST(CacheCodec, CredentialsRoundTripAndRegisterTheSecretsForRedaction) {
    sdk::Credentials credentials;
    credentials.fields[PULLCRED_FIELD_ACCESS_KEY_ID] = "AKIDEXAMPLE";
    credentials.fields[PULLCRED_FIELD_SECRET_ACCESS_KEY] = "secret-c0d3c";
    credentials.fields[PULLCRED_FIELD_SESSION_TOKEN] = "token-c0d3c";
    credentials.expires_unix = kNow + 60;
    const auto back =
        cache::Codec<sdk::Credentials>::decode(cache::Codec<sdk::Credentials>::encode(credentials));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->fields, credentials.fields);
    EXPECT_EQ(back->expires_unix, kNow + 60);
    EXPECT_THAT(log::redact("secret-c0d3c token-c0d3c"), Not(HasSubstr("c0d3c")));
    for (const auto *text :
         {R"({})", R"({"fields":[]})", R"({"fields":{"a":1}})", R"({"fields":{},"expires":"soon"})"})
        EXPECT_FALSE(cache::Codec<sdk::Credentials>::decode(nlohmann::json::parse(text)).has_value()) << text;
}

using TypedCacheTest = CacheDirTest;

TEST_F(TypedCacheTest, AFetchedValueIsServedAsFetchedAndReadBackTyped) {
    auto cache = cache::Cache::open({dir_, true});
    ASSERT_TRUE(cache.has_value());
    int fetches = 0;
    const std::function<Result<cache::FetchedValue<sdk::Auth>>()> fetch = [&] {
        ++fetches;
        return Result<cache::FetchedValue<sdk::Auth>>(
            cache::FetchedValue<sdk::Auth>{auth_with("typed-1"), kNow + 600, {}});
    };
    const std::function<bool(const sdk::Auth &)> any = [](const sdk::Auth &) { return true; };
    auto first = cache->serve<sdk::Auth>("k", kNow, kFarDeadline, fetch, any);
    auto second = cache->serve<sdk::Auth>("k", kNow + 1, kFarDeadline, fetch, any);
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_FALSE(first->from_cache);
    EXPECT_TRUE(second->from_cache);
    EXPECT_EQ(first->value.entries.at(0).password, "typed-1");
    EXPECT_EQ(second->value.entries.at(0).password, "typed-1");
    EXPECT_EQ(fetches, 1);
}

TEST_F(TypedCacheTest, AValueItsCallerRefusesIsFetchedAgain) {
    auto cache = cache::Cache::open({dir_, true});
    ASSERT_TRUE(cache.has_value());
    int fetches = 0;
    const std::function<Result<cache::FetchedValue<sdk::Auth>>()> fetch = [&] {
        ++fetches;
        return Result<cache::FetchedValue<sdk::Auth>>(
            cache::FetchedValue<sdk::Auth>{auth_with("typed-" + std::to_string(fetches)), kNow + 600, {}});
    };
    const std::function<bool(const sdk::Auth &)> none = [](const sdk::Auth &) { return false; };
    ASSERT_TRUE(cache->serve<sdk::Auth>("k", kNow, kFarDeadline, fetch, none).ok());
    auto again = cache->serve<sdk::Auth>("k", kNow + 1, kFarDeadline, fetch, none);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->from_cache);
    EXPECT_EQ(again->value.entries.at(0).password, "typed-2");
}

TEST_F(TypedCacheTest, AnEntryOfAnotherShapeIsReplaced) {
    auto cache = cache::Cache::open({dir_, true});
    ASSERT_TRUE(cache.has_value());
    ASSERT_TRUE(cache->store()
                    .write("k", cache::make_entry(nlohmann::json{{"entries", "x"}}, kNow, kNow + 600))
                    .ok());
    const std::function<Result<cache::FetchedValue<sdk::Auth>>()> fetch = [] {
        return Result<cache::FetchedValue<sdk::Auth>>(
            cache::FetchedValue<sdk::Auth>{auth_with("typed-new"), kNow + 600, {}});
    };
    auto served =
        cache->serve<sdk::Auth>("k", kNow + 1, kFarDeadline, fetch, [](const sdk::Auth &) { return true; });
    ASSERT_TRUE(served.ok());
    EXPECT_FALSE(served->from_cache);
    EXPECT_EQ(served->value.entries.at(0).password, "typed-new");
}
