#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "cache/codec.hpp"
#include "cache/keys.hpp"
#include "request/answer_from_cache.hpp"
#include "request/auth_response.hpp"

namespace {

using namespace pullcred;

constexpr std::string_view kRegistry = "111122223333.dkr.ecr.us-west-2.amazonaws.com";

class CacheHit : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("pullcred-cache-hit-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(directory_);
        config::Rule rule;
        rule.match_images = {"*.dkr.ecr.*.amazonaws.com"};
        rule.backend = "aws.ecr";
        rule.settings = {{"matchImages", rule.match_images}, {"backend", "aws.ecr"}};
        config_.registries.push_back(std::move(rule));
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    // A fresh node (no service account) entry for the rule, as a fetch stores it.
    cache::Store store_with_node_entry() {
        auto store = cache::Store::open(directory_);
        EXPECT_TRUE(store.ok());
        sdk::Auth auth;
        auth.entries.push_back({std::string(kRegistry), "AWS", "node-password"});
        auth.expires_unix = kNow + 3600;
        const auto key = cache::auth_key(config_, config_.registries[0], kRegistry, {});
        EXPECT_TRUE(
            store->write(key, cache::make_entry(cache::Codec<sdk::Auth>::encode(auth), kNow, kNow + 3600))
                .ok());
        return std::move(*store);
    }

    static match::ImageRef image_of(const kubelet::Request &request) {
        return *match::ImageRef::parse(request.image);
    }

    static constexpr std::int64_t kNow = 1'700'000'000;
    std::filesystem::path directory_;
    config::Config config_;
};

TEST_F(CacheHit, ServesTheNodeEntry) {
    const auto store = store_with_node_entry();
    kubelet::Request request;
    request.image = std::string(kRegistry) + "/app";
    const auto response = request::answer_from_cache(request, image_of(request), config_, store, kNow);
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->auth.at(std::string(kRegistry)).password, "node-password");
}

TEST_F(CacheHit, NeverServesARequestWithoutTheTokenItsRuleRequires) {
    config_.registries[0].settings["serviceAccount"] = {{"required", true}};
    config_.registries[0].service_account.required = true;
    // A fresh entry right where a token-less request of this rule would look.
    const auto store = store_with_node_entry();
    ASSERT_TRUE(store.read(cache::auth_key(config_, config_.registries[0], kRegistry, {})).has_value());
    kubelet::Request request;
    request.image = std::string(kRegistry) + "/app";
    EXPECT_FALSE(request::answer_from_cache(request, image_of(request), config_, store, kNow).has_value());
}

} // namespace
