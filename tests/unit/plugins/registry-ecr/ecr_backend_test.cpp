// The real registry-ecr.so, loaded through the host's module loader, against
// a fake network: request shape, endpoints for every kind of host, every
// reply shape.
#include <algorithm>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pullcred/base64.hpp>

#include "fake_host.hpp"

using namespace ecr_test;
using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

namespace {

constexpr const char *kSecret = "unit-secret-key-do-not-print-0001";

std::string base64(std::string_view text) {
    return pullcred::sdk::base64_encode(text);
}

Reply json_reply(const std::string &body, int status = 200) {
    Reply reply;
    reply.status = status;
    reply.headers = {{"Content-Type", "application/x-amz-json-1.1"}};
    reply.body = body;
    return reply;
}

Reply private_reply(const std::string &password, const std::string &expires = "1700043200.0",
                    const std::string &account = "111122223333", const std::string &region = "us-west-2") {
    return json_reply(R"({"authorizationData":[{"authorizationToken":")" + base64("AWS:" + password) +
                      R"(","expiresAt":)" + expires + R"(,"proxyEndpoint":"https://)" + account +
                      ".dkr.ecr." + region + R"(.amazonaws.com"}]})");
}

Reply public_reply(const std::string &password, const std::string &expires = "1700043200") {
    return json_reply(R"({"authorizationData":{"authorizationToken":")" + base64("AWS:" + password) +
                      R"(","expiresAt":)" + expires + "}}");
}

Reply aws_error_reply(const std::string &type, const std::string &message, int status = 400) {
    return json_reply(nlohmann::json{{"__type", type}, {"message", message}}.dump(), status);
}

// Every test starts from an environment with no AWS endpoint settings.
class EcrBackend : public testing::Test {
protected:
    void SetUp() override {
        for (const char *name : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL_ECR_PUBLIC",
                                 "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
                                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_REGION", "AWS_DEFAULT_REGION"})
            env.unset(name);
    }
    ScopedEnv env;
    Harness host;
};

} // namespace

// ---- request shape ----

