#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "aws/sources/sts.hpp"
#include "sts_replies.hpp"

using namespace pullcred::aws::sources;
using testing::HasSubstr;

TEST(StsXml, ParsesCredentials) {
    auto parsed = sts::parse_credentials(sources_test::sts_reply("AssumeRole", "ASIAEXAMPLE", "se&amp;cret",
                                                                 "tok/en+", "2026-11-28T12:00:00Z"));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed.value().access_key_id, "ASIAEXAMPLE");
    EXPECT_EQ(parsed.value().secret_access_key, "se&cret");
    EXPECT_EQ(parsed.value().session_token, "tok/en+");
    EXPECT_EQ(parsed.value().expires_unix, 1795867200);
}

TEST(StsXml, ToleratesAttributesAndWhitespace) {
    auto parsed = sts::parse_credentials(
        "<?xml version=\"1.0\"?>\n<AssumeRoleResponse>\n  <AssumeRoleResult>\n    <Credentials a=\"1\">\n"
        "      <AccessKeyId>AK</AccessKeyId>\n      <SecretAccessKey>SK</SecretAccessKey>\n"
        "      <SessionToken>ST</SessionToken>\n      <Expiration>2026-11-28T12:00:00.123Z</Expiration>\n"
        "    </Credentials>\n  </AssumeRoleResult>\n</AssumeRoleResponse>\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed.value().expires_unix, 1795867200);
}

TEST(StsXml, MalformedAndTruncatedRepliesAreOneClearError) {
    const auto good = sources_test::sts_reply("AssumeRole", "AK", "SK", "ST");
    auto truncated = sts::parse_credentials(good.substr(0, good.find("<SessionToken>") + 5));
    ASSERT_FALSE(truncated.ok());
    EXPECT_THAT(truncated.error().message, HasSubstr("truncated"));
    EXPECT_THAT(truncated.error().message, testing::Not(HasSubstr("SK")));

    auto no_credentials =
        sts::parse_credentials("<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>");
    ASSERT_FALSE(no_credentials.ok());
    EXPECT_THAT(no_credentials.error().message, HasSubstr("no <Credentials>"));

    auto no_token = sts::parse_credentials(
        "<Credentials><AccessKeyId>AK</AccessKeyId><SecretAccessKey>SK</SecretAccessKey>"
        "<Expiration>2026-11-28T12:00:00Z</Expiration></Credentials>");
    ASSERT_FALSE(no_token.ok());
    EXPECT_THAT(no_token.error().message, HasSubstr("<SessionToken>"));

    auto bad_time =
        sts::parse_credentials(sources_test::sts_reply("AssumeRole", "AK", "SK", "ST", "tomorrow"));
    ASSERT_FALSE(bad_time.ok());
    EXPECT_THAT(bad_time.error().message, HasSubstr("RFC 3339"));

    EXPECT_FALSE(sts::parse_credentials("").ok());
    EXPECT_FALSE(sts::parse_credentials("not xml at all").ok());
    EXPECT_FALSE(sts::parse_credentials("<CredentialsX><AccessKeyId>A</AccessKeyId></CredentialsX>").ok());
}

TEST(StsXml, ParsesErrors) {
    auto error =
        sts::parse_error(sources_test::sts_error("AccessDenied", "User: arn:x is not authorized &amp; so"));
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code, "AccessDenied");
    EXPECT_EQ(error->message, "User: arn:x is not authorized & so");
    EXPECT_FALSE(sts::parse_error(sources_test::sts_reply("AssumeRole", "AK", "SK", "ST")).has_value());
    EXPECT_FALSE(sts::parse_error("<Error><Message>no code</Message></Error>").has_value());
}

TEST(StsXml, DecodesEntities) {
    EXPECT_EQ(sts::element_text("<A>&lt;&gt;&quot;&apos;&#65;&#x42;&unknown;&</A>", "A"),
              "<>\"'AB&unknown;&");
    EXPECT_EQ(sts::element_text("<A>&#xE9;</A>", "A"), "\xC3\xA9");
    EXPECT_EQ(sts::element_text("<A/>", "A"), "");
    EXPECT_FALSE(sts::element_text("<A>open", "A").has_value());
}

TEST(FormEncode, KeepsUnreservedOnly) {
    EXPECT_EQ(sts::form_encode("arn:aws:iam::1:role/a b+c~_.-"),
              "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc~_.-");
    EXPECT_EQ(sts::form_encode("\xC3\xA9="), "%C3%A9%3D");
}
