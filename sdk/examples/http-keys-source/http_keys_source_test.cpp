// Unit test of the example source: the built .so, loaded as pullcred loads it
// and driven through the C ABI against the SDK's fake host
// (pullcred/testing.hpp). Uses only the installed SDK and GoogleTest.
#include <gtest/gtest.h>

#include <cstdio>
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

Instance source(const FakeHost &host, const nlohmann::json &config) {
    auto created = Instance::create(module().factory("example.http-keys"), host, config);
    if (!created.ok()) throw std::runtime_error(created.error().message);
    return std::move(created.value());
}

constexpr const char *kUrl = "http://127.0.0.1:9/creds";

} // namespace

TEST(HttpKeysModule, DescriptorIsWhatPullcredAcceptsAndNeedsOnlyAbi10) {
    EXPECT_TRUE(module().problems().empty()) << module().problems().front();
    EXPECT_EQ(module().descriptor().abi_minor, 0U);
    EXPECT_EQ(module().factory("example.http-keys").kind, PULLCRED_KIND_CREDENTIAL_SOURCE);
}

TEST(HttpKeysSource, ReturnsTheKeysAndTheirExpiry) {
    FakeHost host;
    host.reply(200, R"({"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"secret","Token":"session",)"
                    R"("Expiration":"2023-11-15T00:00:00Z"})");
    auto instance = source(host, {{"url", kUrl}});
    auto credentials = instance.get_credentials("p");
    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_EQ(credentials.value().access_key_id(), "AKIDEXAMPLE");
    EXPECT_EQ(credentials.value().session_token(), "session");
    EXPECT_EQ(credentials.value().expires_unix, 1700006400);
    ASSERT_EQ(host.requests.size(), 1U);
    EXPECT_EQ(host.requests[0].url, kUrl);
}

TEST(HttpKeysSource, SendsTheTokenFileAsABearerToken) {
    const auto path = std::string("/tmp/http-keys-token-") + std::to_string(::getpid());
    std::ofstream(path) << "tok3n\n";
    FakeHost host;
    host.reply(200, R"({"AccessKeyId":"AKIDEXAMPLE","SecretAccessKey":"secret"})");
    auto instance = source(host, {{"url", kUrl}, {"tokenFile", path}});
    ASSERT_TRUE(instance.get_credentials("p").ok());
    std::remove(path.c_str());
    EXPECT_EQ(host.files_read, std::vector<std::string>{path});
    bool sent = false;
    for (const auto &[name, value] : host.requests.at(0).headers)
        sent = sent || (name == "Authorization" && value == "Bearer tok3n");
    EXPECT_TRUE(sent);
}

TEST(HttpKeysSource, ThrottlingIsTemporaryAndAMalformedReplyIsAFailureThatQuotesNothing) {
    FakeHost host;
    host.reply(503, "busy").reply(200, R"({"SecretAccessKey":"do-not-quote-me"})");
    auto instance = source(host, {{"url", kUrl}});
    EXPECT_EQ(instance.get_credentials("p").error().code, ErrorCode::retryable);
    auto malformed = instance.get_credentials("p");
    EXPECT_EQ(malformed.error().code, ErrorCode::failed);
    EXPECT_EQ(malformed.error().message.find("do-not-quote-me"), std::string::npos);
}

TEST(HttpKeysSource, RefusesAConfigWithoutUrl) {
    FakeHost host;
    EXPECT_FALSE(
        Instance::create(module().factory("example.http-keys"), host, nlohmann::json::object()).ok());
}