TEST_F(EcrBackend, PrivateRequestShapeSigningAndAnswer) {
    host.profiles["default"].fields["session_token"] = "unit-session-token-0001";
    host.net.replies.push_back(private_reply("pw-one"));
    auto auth = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_TRUE(auth.ok()) << auth.error().message;

    ASSERT_EQ(host.net.requests.size(), 1U);
    const auto &sent = host.net.requests[0];
    EXPECT_EQ(sent.method, "POST");
    EXPECT_EQ(sent.url, "https://api.ecr.us-west-2.amazonaws.com/");
    EXPECT_EQ(sent.header("Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(sent.header("X-Amz-Target"), "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken");
    EXPECT_EQ(nlohmann::json::parse(sent.body), nlohmann::json::parse(R"({"registryIds":["111122223333"]})"));
    EXPECT_EQ(sent.flags, 0U) << "never skip TLS verification or proxies";
    // The signed headers reach the wire, once each.
    EXPECT_THAT(sent.header("Authorization"),
                HasSubstr("Credential=AKIDUNITTEST000001/20231114/us-west-2/ecr/"));
    EXPECT_EQ(std::count_if(sent.headers.begin(), sent.headers.end(),
                            [](const auto &header) { return header.first == "Authorization"; }),
              1);
    EXPECT_EQ(sent.header("X-Amz-Security-Token"), "unit-session-token-0001");

    ASSERT_EQ(host.net.signings.size(), 1U);
    const auto &signing = host.net.signings[0];
    EXPECT_EQ(signing.service, "ecr");
    EXPECT_EQ(signing.region, "us-west-2");
    EXPECT_EQ(signing.access_key_id, "AKIDUNITTEST000001");
    EXPECT_EQ(signing.secret_access_key, kSecret);
    EXPECT_EQ(signing.session_token, "unit-session-token-0001");
    EXPECT_EQ(signing.now_unix_ms, kNowMs);
    // What was signed is what was sent (minus the signature headers).
    EXPECT_EQ(signing.request.url, sent.url);
    EXPECT_EQ(signing.request.body, sent.body);
    EXPECT_EQ(signing.request.header("X-Amz-Target"), sent.header("X-Amz-Target"));
    EXPECT_EQ(signing.request.header("Authorization"), "");

    ASSERT_EQ(host.credential_calls.size(), 1U);
    EXPECT_EQ(host.credential_calls[0].profile, "default");
    EXPECT_EQ(host.credential_calls[0].region_hint, "us-west-2");

    ASSERT_EQ(auth->entries.size(), 1U);
    EXPECT_EQ(auth->entries[0].registry, "111122223333.dkr.ecr.us-west-2.amazonaws.com");
    EXPECT_EQ(auth->entries[0].username, "AWS");
    EXPECT_EQ(auth->entries[0].password, "pw-one");
    EXPECT_EQ(auth->expires_unix, 1700043200);
}

TEST_F(EcrBackend, CrossAccountAsksForTheRegistryAccountAndPicksItsEntry) {
    host.net.replies.push_back(json_reply(
        R"({"authorizationData":[
             {"authorizationToken":")" +
        base64("AWS:wrong") +
        R"(","expiresAt":1700043200,"proxyEndpoint":"https://111122223333.dkr.ecr.eu-west-1.amazonaws.com"},
             {"authorizationToken":")" +
        base64("AWS:right") +
        R"(","expiresAt":1700043200,"proxyEndpoint":"https://444455556666.dkr.ecr.eu-west-1.amazonaws.com"}]})"));
    auto auth = host.auth("444455556666.dkr.ecr.eu-west-1.amazonaws.com");
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    EXPECT_EQ(nlohmann::json::parse(host.net.requests.at(0).body)["registryIds"],
              nlohmann::json({"444455556666"}));
    EXPECT_EQ(host.net.requests.at(0).url, "https://api.ecr.eu-west-1.amazonaws.com/");
    EXPECT_EQ(auth->entries.at(0).password, "right");
}

TEST_F(EcrBackend, PublicRequestShape) {
    host.net.replies.push_back(public_reply("public-pw"));
    auto auth = host.auth("public.ecr.aws");
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    const auto &sent = host.net.requests.at(0);
    EXPECT_EQ(sent.url, "https://api.ecr-public.us-east-1.amazonaws.com/");
    EXPECT_EQ(sent.header("X-Amz-Target"), "SpencerFrontendService.GetAuthorizationToken");
    EXPECT_EQ(sent.header("Content-Type"), "application/x-amz-json-1.1");
    EXPECT_EQ(nlohmann::json::parse(sent.body), nlohmann::json::object());
    EXPECT_EQ(host.net.signings.at(0).service, "ecr-public");
    EXPECT_EQ(host.net.signings.at(0).region, "us-east-1");
    EXPECT_EQ(host.credential_calls.at(0).region_hint, "us-east-1");
    EXPECT_EQ(auth->entries.at(0).registry, "public.ecr.aws");
    EXPECT_EQ(auth->entries.at(0).password, "public-pw");
}

// ---- hosts of every partition and kind ----

struct HostCase {
    std::string registry;
    std::string url;
    std::string service;
    std::string region;
    std::string account;        // empty: body {}
    std::string mirror_of = {}; // the rule's mirrorOf, for hosts that are not ECR hosts
};

nlohmann::json settings_for(const HostCase &c) {
    return c.mirror_of.empty() ? nlohmann::json::object() : nlohmann::json{{"mirrorOf", c.mirror_of}};
}

class EcrHosts : public EcrBackend, public testing::WithParamInterface<HostCase> {};

TEST_P(EcrHosts, EndpointSigningAndAuthKey) {
    const auto &c = GetParam();
    host.net.replies.push_back(c.service == "ecr" ? private_reply("pw") : public_reply("pw"));
    auto auth = host.auth(c.registry, "default", settings_for(c));
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    const auto &sent = host.net.requests.at(0);
    EXPECT_EQ(sent.url, c.url + "/");
    EXPECT_EQ(host.net.signings.at(0).service, c.service);
    EXPECT_EQ(host.net.signings.at(0).region, c.region);
    const auto body = nlohmann::json::parse(sent.body);
    if (c.account.empty()) {
        EXPECT_EQ(body, nlohmann::json::object());
    } else {
        EXPECT_EQ(body, nlohmann::json({{"registryIds", {c.account}}}));
    }
    EXPECT_EQ(sent.header("X-Amz-Target"), c.service == "ecr"
                                               ? "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
                                               : "SpencerFrontendService.GetAuthorizationToken");
    ASSERT_EQ(auth->entries.size(), 1U);
    EXPECT_EQ(auth->entries[0].registry, c.registry)
        << "the auth key is the registry exactly as in the image";
}

TEST_P(EcrHosts, DescribeNamesTheSameEndpointWithoutCredentialsOrNetwork) {
    const auto &c = GetParam();
    auto backend = host.backend(settings_for(c));
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto described = (*backend)->describe(c.registry + "/team/app", c.registry, "default");
    ASSERT_TRUE(described.ok()) << described.error().message;
    ASSERT_TRUE(described->has_value());
    const auto &text = **described;
    EXPECT_THAT(text, testing::StartsWith(c.url + " ("));
    EXPECT_THAT(text, HasSubstr("signed for " + c.region + "/" + c.service));
    EXPECT_THAT(text, HasSubstr(c.service == "ecr" ? "ECR GetAuthorizationToken" : "ECR Public"));
    if (c.account.empty()) {
        EXPECT_THAT(text, Not(HasSubstr("registry ")));
    } else {
        EXPECT_THAT(text, HasSubstr("registry " + c.account));
    }
    if (!c.mirror_of.empty()) {
        EXPECT_THAT(text, HasSubstr("mirror of " + c.mirror_of));
    }
    EXPECT_TRUE(host.credential_calls.empty()) << "describe asked for credentials";
    EXPECT_TRUE(host.net.requests.empty()) << "describe used the network";
    EXPECT_THAT(text, Not(HasSubstr(kSecret)));
}

INSTANTIATE_TEST_SUITE_P(
    EveryPartition, EcrHosts,
    testing::Values(
        HostCase{"111122223333.dkr.ecr.us-east-1.amazonaws.com", "https://api.ecr.us-east-1.amazonaws.com",
                 "ecr", "us-east-1", "111122223333"},
        HostCase{"111122223333.dkr.ecr.ap-southeast-7.amazonaws.com",
                 "https://api.ecr.ap-southeast-7.amazonaws.com", "ecr", "ap-southeast-7", "111122223333"},
        HostCase{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                 "https://api.ecr.cn-north-1.amazonaws.com.cn", "ecr", "cn-north-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com",
                 "https://api.ecr.us-gov-west-1.amazonaws.com", "ecr", "us-gov-west-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
                 "https://api.ecr.eusc-de-east-1.amazonaws.eu", "ecr", "eusc-de-east-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "https://api.ecr.us-iso-east-1.c2s.ic.gov",
                 "ecr", "us-iso-east-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
                 "https://api.ecr.us-isob-east-1.sc2s.sgov.gov", "ecr", "us-isob-east-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
                 "https://api.ecr.eu-isoe-west-1.cloud.adc-e.uk", "ecr", "eu-isoe-west-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
                 "https://api.ecr.us-isof-south-1.csp.hci.ic.gov", "ecr", "us-isof-south-1", "123456789012"},
        // FIPS
        HostCase{"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
                 "https://api.ecr-fips.us-east-1.amazonaws.com", "ecr", "us-east-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com",
                 "https://api.ecr-fips.us-gov-east-1.amazonaws.com", "ecr", "us-gov-east-1", "123456789012"},
        HostCase{"123456789012.dkr.ecr-fips.cn-north-1.amazonaws.com.cn",
                 "https://api.ecr-fips.cn-north-1.amazonaws.com.cn", "ecr", "cn-north-1", "123456789012"},
        // dual-stack, with and without FIPS
        HostCase{"123456789012.dkr-ecr.us-east-1.on.aws", "https://ecr.us-east-1.api.aws", "ecr", "us-east-1",
                 "123456789012"},
        HostCase{"123456789012.dkr-ecr-fips.us-west-2.on.aws", "https://ecr-fips.us-west-2.api.aws", "ecr",
                 "us-west-2", "123456789012"},
        HostCase{"123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn",
                 "https://ecr.cn-northwest-1.api.amazonwebservices.com.cn", "ecr", "cn-northwest-1",
                 "123456789012"},
        // a port is kept in the auth key
        HostCase{"123456789012.dkr.ecr.us-west-2.amazonaws.com:443",
                 "https://api.ecr.us-west-2.amazonaws.com", "ecr", "us-west-2", "123456789012"},
        // ECR Public, both host names
        HostCase{"public.ecr.aws", "https://api.ecr-public.us-east-1.amazonaws.com", "ecr-public",
                 "us-east-1", ""},
        HostCase{"ecr-public.aws.com", "https://api.ecr-public.us-east-1.amazonaws.com", "ecr-public",
                 "us-east-1", ""},
        // mirrors (not ECR hosts): mirrorOf's account, region, partition and FIPS
        HostCase{"mirror.example.com:5000", "https://api.ecr.eu-central-1.amazonaws.com", "ecr",
                 "eu-central-1", "444455556666", "444455556666.dkr.ecr.eu-central-1.amazonaws.com"},
        HostCase{"registry.internal", "https://api.ecr.cn-north-1.amazonaws.com.cn", "ecr", "cn-north-1",
                 "123456789012", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"},
        HostCase{"registry.internal", "https://api.ecr-fips.us-gov-west-1.amazonaws.com", "ecr",
                 "us-gov-west-1", "123456789012", "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com"},
        // a look-alike outside amazonaws.com is a mirror, never "ECR" of the account it names
        HostCase{"123456789012.dkr.ecr.us-east-1.amazonaws.hacker.com",
                 "https://api.ecr.us-west-1.amazonaws.com", "ecr", "us-west-1", "111122223333",
                 "111122223333.dkr.ecr.us-west-1.amazonaws.com"}));

// ---- mirrors and regions ----

TEST_F(EcrBackend, MirrorGetsTheTokenOfMirrorOfKeyedByItsOwnHost) {
    host.profiles["default"].fields["region"] = "ap-south-1";
    host.net.replies.push_back(private_reply("pw", "1700043200", "444455556666", "eu-west-3"));
    auto auth = host.auth("mirror.example.com:5000", "default",
                          {{"mirrorOf", "444455556666.dkr.ecr.eu-west-3.amazonaws.com"}});
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    EXPECT_EQ(host.net.requests.at(0).url, "https://api.ecr.eu-west-3.amazonaws.com/");
    EXPECT_EQ(nlohmann::json::parse(host.net.requests.at(0).body),
              nlohmann::json({{"registryIds", {"444455556666"}}}));
    EXPECT_EQ(host.net.signings.at(0).region, "eu-west-3") << "mirrorOf's region, not the profile's";
    EXPECT_EQ(host.credential_calls.at(0).region_hint, "eu-west-3");
    ASSERT_EQ(auth->entries.size(), 1U);
    EXPECT_EQ(auth->entries[0].registry, "mirror.example.com:5000");
    EXPECT_EQ(auth->entries[0].password, "pw");
}

// A broad matchImages must not hand an ECR token to another registry.
TEST_F(EcrBackend, NonEcrHostWithoutMirrorOfGetsNoTokenAndAClearError) {
    for (const std::string registry :
         {"docker.io", "ghcr.io", "registry.attacker.example", "mirror.example.com:5000", "ecr.aws",
          "123456789012.dkr.ecr.us-east-1.amazonaws.hacker.com"}) {
        auto auth = host.auth(registry, "default");
        ASSERT_FALSE(auth.ok()) << registry;
        EXPECT_EQ(
            auth.error().message,
            "registries[0]: aws.ecr failed: \"" + registry +
                "\" is not an Amazon ECR host and the rule declares no mirrorOf, so aws.ecr gives it no "
                "ECR token: narrow the rule's matchImages to ECR hosts (such as *.dkr.ecr.*.amazonaws.com), "
                "or, if it is a pull-through mirror, add `mirrorOf: "
                "<account>.dkr.ecr.<region>.amazonaws.com` "
                "(the ECR registry it mirrors) to the rule");
    }
    EXPECT_TRUE(host.credential_calls.empty()) << "no credentials are even asked for";
    EXPECT_TRUE(host.net.requests.empty());
    EXPECT_TRUE(host.net.signings.empty());
}

TEST_F(EcrBackend, NonEcrHostWithoutMirrorOfFailsEvenWithoutAProfile) {
    auto auth = host.auth("docker.io", "");
    ASSERT_FALSE(auth.ok());
    EXPECT_THAT(auth.error().message, HasSubstr("\"docker.io\" is not an Amazon ECR host"));
}

TEST_F(EcrBackend, DescribeOfANonEcrHostWithoutMirrorOfIsTheSameError) {
    auto backend = host.backend();
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto described = (*backend)->describe("docker.io/library/nginx", "docker.io", "default");
    ASSERT_FALSE(described.ok());
    EXPECT_THAT(described.error().message,
                AllOf(HasSubstr("\"docker.io\" is not an Amazon ECR host"), HasSubstr("mirrorOf")));
    EXPECT_TRUE(host.credential_calls.empty());
}

TEST_F(EcrBackend, AnEcrHostWithoutATwelveDigitAccountIsRefusedByFetchAndDescribe) {
    const std::string look_alike = "1234567890123.dkr.ecr.us-east-1.amazonaws.com";
    const nlohmann::json mirror{{"mirrorOf", "111122223333.dkr.ecr.us-west-1.amazonaws.com"}};
    auto auth = host.auth(look_alike, "default", mirror);
    ASSERT_FALSE(auth.ok());
    EXPECT_THAT(auth.error().message, HasSubstr("is not a valid Amazon ECR host"));
    EXPECT_TRUE(host.net.requests.empty());
    auto backend = host.backend(mirror);
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto described = (*backend)->describe(look_alike + "/x", look_alike, "default");
    ASSERT_FALSE(described.ok());
    EXPECT_THAT(described.error().message, HasSubstr("12-digit account id"));
    EXPECT_TRUE(host.credential_calls.empty());
}

TEST_F(EcrBackend, DescribeNamesAnEndpointOverrideAndItsOrigin) {
    env.set("AWS_ENDPOINT_URL_ECR", "https://ecr.vpce.example:8443");
    auto backend = host.backend();
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto described = (*backend)->describe("111122223333.dkr.ecr.eu-west-1.amazonaws.com/x",
                                          "111122223333.dkr.ecr.eu-west-1.amazonaws.com", "default");
    ASSERT_TRUE(described.ok()) << described.error().message;
    ASSERT_TRUE(described->has_value());
    EXPECT_THAT(**described, AllOf(testing::StartsWith("https://ecr.vpce.example:8443 ("),
                                   HasSubstr("AWS_ENDPOINT_URL_ECR"), HasSubstr("eu-west-1/ecr"),
                                   HasSubstr("registry 111122223333")));
}

TEST_F(EcrBackend, DescribeOfAnInvalidEndpointSettingIsAnError) {
    env.set("AWS_USE_FIPS_ENDPOINT", "perhaps");
    auto backend = host.backend();
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    auto described = (*backend)->describe("111122223333.dkr.ecr.eu-west-1.amazonaws.com/x",
                                          "111122223333.dkr.ecr.eu-west-1.amazonaws.com", "default");
    ASSERT_FALSE(described.ok());
    EXPECT_THAT(described.error().message,
                AllOf(HasSubstr("registries[0]: aws.ecr failed"), HasSubstr("AWS_USE_FIPS_ENDPOINT")));
}

TEST_F(EcrBackend, EcrHostUnderAMirrorRuleGetsItsOwnToken) {
    host.net.replies.push_back(private_reply("pw", "1700043200", "777788889999", "us-east-2"));
    auto auth = host.auth("777788889999.dkr.ecr.us-east-2.amazonaws.com", "default",
                          {{"mirrorOf", "111122223333.dkr.ecr.eu-west-1.amazonaws.com"}});
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    EXPECT_EQ(host.net.signings.at(0).region, "us-east-2");
    EXPECT_EQ(nlohmann::json::parse(host.net.requests.at(0).body),
              nlohmann::json({{"registryIds", {"777788889999"}}}));
}

// ---- rule settings ----

TEST_F(EcrBackend, SchemaRejectsUnknownKeysAndBadValues) {
    const auto &factory = ecr_factory();
    EXPECT_TRUE(
        pullcred::modules::validate_factory_config(factory, nlohmann::json::object(), "registries[0]").ok());
    EXPECT_TRUE(
        pullcred::modules::validate_factory_config(
            factory,
            {{"mirrorOf", "111122223333.dkr.ecr.us-west-2.amazonaws.com"}, {"endpoint", "https://x.example"}},
            "registries[0]")
            .ok());
    for (const auto &bad :
         {nlohmann::json{{"registryIds", {"111122223333"}}}, nlohmann::json{{"mirrorOf", ""}},
          nlohmann::json{{"mirrorOf", 3}}, nlohmann::json{{"endpoint", "ftp://x"}}}) {
        auto valid = pullcred::modules::validate_factory_config(factory, bad, "registries[0]");
        EXPECT_FALSE(valid.ok()) << bad.dump();
        if (!valid.ok()) {
            EXPECT_THAT(valid.error().message, HasSubstr("registries[0]")) << bad.dump();
        }
    }
}

TEST_F(EcrBackend, ConstructorRejectsWhatTheSchemaWouldBeforeAnyCall) {
    auto unknown = host.backend({{"registryIds", {"1"}}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_THAT(unknown.error().message, HasSubstr("unknown key registryIds"));
    auto endpoint = host.backend({{"endpoint", "https://user:pw@host.example"}});
    ASSERT_FALSE(endpoint.ok());
    EXPECT_THAT(endpoint.error().message, AllOf(HasSubstr("endpoint"), Not(HasSubstr("pw@"))));
}

TEST_F(EcrBackend, TheRemovedRegionSettingSaysToUseMirrorOf) {
    const auto &factory = ecr_factory();
    EXPECT_TRUE(
        pullcred::modules::validate_factory_config(factory, {{"region", "eu-central-1"}}, "registries[0]")
            .ok())
        << "the schema lets it through so that the module can name the fix";
    auto region = host.backend({{"region", "eu-central-1"}});
    ASSERT_FALSE(region.ok());
    EXPECT_THAT(region.error().message,
                HasSubstr("region is no longer an aws.ecr setting: name the ECR registry that the mirror "
                          "serves instead, with `mirrorOf: <account>.dkr.ecr.eu-central-1.amazonaws.com`"));
    auto odd = host.backend({{"region", 3}});
    ASSERT_FALSE(odd.ok());
    EXPECT_THAT(odd.error().message, HasSubstr("`mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com`"));
}

TEST_F(EcrBackend, MirrorOfMustBeAPrivateEcrRegistryHost) {
    for (const std::string bad :
         {"mirror.example.com", "public.ecr.aws", "111122223333.dkr.ecr.us-west-2.amazonaws.com:443",
          "111122223333.dkr.ecr.us-west-2.amazonaws.com/team", "11112222333.dkr.ecr.us-west-2.amazonaws.com",
          "https://111122223333.dkr.ecr.us-west-2.amazonaws.com"}) {
        auto backend = host.backend({{"mirrorOf", bad}});
        ASSERT_FALSE(backend.ok()) << bad;
        EXPECT_THAT(backend.error().message,
                    HasSubstr("mirrorOf \"" + bad +
                              "\" is not a private Amazon ECR registry host: write it as <12-digit "
                              "account>.dkr.ecr.<region>.amazonaws.com (no port, no path)"));
    }
    for (const std::string good :
         {"111122223333.dkr.ecr.us-west-2.amazonaws.com", "111122223333.dkr-ecr.us-west-2.on.aws",
          "111122223333.dkr.ecr-fips.us-gov-east-1.amazonaws.com"}) {
        EXPECT_TRUE(host.backend({{"mirrorOf", good}}).ok()) << good;
    }
}

// ---- replies ----

TEST_F(EcrBackend, FractionalAndIntegerExpiresAt) {
    host.net.replies.push_back(private_reply("pw", "1700043200.999"));
    auto fractional = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_TRUE(fractional.ok()) << fractional.error().message;
    EXPECT_EQ(fractional->expires_unix, 1700043200);
    host.net.replies.push_back(private_reply("pw", "1700043201"));
    auto integer = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_TRUE(integer.ok());
    EXPECT_EQ(integer->expires_unix, 1700043201);
    host.net.replies.push_back(private_reply("pw", "1.7000432e9"));
    auto exponent = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_TRUE(exponent.ok());
    EXPECT_EQ(exponent->expires_unix, 1700043200);
}

TEST_F(EcrBackend, PasswordMayContainColonsAndTheUserNameIsKept) {
    Reply reply = json_reply(R"({"authorizationData":[{"authorizationToken":")" + base64("AWS:a:b:c") +
                             R"(","expiresAt":1700043200}]})");
    reply.headers = {{"content-type", "application/x-amz-json-1.1; charset=utf-8"}};
    host.net.replies.push_back(reply);
    auto auth = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_TRUE(auth.ok()) << auth.error().message;
    EXPECT_EQ(auth->entries.at(0).username, "AWS");
    EXPECT_EQ(auth->entries.at(0).password, "a:b:c");
}

