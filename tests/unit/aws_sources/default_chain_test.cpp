// The parsers and decisions of the default chain's newer steps: SSO token
// cache and GetRoleCredentials replies, container / IMDS credential
// documents, the container URL check, the IMDS settings and botocore's order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aws/sources/container_credentials.hpp"
#include "aws/sources/default_chain.hpp"
#include "aws/sources/instance_metadata.hpp"
#include "aws/sources/metadata_credentials.hpp"
#include "aws/sources/sha1.hpp"
#include "aws/sources/sso_credentials.hpp"
#include "host_redaction.hpp"

using namespace pullcred;
using aws::sources::ChainStep;
using testing::HasSubstr;
using testing::Not;

TEST(Sha1, KnownVectors) {
    EXPECT_EQ(aws::sources::sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(aws::sources::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(aws::sources::sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    EXPECT_EQ(aws::sources::sha1_hex(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

TEST(SsoCredentials, CacheFileName) {
    aws::sources::SsoSettings legacy;
    legacy.start_url = "https://my-sso-portal.awsapps.com/start";
    // The AWS CLI's name for this start URL's cache file.
    EXPECT_EQ(aws::sources::sso_cache_file_name(legacy), aws::sources::sha1_hex(legacy.start_url) + ".json");
    aws::sources::SsoSettings session = legacy;
    session.session_name = "dev";
    EXPECT_EQ(aws::sources::sso_cache_file_name(session), aws::sources::sha1_hex("dev") + ".json");
}

TEST(SourceSecrets, ReachOnlyTheInstalledSink) {
    static std::vector<std::string> reported;
    aws::sources::report_secret("before-any-sink");
    aws::sources::report_secrets_to([](std::string_view value) { reported.emplace_back(value); });
    aws::sources::report_secret("sso-token-2");
    aws::sources::report_secrets_to(nullptr);
    aws::sources::report_secret("after-the-sink");
    EXPECT_EQ(reported, std::vector<std::string>{"sso-token-2"});
    EXPECT_EQ(log::redact("x sso-token-2 y"), "x sso-token-2 y") << "the host's redaction was not installed";
}

TEST(SsoCredentials, TokenCache) {
    use_host_redaction();
    auto token = aws::sources::parse_sso_token(
        R"({"startUrl": "https://x", "region": "us-east-1", "accessToken": "sso-token-1",
            "expiresAt": "2026-12-07T12:00:00Z"})");
    ASSERT_TRUE(token.ok()) << token.error().message;
    EXPECT_EQ(token.value().access_token, "sso-token-1");
    EXPECT_EQ(token.value().expires_unix, 1796644800);
    EXPECT_EQ(log::redact("x sso-token-1 y"), "x [REDACTED] y");

    auto cli_v1 =
        aws::sources::parse_sso_token(R"({"accessToken": "t", "expiresAt": "2026-12-07T12:00:00UTC"})");
    ASSERT_TRUE(cli_v1.ok()) << cli_v1.error().message;
    EXPECT_EQ(cli_v1.value().expires_unix, 1796644800);

    EXPECT_THAT(aws::sources::parse_sso_token("not json").error().message, HasSubstr("not a JSON object"));
    EXPECT_THAT(aws::sources::parse_sso_token(R"({"expiresAt": "2026-12-07T12:00:00Z"})").error().message,
                HasSubstr("no accessToken"));
    EXPECT_THAT(aws::sources::parse_sso_token(R"({"accessToken": "secret-x"})").error().message,
                HasSubstr("no expiresAt"));
    auto bad_time = aws::sources::parse_sso_token(R"({"accessToken": "secret-y", "expiresAt": "tomorrow"})");
    EXPECT_THAT(bad_time.error().message, HasSubstr("not an RFC 3339 time"));
    EXPECT_THAT(bad_time.error().message, Not(HasSubstr("secret-y")));
}

TEST(SsoCredentials, RoleCredentials) {
    use_host_redaction();
    auto ok = aws::sources::parse_role_credentials(
        R"({"roleCredentials": {"accessKeyId": "ASIA1", "secretAccessKey": "sso-secret",
            "sessionToken": "sso-session-token", "expiration": 1796644800000}})");
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok.value().get("access_key_id"), "ASIA1");
    EXPECT_EQ(ok.value().get("session_token"), "sso-session-token");
    EXPECT_EQ(ok.value().expires_unix.value_or(0), 1796644800);
    EXPECT_EQ(log::redact("sso-secret"), "[REDACTED]");

    EXPECT_THAT(aws::sources::parse_role_credentials("{}").error().message, HasSubstr("no roleCredentials"));
    EXPECT_THAT(
        aws::sources::parse_role_credentials(R"({"roleCredentials": {"accessKeyId": "A"}})").error().message,
        HasSubstr("no secretAccessKey"));
    EXPECT_THAT(
        aws::sources::parse_role_credentials(
            R"({"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t"}})")
            .error()
            .message,
        HasSubstr("no expiration"));
}

TEST(MetadataCredentials, Documents) {
    use_host_redaction();
    auto imds = aws::sources::parse_metadata_credentials(
        R"({"Code": "Success", "LastUpdated": "2026-12-07T06:00:00Z", "Type": "AWS-HMAC",
            "AccessKeyId": "ASIA2", "SecretAccessKey": "imds-secret", "Token": "imds-token",
            "Expiration": "2026-12-07T12:00:00Z"})");
    ASSERT_TRUE(imds.ok()) << imds.error().message;
    EXPECT_EQ(imds.value().get("access_key_id"), "ASIA2");
    EXPECT_EQ(imds.value().get("session_token"), "imds-token");
    EXPECT_EQ(imds.value().expires_unix.value_or(0), 1796644800);
    EXPECT_EQ(log::redact("imds-token imds-secret"), "[REDACTED] [REDACTED]");

    auto container = aws::sources::parse_metadata_credentials(
        R"({"AccessKeyId": "ASIA3", "SecretAccessKey": "s3", "Token": "t3", "AccountId": "111122223333",
            "Expiration": "2026-12-07T12:00:00Z"})");
    ASSERT_TRUE(container.ok()) << container.error().message;

    EXPECT_THAT(aws::sources::parse_metadata_credentials(R"({"Code": "AssumeRoleUnauthorizedAccess"})")
                    .error()
                    .message,
                HasSubstr("Code is AssumeRoleUnauthorizedAccess, not Success"));
    EXPECT_THAT(aws::sources::parse_metadata_credentials(R"({"AccessKeyId": "A"})").error().message,
                HasSubstr("no SecretAccessKey"));
    EXPECT_THAT(aws::sources::parse_metadata_credentials("<html>").error().message,
                HasSubstr("not a JSON object"));
    EXPECT_THAT(aws::sources::parse_metadata_credentials(
                    R"({"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "x"})")
                    .error()
                    .message,
                HasSubstr("Expiration is not an RFC 3339 time"));
    EXPECT_EQ(aws::sources::metadata_error_message(R"({"code": "AccessDenied", "message": "no\nway"})"),
              "no way");
    EXPECT_EQ(aws::sources::metadata_error_message("plain"), "");
}

