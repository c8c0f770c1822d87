#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/keys.hpp"
#include "config/model_builder.hpp"
#include "request/hit_plan.hpp"
#include "request/kubelet_cache_scope.hpp"
#include "request/rule_selection.hpp"

namespace {

using namespace pullcred;

constexpr std::int64_t kSecond = 1'000'000'000;

class HitPlanTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = std::filesystem::temp_directory_path() /
                ("pullcred-hit-plan-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        std::filesystem::create_directories(root_);
        config_path_ = root_ / "config.json";
        std::ofstream(config_path_) << "{}";
        identity_ = *current_identity(config_path_);
        document_ = nlohmann::json::parse(R"({
          "apiVersion": "pullcred/v1", "kind": "Config", "cache": {"dir": "/var/cache/x"},
          "settings": {"deadline": "30s"},
          "profiles": {"a": {"source": "aws.static", "secretDir": "/a"},
                       "b": {"source": "aws.static", "secretDir": "/b"}},
          "registries": [
            {"matchImages": ["one.example.com", "*.dkr.ecr.*.amazonaws.com/other"], "backend": "aws.ecr",
             "profile": "a"},
            {"matchImages": ["uno.example.com"], "backend": "aws.ecr", "profile": "a"},
            {"matchImages": ["*.dkr.ecr.*.amazonaws.com"], "backend": "aws.ecr", "profile": "b",
             "cacheDuration": "2h", "cacheKeyType": "Image"},
            {"matchImages": ["three.example.com"], "backend": "aws.ecr"}]})");
        std::vector<config::Problem> problems;
        config_.file = config_path_.string();
        config::build_config(document_, config_, problems);
        ASSERT_TRUE(problems.empty());
        auto store = cache::Store::open(root_ / "cache");
        ASSERT_TRUE(store.ok());
        store_.emplace(std::move(*store));
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    [[nodiscard]] std::int64_t settled() const { return identity_.ctime_ns + 3 * kSecond; }
    [[nodiscard]] std::filesystem::path plan_file() const {
        return store_->path_of(request::hit_plan_key(config_path_, identity_), ".plan");
    }

    std::filesystem::path root_, config_path_;
    FileIdentity identity_;
    nlohmann::json document_;
    config::Config config_;
    std::optional<cache::Store> store_;
};

TEST_F(HitPlanTest, ServesTheMatchingRuleAsTheWholeConfigDoes) {
    ASSERT_TRUE(request::record_hit_plan(*store_, config_path_, identity_, document_, config_, settled()));
    const auto plan = request::HitPlan::open(*store_, request::hit_plan_key(config_path_, identity_));
    ASSERT_TRUE(plan.has_value());
    const std::string image = "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app";
    const auto parsed = match::ImageRef::parse(image);
    auto config = plan->config_for(*parsed);
    ASSERT_TRUE(config.has_value());
    // Rule 0 may match the registry (a glob), rule 1 cannot, rule 2 matches,
    // and one rule without patterns says it is not the only one.
    ASSERT_EQ(config->registries.size(), 3U);
    const auto &rule = config->registries[1];
    const auto &whole = config_.registries[2];
    EXPECT_EQ(rule.index, 2U);
    EXPECT_EQ(request::select_rule(*config, *parsed).rule, &rule);
    EXPECT_TRUE(config->registries[2].match_images.empty());
    EXPECT_EQ(rule.match_images, whole.match_images);
    EXPECT_EQ(rule.cache_duration, whole.cache_duration);
    EXPECT_EQ(rule.cache_key_type, config::CacheKeyType::image);
    EXPECT_EQ(config->registries[0].index, 0U);
    EXPECT_EQ(config->registries[0].match_images, config_.registries[0].match_images);
    EXPECT_EQ(config->cache.dir, config_.cache.dir);
    EXPECT_EQ(config->settings.deadline, config_.settings.deadline);
    // The cache entry it reads is the one the whole config reads.
    EXPECT_EQ(cache::auth_key(*config, rule, "111122223333.dkr.ecr.us-west-2.amazonaws.com", ""),
              cache::auth_key(config_, whole, "111122223333.dkr.ecr.us-west-2.amazonaws.com", ""));
    const auto uno = match::ImageRef::parse("uno.example.com/app");
    EXPECT_EQ(request::select_rule(*plan->config_for(*uno), *uno).rule->index, 1U);
    const auto three = match::ImageRef::parse("three.example.com/a");
    EXPECT_EQ(request::select_rule(*plan->config_for(*three), *three).rule->index, 3U);
    EXPECT_FALSE(plan->config_for(*match::ImageRef::parse("nothing.example.com/app")).has_value());
}

