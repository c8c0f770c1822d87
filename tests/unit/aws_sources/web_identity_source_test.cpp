// aws.web-identity through the SDK's test host: the pod's token reaches STS
// in the request, never the logs, and a request without one is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pullcred/testing.hpp>

#include "aws/sources/web_identity_source.hpp"
#include "sts_replies.hpp"

namespace {

using pullcred::sdk::ErrorCode;
using pullcred::sdk::testing::FakeHost;
using pullcred::sdk::testing::Instance;
using testing::HasSubstr;
using testing::Not;

constexpr const char *kRole = "arn:aws:iam::111122223333:role/ecr-pull";
constexpr const char *kToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YTpiIn0.c2ln";

Instance web_identity(FakeHost &host) {
    auto created = Instance::create(*pullcred::aws::sources::web_identity_source(), host,
                                    {{"roleArn", kRole}, {"region", "eu-west-1"}});
    EXPECT_TRUE(created.ok()) << created.error().message;
    return std::move(created.value());
}

TEST(WebIdentitySource, ExchangesTheRequestsTokenAtTheRegionalStsEndpoint) {
    FakeHost host;
    host.reply(200,
               sources_test::sts_reply("AssumeRoleWithWebIdentity", "ASIAWEB", "web-secret", "web-token"));
    auto source = web_identity(host);

    auto credentials = source.get_credentials("serviceaccount:a/b", "", kToken);

    ASSERT_TRUE(credentials.ok()) << credentials.error().message;
    EXPECT_EQ(credentials->access_key_id(), "ASIAWEB");
    EXPECT_EQ(credentials->region(), "eu-west-1");
    EXPECT_TRUE(credentials->expires_unix);
    ASSERT_EQ(host.requests.size(), 1U);
    EXPECT_EQ(host.requests[0].url, "https://sts.eu-west-1.amazonaws.com/");
    EXPECT_THAT(host.requests[0].body, HasSubstr("Action=AssumeRoleWithWebIdentity"));
    EXPECT_THAT(host.requests[0].body, HasSubstr(std::string("WebIdentityToken=") + kToken));
    EXPECT_THAT(host.requests[0].body,
                HasSubstr("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fecr-pull"));
    EXPECT_THAT(host.log_text(), Not(HasSubstr(kToken)));
}

TEST(WebIdentitySource, ARequestWithoutATokenIsRefusedWithoutCallingSts) {
    FakeHost host;
    auto source = web_identity(host);
    auto credentials = source.get_credentials("p");
    ASSERT_FALSE(credentials.ok());
    EXPECT_EQ(credentials.error().code, ErrorCode::failed);
    EXPECT_THAT(credentials.error().message, HasSubstr("the request carries no service-account token"));
    EXPECT_TRUE(host.requests.empty());
}

TEST(WebIdentitySource, StsThrottlingStaysRetryableAndTheTokenIsNeverQuoted) {
    FakeHost host;
    host.reply(400, sources_test::sts_error("Throttling", "Rate exceeded"));
    auto source = web_identity(host);
    auto credentials = source.get_credentials("p", "", kToken);
    ASSERT_FALSE(credentials.ok());
    EXPECT_EQ(credentials.error().code, ErrorCode::retryable);
    EXPECT_THAT(credentials.error().message, HasSubstr("AssumeRoleWithWebIdentity of "));
    EXPECT_THAT(credentials.error().message, Not(HasSubstr(kToken)));
}

TEST(WebIdentitySource, DescribesTheExchangeWithoutCallingIt) {
    FakeHost host;
    auto described = web_identity(host).describe("", "", "p");
    ASSERT_TRUE(described.ok()) << described.error().message;
    EXPECT_EQ(described.value(), std::string("AssumeRoleWithWebIdentity of ") + kRole +
                                     " with the pod's service-account token (STS in eu-west-1)");
    EXPECT_TRUE(host.requests.empty());
}

TEST(WebIdentitySource, RefusesAConfigWithoutARole) {
    FakeHost host;
    auto created =
        Instance::create(*pullcred::aws::sources::web_identity_source(), host, {{"region", "eu-west-1"}});
    EXPECT_FALSE(created.ok());
}

} // namespace