TEST(ContainerCredentials, Endpoint) {
    auto both = aws::map_env({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                              {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:51679/x"}});
    auto endpoint = aws::sources::container_endpoint(both);
    ASSERT_TRUE(endpoint);
    EXPECT_EQ(endpoint->url, "http://169.254.170.2/v2/credentials/abc");
    EXPECT_EQ(endpoint->variable, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    auto full = aws::sources::container_endpoint(
        aws::map_env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://h/x"}}));
    ASSERT_TRUE(full);
    EXPECT_EQ(full->url, "http://h/x");
    EXPECT_FALSE(aws::sources::container_endpoint(aws::map_env({})));
}

TEST(ContainerCredentials, AllowedHosts) {
    for (const char *url : {"http://169.254.170.2/v2/credentials/x", "http://169.254.170.23/v1/credentials",
                            "http://[fd00:ec2::23]/v1/credentials", "http://[fd00:ec2:0::23]:80/v1",
                            "http://localhost:8080/c", "http://127.0.0.1:51679/creds", "http://127.8.9.10/c",
                            "http://[::1]:80/c", "https://creds.example.com/x", "HTTP://LOCALHOST/c"})
        EXPECT_TRUE(aws::sources::check_container_url(url, "AWS_CONTAINER_CREDENTIALS_FULL_URI").ok()) << url;
    auto refused = aws::sources::check_container_url("http://10.1.2.3:8080/creds?x=secret",
                                                     "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.error().message, HasSubstr("names host 10.1.2.3, which is not allowed over http"));
    EXPECT_THAT(refused.error().message, Not(HasSubstr("secret")));
    for (const char *url : {"http://169.254.169.254/", "http://user@evil.example/", "http://[fd00:ec2::24]/"})
        EXPECT_FALSE(aws::sources::check_container_url(url, "V").ok()) << url;
    for (const char *url : {"169.254.170.2/x", "ftp://localhost/x", "http:///x"})
        EXPECT_THAT(aws::sources::check_container_url(url, "V").error().message,
                    HasSubstr("is not an http:// or https:// URL"))
            << url;
    EXPECT_EQ(aws::sources::container_url_host("http://user:pw@[fd00:ec2::23]:80/p?q"), "fd00:ec2::23");
}

TEST(InstanceMetadata, Settings) {
    EXPECT_EQ(aws::sources::instance_metadata_endpoint(aws::map_env({})), "http://169.254.169.254");
    EXPECT_EQ(aws::sources::instance_metadata_endpoint(
                  aws::map_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/"}})),
              "http://127.0.0.1:1338");
    EXPECT_EQ(aws::sources::instance_metadata_endpoint(
                  aws::map_env({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}})),
              "http://[fd00:ec2::254]");
    EXPECT_TRUE(
        aws::sources::instance_metadata_disabled(aws::map_env({{"AWS_EC2_METADATA_DISABLED", "TRUE"}})));
    EXPECT_FALSE(
        aws::sources::instance_metadata_disabled(aws::map_env({{"AWS_EC2_METADATA_DISABLED", "1"}})));
    EXPECT_FALSE(aws::sources::instance_metadata_disabled(aws::map_env({})));
}

TEST(InstanceMetadata, RoleListing) {
    EXPECT_EQ(aws::sources::parse_role_listing("node-role\n").value_or(""), "node-role");
    EXPECT_EQ(aws::sources::parse_role_listing("\r\nfirst\r\nsecond\n").value_or(""), "first");
    EXPECT_FALSE(aws::sources::parse_role_listing(""));
    EXPECT_FALSE(aws::sources::parse_role_listing("\n\n"));
}

TEST(DefaultChain, BotocoreOrder) {
    aws::Profile empty("default");
    aws::Profile keys("default");
    keys.set("aws_access_key_id", "AK", "/c");
    keys.set("aws_secret_access_key", "SK", "/c");
    aws::Profile role("default");
    role.set("role_arn", "arn:aws:iam::1:role/r", "/c");
    const std::map<std::string, std::string, std::less<>> env_keys{{"AWS_ACCESS_KEY_ID", "A"},
                                                                   {"AWS_SECRET_ACCESS_KEY", "S"}};
    const std::map<std::string, std::string, std::less<>> container{
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c"}};
    const std::map<std::string, std::string, std::less<>> web{{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}};
    auto with = [](std::initializer_list<std::map<std::string, std::string, std::less<>>> parts) {
        std::map<std::string, std::string, std::less<>> all;
        for (const auto &part : parts) all.insert(part.begin(), part.end());
        return aws::map_env(all);
    };
    EXPECT_EQ(aws::sources::choose_chain_step(with({env_keys, container}), keys),
              ChainStep::environment_keys);
    EXPECT_EQ(aws::sources::choose_chain_step(with({web}), role), ChainStep::profile);
    EXPECT_EQ(aws::sources::choose_chain_step(with({web}), keys), ChainStep::web_identity_env);
    EXPECT_EQ(aws::sources::choose_chain_step(with({container}), keys), ChainStep::profile);
    EXPECT_EQ(aws::sources::choose_chain_step(with({container}), empty), ChainStep::container);
    EXPECT_EQ(aws::sources::choose_chain_step(with({}), empty), ChainStep::instance_metadata);
    EXPECT_EQ(aws::sources::choose_chain_step(aws::map_env({{"AWS_EC2_METADATA_DISABLED", "true"}}), empty),
              ChainStep::none);
    EXPECT_THAT(aws::sources::no_credentials_message(
                    aws::map_env({{"AWS_CONFIG_FILE", "/c"}, {"AWS_SHARED_CREDENTIALS_FILE", "/k"}}), empty),
                HasSubstr("profile \"default\" is not in /c or /k"));
}
