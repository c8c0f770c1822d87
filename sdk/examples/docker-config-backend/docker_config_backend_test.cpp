// Unit test of the example module: the built .so, loaded as pullcred loads
// it and driven through the C ABI against the SDK's fake host
// (pullcred/testing.hpp). Uses only the installed SDK and GoogleTest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <pullcred/testing.hpp>
#include <string>
#include <unistd.h>

namespace {

using pullcred::sdk::ErrorCode;
using pullcred::sdk::testing::FakeHost;
using pullcred::sdk::testing::Instance;
using pullcred::sdk::testing::Module;

const Module &module() {
    static const Module loaded = Module::load(MODULE_PATH);
    return loaded;
}

class DockerConfigBackendTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("docker-config-backend-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / "config.json").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void write_docker_config(const std::string &text) const { std::ofstream(path_) << text; }

    // A backend configured as `configFile: <path_>` in a pullcred rule.
    Instance backend() {
        auto created =
            Instance::create(module().factory("example.docker-config"), host_, {{"configFile", path_}});
        if (!created.ok()) throw std::runtime_error(created.error().message);
        return std::move(created.value());
    }

    FakeHost host_;
    std::filesystem::path dir_;
    std::string path_;
};

TEST(DockerConfigModule, DescriptorIsWhatPullcredAccepts) {
    EXPECT_TRUE(module().problems().empty()) << module().problems().front();
    EXPECT_STREQ(module().descriptor().name, "docker-config-backend");
    EXPECT_STREQ(module().descriptor().version, "1.0.0");
    ASSERT_EQ(module().factories().size(), 1U);
    EXPECT_EQ(module().factory("example.docker-config").kind, PULLCRED_KIND_REGISTRY_BACKEND);
}

TEST_F(DockerConfigBackendTest, AnswersFromBase64Auth) {
    // "robot:s3cret" in base64
    write_docker_config(R"({"auths": {"registry.example.com": {"auth": "cm9ib3Q6czNjcmV0"}}})");
    auto instance = backend();

    auto auth = instance.get_auth("registry.example.com/team/app");

    ASSERT_TRUE(auth.ok()) << auth.error().message;
    ASSERT_EQ(auth.value().entries.size(), 1U);
    EXPECT_EQ(auth.value().entries[0].registry, "registry.example.com");
    EXPECT_EQ(auth.value().entries[0].username, "robot");
    EXPECT_EQ(auth.value().entries[0].password, "s3cret");
    EXPECT_FALSE(auth.value().expires_unix.has_value());
    EXPECT_TRUE(host_.logged("answering registry.example.com from " + path_));
    EXPECT_EQ(host_.log_text().find("s3cret"), std::string::npos) << "a secret was logged";
    EXPECT_TRUE(host_.requests.empty()) << "the backend must not touch the network";
}

TEST_F(DockerConfigBackendTest, MatchesUrlKeysWithPortAndPlainUsernamePassword) {
    write_docker_config(
        R"({"auths": {"https://mirror.example.com:5000/v1/": {"username": "u2", "password": "p2"}}})");
    auto instance = backend();

    auto auth = instance.get_auth("mirror.example.com:5000/x/y");

    ASSERT_TRUE(auth.ok()) << auth.error().message;
    ASSERT_EQ(auth.value().entries.size(), 1U);
    EXPECT_EQ(auth.value().entries[0].registry, "mirror.example.com:5000");
    EXPECT_EQ(auth.value().entries[0].username, "u2");
    EXPECT_EQ(auth.value().entries[0].password, "p2");
}

TEST_F(DockerConfigBackendTest, OtherRegistryIsNotApplicable) {
    write_docker_config(R"({"auths": {"registry.example.com": {"auth": "cm9ib3Q6czNjcmV0"}}})");
    auto instance = backend();

    auto auth = instance.get_auth("docker.io/library/nginx");

    ASSERT_FALSE(auth.ok());
    EXPECT_EQ(auth.error().code, ErrorCode::not_applicable);
    EXPECT_NE(auth.error().message.find("no entry for docker.io"), std::string::npos);
}

TEST_F(DockerConfigBackendTest, DescribeNamesTheFileWithoutReadingIt) {
    auto instance = backend(); // no file written: describe must not need it

    auto described = instance.describe("mirror.example.com:5000/x/y");

    ASSERT_TRUE(described.ok()) << described.error().message;
    EXPECT_EQ(described.value(),
              "no network: the \"auths\" entry for mirror.example.com:5000 in docker config " + path_ +
                  ", read at fetch time");
    EXPECT_TRUE(host_.requests.empty());
}

TEST_F(DockerConfigBackendTest, BrokenFilesFailWithTheReason) {
    auto instance = backend();

    write_docker_config("{not json");
    auto auth = instance.get_auth("registry.example.com/a");
    ASSERT_FALSE(auth.ok());
    EXPECT_EQ(auth.error().code, ErrorCode::failed);
    EXPECT_NE(auth.error().message.find("is not a JSON object"), std::string::npos);

    write_docker_config(R"({"auths": {"registry.example.com": {"auth": "bm8tY29sb24="}}})");
    auth = instance.get_auth("registry.example.com/a");
    ASSERT_FALSE(auth.ok());
    EXPECT_NE(auth.error().message.find("not base64 of user:password"), std::string::npos);

    std::filesystem::remove(path_);
    auth = instance.get_auth("registry.example.com/a");
    ASSERT_FALSE(auth.ok());
    EXPECT_NE(auth.error().message.find("cannot read docker config"), std::string::npos);
}

TEST_F(DockerConfigBackendTest, CreateRejectsAConfigWithoutConfigFile) {
    auto created = Instance::create(module().factory("example.docker-config"), host_, {{"other", 1}});

    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, ErrorCode::failed);
    EXPECT_EQ(created.error().message, "configFile is required");
}

} // namespace
