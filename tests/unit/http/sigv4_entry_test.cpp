// NetServices::sign_sigv4 through libpullcred-net.so's entry point.
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace pullcred::net::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Signed {
    pullcred_status status = -1;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string error;
};

pullcred_str str(const std::string &text) {
    return pullcred_str{text.data(), text.size()};
}

Signed sign(const std::string &session_token,
            const std::string &secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            std::vector<std::pair<std::string, std::string>> extra_headers = {}) {
    const std::string method = "POST";
    const std::string url = "https://api.ecr.us-west-2.amazonaws.com/";
    const std::string body = "{}";
    std::vector<std::pair<std::string, std::string>> header_text = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"}};
    for (auto &header : extra_headers) header_text.push_back(std::move(header));
    std::vector<pullcred_http_header> headers;
    for (const auto &[name, value] : header_text) headers.push_back({str(name), str(value)});
    const pullcred_http_request request{
        sizeof(pullcred_http_request), str(method), str(url), headers.data(), headers.size(), str(body), 0,
        pullcred_str{nullptr, 0}};
    const std::string service = "ecr";
    const std::string region = "us-west-2";
    const std::string access_key = "AKIDEXAMPLE";
    const pullcred_sigv4_params params{sizeof(pullcred_sigv4_params),
                                       str(service),
                                       str(region),
                                       str(access_key),
                                       str(secret),
                                       str(session_token)};
    Signed result;
    pullcred_header_sink out{&result, [](void *ctx, pullcred_str name, pullcred_str value) {
                                 static_cast<Signed *>(ctx)->headers.emplace_back(
                                     std::string(name.ptr, name.len), std::string(value.ptr, value.len));
                             }};
    pullcred_text_sink error{&result, [](void *ctx, pullcred_str text) {
                                 static_cast<Signed *>(ctx)->error.append(text.ptr, text.len);
                             }};
    // 2015-08-30T12:36:00Z
    result.status = net_services().sign_sigv4(&request, &params, &out, &error, 1440938160000);
    return result;
}

TEST(SignSigV4, AddsDateTokenAndAuthorization) {
    const auto result = sign("session-token-value");
    ASSERT_EQ(result.status, PULLCRED_OK) << result.error;
    ASSERT_EQ(result.headers.size(), 3U);
    EXPECT_EQ(result.headers[0].first, "X-Amz-Date");
    EXPECT_EQ(result.headers[0].second, "20150830T123600Z");
    EXPECT_EQ(result.headers[1].first, "X-Amz-Security-Token");
    EXPECT_EQ(result.headers[1].second, "session-token-value");
    EXPECT_EQ(result.headers[2].first, "Authorization");
    EXPECT_THAT(result.headers[2].second,
                StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/ecr/aws4_request, "
                           "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
                           "Signature="));
    EXPECT_EQ(result.headers[2].second.size() - result.headers[2].second.rfind('=') - 1, 64U);
}

TEST(SignSigV4, NoTokenHeaderWithoutASessionToken) {
    const auto result = sign("");
    ASSERT_EQ(result.status, PULLCRED_OK) << result.error;
    ASSERT_EQ(result.headers.size(), 2U);
    EXPECT_EQ(result.headers[0].first, "X-Amz-Date");
    EXPECT_EQ(result.headers[1].first, "Authorization");
    EXPECT_THAT(result.headers[1].second,
                HasSubstr("SignedHeaders=content-type;host;x-amz-date;x-amz-target,"));
}

TEST(SignSigV4, SameInputSameSignature) {
    EXPECT_EQ(sign("t").headers, sign("t").headers);
    EXPECT_NE(sign("t").headers[2].second, sign("t", "another-secret").headers[2].second);
}

TEST(SignSigV4, ErrorsHoldNoSecrets) {
    auto result = sign("token-secret", "secret-key-value", {{"Authorization", "already-signed"}});
    EXPECT_EQ(result.status, PULLCRED_FAILED);
    EXPECT_THAT(result.error, HasSubstr("SigV4"));
    for (const char *secret : {"token-secret", "secret-key-value", "already-signed"}) {
        EXPECT_THAT(result.error, Not(HasSubstr(secret)));
    }
    result = sign("token-secret", "");
    EXPECT_EQ(result.status, PULLCRED_FAILED);
    EXPECT_TRUE(result.headers.empty());
    EXPECT_THAT(result.error, Not(HasSubstr("token-secret")));
}

TEST(SignSigV4, NullArgumentsAreRefused) {
    pullcred_text_sink error{nullptr, [](void *, pullcred_str) {}};
    EXPECT_EQ(net_services().sign_sigv4(nullptr, nullptr, nullptr, &error, 0), PULLCRED_FAILED);
}

} // namespace
} // namespace pullcred::net::testing
