#include "modules/rejected_credentials.hpp"

#include <gtest/gtest.h>
#include <pullcred/module.hpp>
#include <vector>

namespace pullcred::modules {
namespace {

pullcred_http_request request_with(const std::vector<pullcred_http_header> &headers) {
    return {sizeof(pullcred_http_request),
            sdk::str("POST"),
            sdk::str("https://api.ecr.us-east-1.amazonaws.com/"),
            headers.data(),
            headers.size(),
            sdk::str("{}"),
            0,
            sdk::str("")};
}

TEST(RejectedCredentials, TheSigningKeyIsReadFromTheAuthorizationHeader) {
    const std::vector<pullcred_http_header> headers = {
        {sdk::str("X-Amz-Date"), sdk::str("20231114T221320Z")},
        {sdk::str("authorization"),
         sdk::str("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20231114/us-east-1/ecr/aws4_request, "
                  "SignedHeaders=host;x-amz-date, Signature=abc")}};
    EXPECT_EQ(signing_access_key(request_with(headers)), "AKIAEXAMPLE");
    EXPECT_EQ(signing_access_key(request_with({})), std::nullopt);
    const std::vector<pullcred_http_header> broken = {{sdk::str("Authorization"), sdk::str("Bearer xyz")}};
    EXPECT_EQ(signing_access_key(request_with(broken)), std::nullopt);
}

TEST(RejectedCredentials, AwsErrorsAboutTheCredentialsCountAsRefusals) {
    EXPECT_TRUE(credentials_refused(400, "", R"({"__type":"UnrecognizedClientException","message":"x"})"));
    EXPECT_TRUE(credentials_refused(400, "InvalidSignatureException:http://internal.amazon.com/", ""));
    EXPECT_TRUE(credentials_refused(403, "", "<ErrorResponse><Error><Code>InvalidClientTokenId</Code>"));
    EXPECT_TRUE(credentials_refused(403, "", "<Error><Code>ExpiredToken</Code></Error>"));
    EXPECT_TRUE(credentials_refused(400, "", R"({"__type":"com.amazon#ExpiredTokenException"})"));
    EXPECT_TRUE(credentials_refused(403, "", R"({"__type":"AccessDeniedException"})"));
}

TEST(RejectedCredentials, OtherFailuresAreNotRefusals) {
    EXPECT_FALSE(credentials_refused(200, "", R"({"__type":"UnrecognizedClientException"})"));
    EXPECT_FALSE(credentials_refused(500, "", R"({"__type":"UnrecognizedClientException"})"));
    EXPECT_FALSE(credentials_refused(400, "ThrottlingException", R"({"__type":"ThrottlingException"})"));
    EXPECT_FALSE(credentials_refused(400, "", R"({"__type":"RepositoryNotFoundException"})"));
    EXPECT_FALSE(credentials_refused(400, "", R"({"__type":"NotAccessDeniedExceptional"})"));
}

} // namespace
} // namespace pullcred::modules