// How kubelet may cache the answer depends on every earlier rule: the plan's
// model gives the same scope as the whole config.
TEST_F(HitPlanTest, GivesKubeletTheSameCacheScopeAsTheWholeConfig) {
    ASSERT_TRUE(request::record_hit_plan(*store_, config_path_, identity_, document_, config_, settled()));
    const auto plan = request::HitPlan::open(*store_, request::hit_plan_key(config_path_, identity_));
    ASSERT_TRUE(plan.has_value());
    for (const std::string image : {"111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app",
                                    "111122223333.dkr.ecr.us-west-2.amazonaws.com/other/app",
                                    "one.example.com/x", "uno.example.com/y", "three.example.com/z"}) {
        const auto parsed = match::ImageRef::parse(image);
        auto config = plan->config_for(*parsed);
        ASSERT_TRUE(config.has_value()) << image;
        const auto selected = request::select_rule(*config, *parsed);
        const auto expected = request::select_rule(config_, *parsed);
        ASSERT_NE(selected.rule, nullptr);
        ASSERT_EQ(selected.rule->index, expected.rule->index) << image;
        EXPECT_EQ(selected.rule->settings, expected.rule->settings) << image;
        sdk::Auth auth;
        auth.entries.push_back({std::string(parsed->registry()), "AWS", "secret"});
        const auto got = request::kubelet_cache_scope(*config, selected.rule, *parsed, auth);
        const auto want = request::kubelet_cache_scope(config_, expected.rule, *parsed, auth);
        EXPECT_EQ(got.cache_key_type, want.cache_key_type) << image;
        EXPECT_EQ(got.key_on_image, want.key_on_image) << image;
        EXPECT_EQ(got.overridden, want.overridden) << image;
    }
}

TEST_F(HitPlanTest, IsNotRecordedForAConfigChangedWithinTwoSeconds) {
    EXPECT_FALSE(request::record_hit_plan(*store_, config_path_, identity_, document_, config_,
                                          identity_.ctime_ns + kSecond));
    EXPECT_FALSE(std::filesystem::exists(plan_file()));
}

TEST_F(HitPlanTest, IsNamedByTheConfigFilesIdentity) {
    auto changed = identity_;
    changed.ctime_ns += 1;
    EXPECT_NE(request::hit_plan_key(config_path_, identity_), request::hit_plan_key(config_path_, changed));
    auto resized = identity_;
    resized.size += 1;
    EXPECT_NE(request::hit_plan_key(config_path_, identity_), request::hit_plan_key(config_path_, resized));
    EXPECT_NE(request::hit_plan_key(config_path_, identity_),
              request::hit_plan_key(root_ / "other", identity_));
}

TEST_F(HitPlanTest, IsNotTrustedWithLooseModesOrASecondLink) {
    ASSERT_TRUE(request::record_hit_plan(*store_, config_path_, identity_, document_, config_, settled()));
    const auto key = request::hit_plan_key(config_path_, identity_);
    EXPECT_EQ(std::filesystem::status(plan_file()).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    ASSERT_TRUE(request::HitPlan::open(*store_, key).has_value());
    ASSERT_EQ(::chmod(plan_file().c_str(), 0640), 0);
    EXPECT_FALSE(request::HitPlan::open(*store_, key).has_value());
    ASSERT_EQ(::chmod(plan_file().c_str(), 0600), 0);
    ASSERT_EQ(::link(plan_file().c_str(), (root_ / "second-link").c_str()), 0);
    EXPECT_FALSE(request::HitPlan::open(*store_, key).has_value());
}

TEST_F(HitPlanTest, RefusesAFileThatIsNoPlan) {
    std::ofstream(plan_file()) << "{\"version\":2}";
    ::chmod(plan_file().c_str(), 0600);
    EXPECT_FALSE(request::HitPlan::open(*store_, request::hit_plan_key(config_path_, identity_)).has_value());
}

} // namespace