struct ErrorCase {
    std::string name;
    Reply reply;
    std::vector<std::string> expected; // substrings of the error
    bool retryable = false;
};

class EcrReplies : public EcrBackend, public testing::WithParamInterface<ErrorCase> {};

TEST_P(EcrReplies, BecomeOneClearError) {
    const auto &c = GetParam();
    host.net.replies.push_back(c.reply);
    auto auth = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_FALSE(auth.ok()) << c.name;
    const auto &message = auth.error().message;
    EXPECT_THAT(message, HasSubstr("ECR GetAuthorizationToken in us-west-2 failed: ")) << c.name;
    for (const auto &part : c.expected) EXPECT_THAT(message, HasSubstr(part)) << c.name;
    EXPECT_THAT(message, HasSubstr(c.retryable ? "aws.ecr temporary failure" : "aws.ecr failed")) << c.name;
    EXPECT_THAT(message, Not(HasSubstr(kSecret))) << c.name;
    EXPECT_THAT(message, Not(HasSubstr("sekrit-password"))) << c.name;
    EXPECT_THAT(message, Not(HasSubstr(base64("AWS:sekrit-password")))) << c.name;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
}

Reply with_content_type(Reply reply, const std::string &type) {
    reply.headers = {{"Content-Type", type}};
    return reply;
}

