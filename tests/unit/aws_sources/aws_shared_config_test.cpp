#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "aws/sources/builtin_module.hpp"
#include "modules/instance.hpp"

using namespace pullcred;
using testing::HasSubstr;

namespace {
class SharedConfigSourceTest : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("pullcred-sources-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "config")
            << "[default]\nregion = eu-west-1\n[profile ops]\nregion = us-east-2\n"
               "[profile chained]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = ops\n";
        std::ofstream(dir_ / "credentials")
            << "[default]\naws_access_key_id = AKIDDEFAULT\n"
               "aws_secret_access_key = default-secret-value\n"
               "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = ops-secret\n"
               "aws_session_token = ops-token\n";
        ::unsetenv("AWS_ACCESS_KEY_ID");
        ::unsetenv("AWS_SECRET_ACCESS_KEY");
        ::unsetenv("AWS_PROFILE");
        ::unsetenv("AWS_REGION");
        ::unsetenv("AWS_DEFAULT_REGION");
        environment_.now_unix_ms = [] { return std::int64_t{0}; };
        environment_.net_services = []() -> Result<net::NetServices *> { return Error::failed("offline"); };
        static modules::Registry registry;
        static bool added = registry.add({"(built-in)", aws::sources::builtin_module()}).ok();
        ASSERT_TRUE(added);
        registry_ = &registry;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    Result<sdk::Credentials> fetch(const char *factory, nlohmann::json config) {
        auto instance =
            modules::Instance::create(*registry_->find(factory), "profile p", &environment_, config);
        if (!instance) return instance.error();
        return (*instance)->get_credentials({"p", "", {}});
    }
    nlohmann::json files(std::string profile) {
        return {{"configFile", (dir_ / "config").string()},
                {"credentialsFile", (dir_ / "credentials").string()},
                {"profile", profile}};
    }

    std::filesystem::path dir_;
    modules::HostEnvironment environment_;
    modules::Registry *registry_ = nullptr;
};
} // namespace

TEST_F(SharedConfigSourceTest, StaticKeysMergeCredentialsAndConfigFiles) {
    auto credentials = fetch("aws.shared-config", files("ops"));
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_EQ(credentials->get("access_key_id"), "AKIDOPS");
    EXPECT_EQ(credentials->get("session_token"), "ops-token");
    EXPECT_EQ(credentials->get("region"), "us-east-2");
}

TEST_F(SharedConfigSourceTest, RoleChainWithoutNetworkNamesProfileAndRole) {
    auto credentials = fetch("aws.shared-config", files("chained"));
    ASSERT_FALSE(credentials.ok());
    EXPECT_THAT(credentials.error().message, testing::AllOf(HasSubstr("\"chained\""), HasSubstr("role_arn")));
}

TEST_F(SharedConfigSourceTest, UnknownProfileIsAnError) {
    auto credentials = fetch("aws.shared-config", files("nope"));
    ASSERT_FALSE(credentials.ok());
    EXPECT_THAT(credentials.error().message, HasSubstr("nope"));
}

TEST_F(SharedConfigSourceTest, DefaultChainPrefersEnvironmentThenProfile) {
    ::setenv("AWS_CONFIG_FILE", (dir_ / "config").c_str(), 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "credentials").c_str(), 1);
    ::setenv("AWS_PROFILE", "ops", 1);
    auto from_profile = fetch("aws.default-chain", nlohmann::json::object());
    ASSERT_TRUE(from_profile.ok()) << from_profile.error().message;
    EXPECT_EQ(from_profile->get("access_key_id"), "AKIDOPS");

    ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    auto from_env = fetch("aws.default-chain", nlohmann::json::object());
    ASSERT_TRUE(from_env.ok());
    EXPECT_EQ(from_env->get("access_key_id"), "AKIDENV");
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_PROFILE");
    ::unsetenv("AWS_CONFIG_FILE");
    ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}

TEST_F(SharedConfigSourceTest, DefaultChainWithNothingSaysWhatToSet) {
    ::setenv("AWS_CONFIG_FILE", (dir_ / "absent").c_str(), 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ / "absent2").c_str(), 1);
    auto credentials = fetch("aws.default-chain", nlohmann::json::object());
    ::unsetenv("AWS_CONFIG_FILE");
    ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    ASSERT_FALSE(credentials.ok());
    EXPECT_THAT(credentials.error().message, HasSubstr("AWS_PROFILE"));
}
