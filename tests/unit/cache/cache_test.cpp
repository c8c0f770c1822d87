#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "cache/cache.hpp"
#include "cache/failure_record.hpp"
#include "cache/keys.hpp"
#include "cache/lock.hpp"
#include "cache_dir.hpp"
#include "log/redact.hpp"
#include "util/files.hpp"

using namespace pullcred;
using testing::HasSubstr;

namespace {
const cache::Deadline kFarDeadline{4102444800000, std::chrono::seconds(45)};
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
    auto failing = []() -> Result<cache::Fetched> { return Error::failed("upstream is down"); };
    ASSERT_TRUE(cache->through("k", 1000, kFarDeadline, good, any_data).ok());
    testing::internal::CaptureStderr();
    auto stale =
        cache->through("k", 1900, kFarDeadline, failing, any_data); // refresh due between 1700 and 1850
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

namespace {
std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A fetch that counts its calls and answers `data` (or fails with `error`).
struct Upstream {
    std::atomic<int> calls{0};
    std::string error;
    std::function<Result<cache::Fetched>()> fetch() {
        return [this]() -> Result<cache::Fetched> {
            ++calls;
            if (!error.empty()) return Error::failed(error);
            return cache::Fetched{{{"v", "new"}}, 2000, {}};
        };
    }
};

std::function<Result<cache::Fetched>()> answers(const std::string &value) {
    return [value]() -> Result<cache::Fetched> { return cache::Fetched{{{"v", value}}, 2000, {}}; };
}

// An entry made at 1000 that expires at 2000; its refresh is due between 1700 and 1850.
cache::Cache cache_with_entry(const std::filesystem::path &dir) {
    auto cache = cache::Cache::open({dir, true});
    EXPECT_TRUE(cache.has_value());
    EXPECT_TRUE(cache->through("k", 1000, kFarDeadline, answers("old"), any_data).ok());
    return std::move(*cache);
}

struct Captured {
    Result<cache::Served> served;
    std::string stderr_text;
    std::int64_t elapsed_ms;
};

Captured capture(const std::function<Result<cache::Served>()> &call) {
    testing::internal::CaptureStderr();
    const auto start = wall_ms();
    auto served = call();
    const auto elapsed = wall_ms() - start;
    return Captured{std::move(served), testing::internal::GetCapturedStderr(), elapsed};
}

std::size_t lines_of(const std::string &text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}
} // namespace

TEST_F(CacheTest, AValidStaleEntryIsServedAtOnceWhileAnotherProcessHoldsTheLock) {
    auto cache = cache_with_entry(dir_);
    auto holder = cache::KeyLock::try_lock(cache.store().path_of("k", ".lock"));
    ASSERT_EQ(holder.state(), cache::KeyLock::State::held);
    Upstream upstream;
    auto run = capture([&] { return cache.through("k", 1900, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(run.served.ok()) << run.served.error().message;
    EXPECT_EQ(run.served->data["v"], "old");
    EXPECT_TRUE(run.served->stale);
    EXPECT_EQ(upstream.calls.load(), 0);
    EXPECT_LT(run.elapsed_ms, 500);
    EXPECT_THAT(
        run.stderr_text,
        testing::AllOf(HasSubstr("a refresh is already running in process " + std::to_string(::getpid())),
                       HasSubstr("serving the cached answer, valid for another 100 s")));
    EXPECT_EQ(lines_of(run.stderr_text), 1U);
}

TEST_F(CacheTest, WithNothingToServeAWaiterGivesUpAtTheDeadlineAndNamesIt) {
    auto cache = cache::Cache::open({dir_, true});
    auto holder = cache::KeyLock::try_lock(cache->store().path_of("k", ".lock"));
    ASSERT_EQ(holder.state(), cache::KeyLock::State::held);
    Upstream upstream;
    const cache::Deadline soon{wall_ms() + 300, std::chrono::seconds(7)};
    auto run = capture([&] { return cache->through("k", 1000, soon, upstream.fetch(), any_data); });
    ASSERT_FALSE(run.served.ok());
    EXPECT_THAT(run.served.error().message,
                testing::AllOf(HasSubstr("no answer within the deadline (settings.deadline 7 s)"),
                               HasSubstr("process " + std::to_string(::getpid()) + " held the lock")));
    EXPECT_EQ(upstream.calls.load(), 0);
    EXPECT_GE(run.elapsed_ms, 300);
    EXPECT_LT(run.elapsed_ms, 5000);
}

TEST_F(CacheTest, AWaiterTakesTheEntryTheHolderStored) {
    auto cache = cache::Cache::open({dir_, true});
    std::atomic<bool> locked{false};
    std::thread holder([&] {
        auto lock = cache::KeyLock::try_lock(cache->store().path_of("k", ".lock"));
        locked = lock.state() == cache::KeyLock::State::held;
        ::usleep(200 * 1000);
        ASSERT_TRUE(cache->store().write("k", cache::make_entry({{"v", "holder's"}}, 1000, 2000)).ok());
    });
    while (!locked) ::usleep(1000);
    Upstream upstream;
    auto served = cache->through("k", 1000, kFarDeadline, upstream.fetch(), any_data);
    holder.join();
    ASSERT_TRUE(served.ok()) << served.error().message;
    EXPECT_EQ(served->data["v"], "holder's");
    EXPECT_FALSE(served->stale);
    EXPECT_EQ(upstream.calls.load(), 0);
}

TEST_F(CacheTest, AWaiterGetsTheHoldersFailureWithoutCallingUpstream) {
    auto cache = cache::Cache::open({dir_, true});
    std::atomic<bool> fetching{false};
    Result<cache::Served> first = Error::failed("not run");
    std::thread holder([&] {
        first = cache->through(
            "k", 1000, kFarDeadline,
            [&]() -> Result<cache::Fetched> {
                fetching = true;
                ::usleep(300 * 1000);
                return Error::failed("ECR GetAuthorizationToken failed: ServiceUnavailable (HTTP 503)");
            },
            any_data);
    });
    while (!fetching) ::usleep(1000);
    Upstream upstream;
    auto waiter = cache->through("k", 1000, kFarDeadline, upstream.fetch(), any_data);
    holder.join();
    ASSERT_FALSE(first.ok());
    ASSERT_FALSE(waiter.ok());
    EXPECT_EQ(waiter.error().message, first.error().message);
    EXPECT_EQ(upstream.calls.load(), 0);
    auto record = cache::read_failure_record(cache->store().path_of("k", ".fail.json"));
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->status, "HTTP 503");
    EXPECT_EQ(record->pid, ::getpid());
}

TEST_F(CacheTest, AFailureIsSharedForAFewSecondsThenUpstreamIsAskedAgain) {
    auto cache = cache::Cache::open({dir_, true});
    std::int64_t now_ms = 1'000'000;
    cache->use_clock([&] { return now_ms; });
    const cache::Deadline deadline{now_ms + 45000, std::chrono::seconds(45)};
    Upstream upstream;
    upstream.error = "upstream says 503";
    ASSERT_FALSE(cache->through("k", 1000, deadline, upstream.fetch(), any_data).ok());
    now_ms += 4900;
    auto herd = cache->through("k", 1000, deadline, upstream.fetch(), any_data);
    ASSERT_FALSE(herd.ok());
    EXPECT_EQ(herd.error().message, "upstream says 503");
    EXPECT_EQ(upstream.calls.load(), 1);
    now_ms += 200; // past the 5 s
    upstream.error.clear();
    auto later = cache->through("k", 1000, deadline, upstream.fetch(), any_data);
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(upstream.calls.load(), 2);
    EXPECT_FALSE(std::filesystem::exists(cache->store().path_of("k", ".fail.json")));
}

TEST_F(CacheTest, AFailureIsSharedNoLongerThanTheDeadlineLeaves) {
    auto cache = cache::Cache::open({dir_, true});
    std::int64_t now_ms = 1'000'000;
    cache->use_clock([&] { return now_ms; });
    Upstream upstream;
    upstream.error = "upstream says 503";
    ASSERT_FALSE(
        cache->through("k", 1000, {now_ms + 1000, std::chrono::seconds(45)}, upstream.fetch(), any_data)
            .ok());
    auto record = cache::read_failure_record(cache->store().path_of("k", ".fail.json"));
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->until_ms, now_ms + 1000);
}

TEST_F(CacheTest, ARecordedFailureKeepsTheValidEntryServedWithoutCallingUpstream) {
    auto cache = cache_with_entry(dir_);
    Upstream upstream;
    upstream.error = "upstream says 503";
    auto first = capture([&] { return cache.through("k", 1900, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(first.served.ok());
    EXPECT_TRUE(first.served->stale);
    auto second = capture([&] { return cache.through("k", 1901, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(second.served.ok());
    EXPECT_EQ(second.served->data["v"], "old");
    EXPECT_TRUE(second.served->stale);
    EXPECT_EQ(upstream.calls.load(), 1);
    EXPECT_THAT(second.stderr_text, testing::AllOf(HasSubstr("upstream says 503 (refresh failed "),
                                                   HasSubstr("serving the cached answer")));
    EXPECT_EQ(lines_of(second.stderr_text), 1U);
}

TEST_F(CacheTest, TheFailureRecordIsPrivateAndHoldsNoSecret) {
    auto cache = cache::Cache::open({dir_, true});
    const std::string secret = "pullcred-unit-secret-9f1e";
    log::register_secret(secret);
    Upstream upstream;
    upstream.error = "backend echoed " + secret + " (HTTP 400)";
    auto failed = cache->through("k", 1000, kFarDeadline, upstream.fetch(), any_data);
    ASSERT_FALSE(failed.ok());
    const auto path = cache->store().path_of("k", ".fail.json");
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600U);
    auto text = read_file_capped(path, "record");
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->find(secret), std::string::npos);
    EXPECT_NE(text->find("HTTP 400"), std::string::npos);
}

TEST_F(CacheTest, AnUnusableLockServesTheValidEntryWithAWarning) {
    auto cache = cache_with_entry(dir_);
    std::filesystem::remove(cache.store().path_of("k", ".lock"));
    std::filesystem::create_directory(cache.store().path_of("k", ".lock"));
    Upstream upstream;
    auto run = capture([&] { return cache.through("k", 1900, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(run.served.ok()) << run.served.error().message;
    EXPECT_TRUE(run.served->stale);
    EXPECT_EQ(upstream.calls.load(), 0);
    EXPECT_THAT(run.stderr_text,
                testing::AllOf(HasSubstr("cache: cannot use lock"), HasSubstr("serving the cached answer")));
    EXPECT_EQ(lines_of(run.stderr_text), 1U);
}

TEST_F(CacheTest, AnUnusableLockWithNothingToServeFetchesWithoutIt) {
    auto cache = cache::Cache::open({dir_, true});
    std::filesystem::create_directory(cache->store().path_of("k", ".lock"));
    Upstream upstream;
    auto run = capture([&] { return cache->through("k", 1000, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(run.served.ok()) << run.served.error().message;
    EXPECT_FALSE(run.served->stale);
    EXPECT_EQ(upstream.calls.load(), 1);
    EXPECT_THAT(run.stderr_text,
                testing::AllOf(HasSubstr("cache: cannot use lock"), HasSubstr("fetching without the lock")));
    // Another key's lock has the same problem: told once per process.
    std::filesystem::create_directory(cache->store().path_of("k2", ".lock"));
    auto again =
        capture([&] { return cache->through("k2", 1000, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(again.served.ok());
    EXPECT_EQ(again.stderr_text, "");
    EXPECT_EQ(upstream.calls.load(), 2);
    // The answer is still stored: the next request is a hit.
    auto hit = cache->through("k", 1001, kFarDeadline, upstream.fetch(), any_data);
    ASSERT_TRUE(hit.ok());
    EXPECT_TRUE(hit->from_cache);
    EXPECT_EQ(upstream.calls.load(), 2);
}

TEST_F(CacheTest, ASymlinkAtTheLockPathIsNotFollowed) {
    auto cache = cache::Cache::open({dir_, true});
    const auto target = root_ / "elsewhere";
    std::filesystem::create_symlink(target, cache->store().path_of("k", ".lock"));
    Upstream upstream;
    auto run = capture([&] { return cache->through("k", 1000, kFarDeadline, upstream.fetch(), any_data); });
    ASSERT_TRUE(run.served.ok()) << run.served.error().message;
    EXPECT_EQ(upstream.calls.load(), 1);
    EXPECT_FALSE(std::filesystem::exists(target));
    EXPECT_THAT(run.stderr_text, HasSubstr("fetching without the lock"));
}

TEST_F(CacheTest, TooCloseToTheDeadlineAValidEntryIsServedWithoutARefresh) {
    auto cache = cache_with_entry(dir_);
    Upstream upstream;
    const cache::Deadline near{wall_ms() + 1000, std::chrono::seconds(45)};
    auto run = capture([&] { return cache.through("k", 1900, near, upstream.fetch(), any_data); });
    ASSERT_TRUE(run.served.ok());
    EXPECT_TRUE(run.served->stale);
    EXPECT_EQ(upstream.calls.load(), 0);
    EXPECT_THAT(run.stderr_text, HasSubstr("too close to the deadline"));
}

TEST_F(CacheTest, AnEntryWhoseInputsChangedIsNeverServedEvenWhenTheLockIsBusy) {
    auto cache = cache::Cache::open({dir_, true});
    ::setenv("PULLCRED_TEST_CACHE_INPUT", "a", 1);
    cache::Inputs inputs;
    inputs.add_env("PULLCRED_TEST_CACHE_INPUT", std::string("a"));
    ASSERT_TRUE(cache->store().write("k", cache::make_entry({{"v", "old"}}, 1000, 2000, inputs)).ok());
    ::setenv("PULLCRED_TEST_CACHE_INPUT", "b", 1);
    auto holder = cache::KeyLock::try_lock(cache->store().path_of("k", ".lock"));
    Upstream upstream;
    auto waited =
        cache->through("k", 1900, {wall_ms() + 100, std::chrono::seconds(45)}, upstream.fetch(), any_data);
    ::unsetenv("PULLCRED_TEST_CACHE_INPUT");
    ASSERT_FALSE(waited.ok());
    EXPECT_THAT(waited.error().message, HasSubstr("no answer within the deadline"));
}

TEST_F(CacheTest, ASuccessfulRefreshIsNotMarkedStale) {
    auto cache = cache_with_entry(dir_);
    Upstream upstream;
    auto refreshed = cache.through("k", 1900, kFarDeadline, upstream.fetch(), any_data);
    ASSERT_TRUE(refreshed.ok());
    EXPECT_FALSE(refreshed->stale);
    EXPECT_FALSE(refreshed->from_cache);
    EXPECT_EQ(refreshed->data["v"], "new");
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

TEST_F(CacheTest, NotApplicableIsNoFailureToCoverAndIsSharedWithItsCode) {
    auto cache = cache::Cache::open({dir_, true});
    auto good = []() -> Result<cache::Fetched> { return cache::Fetched{{{"v", "old"}}, 2000, {}}; };
    int fetches = 0;
    auto nothing = [&]() -> Result<cache::Fetched> {
        ++fetches;
        return Error{"nothing for this image", ErrorCode::not_applicable};
    };
    ASSERT_TRUE(cache->through("k", 1000, kFarDeadline, good, any_data).ok());
    auto first = cache->through("k", 1900, kFarDeadline, nothing, any_data); // refresh due, entry valid
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().code, ErrorCode::not_applicable);
    auto shared = cache->through("k", 1900, kFarDeadline, nothing, any_data);
    ASSERT_FALSE(shared.ok());
    EXPECT_EQ(shared.error().code, ErrorCode::not_applicable);
    EXPECT_EQ(fetches, 1);
}

TEST_F(CacheTest, ASharedFailureKeepsItsCode) {
    auto cache = cache::Cache::open({dir_, true});
    auto temporary = []() -> Result<cache::Fetched> { return Error{"throttled", ErrorCode::retryable}; };
    ASSERT_FALSE(cache->through("k", 1000, kFarDeadline, temporary, any_data).ok());
    auto shared = cache->through("k", 1000, kFarDeadline, temporary, any_data);
    ASSERT_FALSE(shared.ok());
    EXPECT_EQ(shared.error().code, ErrorCode::retryable);
    EXPECT_THAT(shared.error().message, HasSubstr("throttled"));
}