Reply expiring_at(const std::string &expires) {
    return private_reply("sekrit-password", expires);
}

INSTANTIATE_TEST_SUITE_P(
    EveryShape, EcrReplies,
    testing::Values(
        ErrorCase{"access denied",
                  aws_error_reply("AccessDeniedException",
                                  "User: arn:aws:iam::111122223333:user/x is not authorized"),
                  {"AccessDeniedException: User: arn:aws:iam::111122223333:user/x is not authorized",
                   "ecr:GetAuthorizationToken", "profile 'default'", "HTTP 400"}},
        ErrorCase{"namespaced type",
                  aws_error_reply("com.amazonaws.ecr#AccessDeniedException:http://internal", "denied"),
                  {"AccessDeniedException: denied"}},
        ErrorCase{"unknown key",
                  aws_error_reply("UnrecognizedClientException",
                                  "The security token included in the request is invalid."),
                  {"UnrecognizedClientException",
                   "check the access key id and secret access key of profile 'default'"}},
        ErrorCase{"wrong secret",
                  aws_error_reply("InvalidSignatureException",
                                  "The request signature we calculated does not match"),
                  {"InvalidSignatureException", "check the access key id and secret access key"}},
        ErrorCase{"clock",
                  aws_error_reply("InvalidSignatureException",
                                  "Signature expired: 20231114T000000Z is now earlier"),
                  {"InvalidSignatureException", "clock"}},
        ErrorCase{"expired session",
                  aws_error_reply("ExpiredTokenException", "The security token included expired"),
                  {"ExpiredTokenException", "session token"}},
        ErrorCase{"validation",
                  aws_error_reply("ValidationException", "bad registryIds"),
                  {"ValidationException: bad registryIds", "111122223333"}},
        ErrorCase{"throttled",
                  aws_error_reply("ThrottlingException", "Rate exceeded"),
                  {"ThrottlingException: Rate exceeded", "throttl"},
                  true},
        ErrorCase{"server error",
                  aws_error_reply("ServerException", "boom", 500),
                  {"ServerException: boom", "HTTP 500"},
                  true},
        ErrorCase{"html 502",
                  with_content_type(json_reply("<html>bad gateway</html>", 502), "text/html"),
                  {"HTTP 502", "text/html"},
                  true},
        ErrorCase{"error type header",
                  [] {
                      Reply reply = json_reply("", 403);
                      reply.headers.emplace_back("X-Amzn-ErrorType", "AccessDeniedException:http://x");
                      return reply;
                  }(),
                  {"AccessDeniedException", "HTTP 403"}},
        ErrorCase{"403 without anything", json_reply("", 403), {"HTTP 403", "no AWS error"}},
        ErrorCase{"200 with an error body",
                  aws_error_reply("AccessDeniedException", "nope", 200),
                  {"AccessDeniedException: nope", "HTTP 200"}},
        ErrorCase{"malformed",
                  json_reply(R"({"authorizationData":[{"authorizationToken":"QVdTOn)"),
                  {"not valid JSON"}},
        ErrorCase{
            "truncated", json_reply(private_reply("sekrit-password").body.substr(0, 40)), {"not valid JSON"}},
        ErrorCase{"empty body", json_reply(""), {"empty"}},
        ErrorCase{"not an object", json_reply("[1,2]"), {"not a JSON object"}},
        ErrorCase{"string", json_reply(R"("hello")"), {"not a JSON object"}},
        ErrorCase{"no data", json_reply("{}"), {"no authorizationData"}},
        ErrorCase{"null data", json_reply(R"({"authorizationData":null})"), {"no authorizationData"}},
        ErrorCase{"empty list", json_reply(R"({"authorizationData":[]})"), {"authorizationData is empty"}},
        ErrorCase{"list of junk", json_reply(R"({"authorizationData":[1,"x"]})"), {"not an object"}},
        ErrorCase{"data is a number", json_reply(R"({"authorizationData":5})"), {"not an object"}},
        ErrorCase{"no token",
                  json_reply(R"({"authorizationData":[{"expiresAt":1700043200}]})"),
                  {"no authorizationToken"}},
        ErrorCase{"token not a string",
                  json_reply(R"({"authorizationData":[{"authorizationToken":5,"expiresAt":1700043200}]})"),
                  {"no authorizationToken"}},
        ErrorCase{"no expiry",
                  json_reply(R"({"authorizationData":[{"authorizationToken":")" +
                             base64("AWS:sekrit-password") + R"("}]})"),
                  {"no expiresAt"}},
        ErrorCase{
            "expiry is a string", expiring_at(R"("2023-11-15T10:00:00Z")"), {"expiresAt is not a number"}},
        ErrorCase{"expiry negative", expiring_at("-5"), {"not a plausible time"}},
        ErrorCase{"expiry absurd", expiring_at("1e300"), {"not a plausible time"}},
        ErrorCase{"expired", expiring_at("1699999940.5"), {"expired 60 s ago", "clock"}},
        ErrorCase{"expires now", expiring_at("1700000000"), {"expired 0 s ago"}},
        ErrorCase{
            "bad base64",
            json_reply(
                R"({"authorizationData":[{"authorizationToken":"QVdT*OnNla3JpdA==","expiresAt":1700043200}]})"),
            {"not valid base64"}},
        ErrorCase{
            "base64 bad padding",
            json_reply(R"({"authorizationData":[{"authorizationToken":"QVdTO=","expiresAt":1700043200}]})"),
            {"not valid base64"}},
        ErrorCase{"no colon",
                  json_reply(R"({"authorizationData":[{"authorizationToken":")" +
                             base64("AWSsekrit-password") + R"(","expiresAt":1700043200}]})"),
                  {"has no ':'"}},
        ErrorCase{"empty password",
                  json_reply(R"({"authorizationData":[{"authorizationToken":")" + base64("AWS:") +
                             R"(","expiresAt":1700043200}]})"),
                  {"empty user name or password"}},
        ErrorCase{"wrong content type",
                  with_content_type(private_reply("sekrit-password"), "text/html"),
                  {"Content-Type text/html"}},
        ErrorCase{"network",
                  [] {
                      Reply reply;
                      reply.code = PULLCRED_RETRYABLE;
                      reply.error =
                          "POST https://api.ecr.us-west-2.amazonaws.com/: no HTTP response after 4 attempts";
                      return reply;
                  }(),
                  {"no HTTP response after 4 attempts"},
                  true},
        ErrorCase{"tls",
                  [] {
                      Reply reply;
                      reply.code = PULLCRED_FAILED;
                      reply.error = "POST https://x/: TLS: the server certificate of x was not trusted";
                      return reply;
                  }(),
                  {"was not trusted"}}),
    [](const testing::TestParamInfo<ErrorCase> &param) {
        std::string name;
        for (char c : param.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return name;
    });

