#include <chrono>
#include <fstream>
#include <gtest/gtest.h>

#include "cache/config_stamp.hpp"
#include "cache/lock.hpp"
#include "cache/prune.hpp"
#include "cache_dir.hpp"

using namespace pullcred::cache;
namespace fs = std::filesystem;

namespace {
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;

std::string key(const char *prefix, char digit) {
    return prefix + std::string(64, digit);
}

void set_age(const fs::path &path, std::int64_t seconds) {
    const auto when = std::chrono::system_clock::from_time_t(kNow - seconds);
    fs::last_write_time(path, fs::file_time_type::clock::from_sys(when));
}

class PruneTest : public CacheDirTest {
protected:
    void SetUp() override {
        CacheDirTest::SetUp();
        auto opened = Store::open(dir_);
        ASSERT_TRUE(opened.ok());
        store_.emplace(std::move(*opened));
    }
    // An entry written `age` seconds ago that expires at `expires`.
    fs::path entry(const std::string &name, std::int64_t expires, std::int64_t age) {
        EXPECT_TRUE(store_->write(name, Entry{kNow - age, expires, expires, {{"x", 1}}, {}}).ok());
        set_age(store_->path_of(name), age);
        return store_->path_of(name);
    }
    fs::path file(const std::string &name, std::int64_t age, const std::string &text = "") {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        set_age(path, age);
        return path;
    }
    std::optional<Store> store_;
};
} // namespace

TEST_F(PruneTest, RemovesWhatCanNoLongerServeAndKeepsTheRest) {
    const auto fresh = entry(key("auth-", 'a'), kNow + kHour, 10);
    const auto just_expired = entry(key("auth-", 'b'), kNow - 60, 2 * kHour);
    const auto long_expired = entry(key("creds-", 'c'), kNow - 2 * kHour, 3 * kHour);
    const auto damaged_new = file(key("auth-", 'd') + ".json", kHour, "{not json");
    const auto damaged_old = file(key("auth-", 'e') + ".json", 2 * kDay, "{not json");
    const auto orphan_lock = file(key("auth-", 'f') + ".lock", 2 * kDay);
    const auto young_lock = file(key("auth-", '1') + ".lock", kHour);
    const auto lock_of_fresh = file(key("auth-", 'a') + ".lock", 2 * kDay);
    const auto old_temp = file(key("auth-", '2') + ".tmp.123", 2 * kHour);
    const auto young_temp = file(key("auth-", '3') + ".tmp.124", 60);
    const auto foreign = file("notes.txt", 100 * kDay);
    const auto foreign_json = file("auth-short.json", 100 * kDay);

    EXPECT_EQ(prune(*store_, kNow), 4U); // long_expired, damaged_old, orphan_lock, old_temp

    for (const auto &kept :
         {fresh, just_expired, damaged_new, young_lock, lock_of_fresh, young_temp, foreign, foreign_json})
        EXPECT_TRUE(fs::exists(kept)) << kept;
    for (const auto &gone : {long_expired, damaged_old, orphan_lock, old_temp})
        EXPECT_FALSE(fs::exists(gone)) << gone;
    EXPECT_FALSE(fs::exists(store_->path_of(key("creds-", 'c'), ".lock"))) << "its lock goes with it";
}

TEST_F(PruneTest, ConfigStampsLiveThirtyDays) {
    ASSERT_TRUE(record_config_stamp(*store_, "recent", kNow).ok());
    ASSERT_TRUE(record_config_stamp(*store_, "old", kNow).ok());
    set_age(store_->path_of(config_stamp_key("recent")), 29 * kDay);
    set_age(store_->path_of(config_stamp_key("old")), 31 * kDay);
    EXPECT_EQ(prune(*store_, kNow), 1U);
    EXPECT_TRUE(has_config_stamp(*store_, "recent"));
    EXPECT_FALSE(has_config_stamp(*store_, "old"));
}

// request/hit_plan.hpp: KEY.plan, not an entry; kept as long as a stamp.
TEST_F(PruneTest, HitPlansLiveThirtyDays) {
    const auto recent = store_->path_of(key("hitplan-", 'c'), ".plan");
    const auto old = store_->path_of(key("hitplan-", 'd'), ".plan");
    for (const auto &plan : {recent, old}) {
        std::ofstream(plan) << "pullcred-hit-plan/4\n";
        fs::permissions(plan, fs::perms::owner_read | fs::perms::owner_write);
    }
    set_age(recent, 29 * kDay);
    set_age(old, 31 * kDay);
    EXPECT_EQ(prune(*store_, kNow), 1U);
    EXPECT_TRUE(fs::exists(recent));
    EXPECT_FALSE(fs::exists(old));
}

TEST_F(PruneTest, AKeyWhoseLockIsHeldIsLeftAlone) {
    const auto expired = entry(key("auth-", 'b'), kNow - 2 * kHour, 3 * kHour);
    auto held = KeyLock::try_acquire(store_->path_of(key("auth-", 'b'), ".lock"));
    ASSERT_TRUE(held.has_value());
    EXPECT_EQ(prune(*store_, kNow), 0U);
    EXPECT_TRUE(fs::exists(expired));
    held.reset();
    EXPECT_EQ(prune(*store_, kNow), 1U);
    EXPECT_FALSE(fs::exists(expired));
}

TEST_F(PruneTest, RunsAtMostOnceAnHour) {
    // Removable from an hour after its expiry: kNow - 60 min.
    const auto expired = entry(key("auth-", 'b'), kNow - 2 * kHour, 3 * kHour);
    prune_if_due(*store_, kNow - 65 * 60); // runs: too early for this entry
    ASSERT_TRUE(fs::exists(expired));
    prune_if_due(*store_, kNow - 10 * 60); // would remove it, but the last run is 55 min old
    EXPECT_TRUE(fs::exists(expired));
    prune_if_due(*store_, kNow); // 65 min after the first run
    EXPECT_FALSE(fs::exists(expired));
}