TEST_F(EcrBackend, PublicErrorsNameEcrPublicAndItsPermissions) {
    host.net.replies.push_back(aws_error_reply("AccessDeniedException", "nope"));
    auto auth = host.auth("public.ecr.aws");
    ASSERT_FALSE(auth.ok());
    EXPECT_THAT(
        auth.error().message,
        AllOf(HasSubstr("ECR Public GetAuthorizationToken in us-east-1 failed: AccessDeniedException: nope"),
              HasSubstr("ecr-public:GetAuthorizationToken"), HasSubstr("sts:GetServiceBearerToken")));
}

TEST_F(EcrBackend, PublicEmptyObjectIsAnError) {
    host.net.replies.push_back(json_reply(R"({"authorizationData":{}})"));
    auto auth = host.auth("public.ecr.aws");
    ASSERT_FALSE(auth.ok());
    EXPECT_THAT(auth.error().message, HasSubstr("no authorizationToken"));
}

TEST_F(EcrBackend, ServerTextIsSanitisedAndCapped) {
    host.net.replies.push_back(
        aws_error_reply("AccessDeniedException", "line1\nline2\x1b[31m" + std::string(2000, 'x')));
    auto auth = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_FALSE(auth.ok());
    EXPECT_EQ(auth.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(auth.error().message.find('\x1b'), std::string::npos);
    EXPECT_LT(auth.error().message.size(), 1000U);
}

TEST_F(EcrBackend, SigningFailureIsReported) {
    host.net.sign_code = PULLCRED_FAILED;
    auto auth = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_FALSE(auth.ok());
    EXPECT_THAT(auth.error().message, AllOf(HasSubstr("cannot sign"), HasSubstr("fake signer refuses")));
    EXPECT_TRUE(host.net.requests.empty());
}

TEST_F(EcrBackend, OneInstanceServesManyRegistries) {
    auto backend = host.backend();
    ASSERT_TRUE(backend.ok());
    host.net.replies.push_back(private_reply("a"));
    host.net.replies.push_back(public_reply("b"));
    auto first = (*backend)->get_auth("111122223333.dkr.ecr.us-west-2.amazonaws.com/x",
                                      "111122223333.dkr.ecr.us-west-2.amazonaws.com", "default");
    auto second = (*backend)->get_auth("public.ecr.aws/x", "public.ecr.aws", "default");
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_EQ(first->entries.at(0).password, "a");
    EXPECT_EQ(second->entries.at(0).password, "b");
}

TEST_F(EcrBackend, ErrorsCarryAwsRequestIdOnlyWhenItLooksLikeOne) {
    auto reply = aws_error_reply("ServiceUnavailableException", "try later", 503);
    reply.headers = {{"x-amzn-RequestId", "0f6a1b2c-3d4e-5f60-7182-93a4b5c6d7e8"}};
    host.net.replies.push_back(reply);
    auto auth = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
    ASSERT_FALSE(auth.ok());
    EXPECT_THAT(auth.error().message,
                HasSubstr("(HTTP 503, request id 0f6a1b2c-3d4e-5f60-7182-93a4b5c6d7e8)"));
    for (const std::string &hostile :
         {std::string("id with spaces"), std::string("id\x1b[31m"), std::string(65, 'a')}) {
        auto bad = aws_error_reply("AccessDeniedException", "nope", 403);
        bad.headers = {{"x-amzn-RequestId", hostile}};
        host.net.replies.push_back(bad);
        auto refused = host.auth("111122223333.dkr.ecr.us-west-2.amazonaws.com");
        ASSERT_FALSE(refused.ok());
        EXPECT_THAT(refused.error().message, HasSubstr("(HTTP 403);"));
    }
}
