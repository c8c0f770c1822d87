#include <gtest/gtest.h>

#include "cli/credentials_file.hpp"

namespace pullcred::cli {
namespace {

AwsKeys keys(std::string token = "TOKEN") {
    AwsKeys out;
    out.access_key_id = "ASIANEW";
    out.secret_access_key = "SECRETNEW";
    out.session_token = std::move(token);
    return out;
}

TEST(CredentialsFile, AddsTheSectionToAnEmptyFile) {
    EXPECT_EQ(with_profile_keys("", "default", keys()),
              "[default]\naws_access_key_id = ASIANEW\naws_secret_access_key = SECRETNEW\naws_session_token "
              "= TOKEN\n");
}

TEST(CredentialsFile, AppendsAfterOtherProfilesWithABlankLine) {
    EXPECT_EQ(
        with_profile_keys("[other]\nregion = x", "ecr", keys("")),
        "[other]\nregion = x\n\n[ecr]\naws_access_key_id = ASIANEW\naws_secret_access_key = SECRETNEW\n");
}

TEST(CredentialsFile, ReplacesKeysInPlaceAndKeepsEverythingElse) {
    const std::string before = "# top\n[a]\naws_access_key_id = A\n\n[ecr]\n; note\nAWS_ACCESS_KEY_ID=OLD\n"
                               "region = r\naws_access_key_id = DUPLICATE\n\n[b]\nx = y\n";
    EXPECT_EQ(with_profile_keys(before, "ecr", keys()),
              "# top\n[a]\naws_access_key_id = A\n\n[ecr]\n; note\naws_access_key_id = ASIANEW\nregion = r\n"
              "aws_secret_access_key = SECRETNEW\naws_session_token = TOKEN\n\n[b]\nx = y\n");
}

TEST(CredentialsFile, DropsAStaleTokenWhenTheNewKeysHaveNone) {
    EXPECT_EQ(with_profile_keys("[p]\naws_session_token = OLD\naws_secret_access_key = S\n", "p", keys("")),
              "[p]\naws_secret_access_key = SECRETNEW\naws_access_key_id = ASIANEW\n");
}

TEST(CredentialsFile, SectionNamesAreTrimmedAndCompareExactly) {
    const auto out = with_profile_keys("[ p ]\nk = v\n[pp]\n", "p", keys(""));
    EXPECT_EQ(out, "[ p ]\nk = v\naws_access_key_id = ASIANEW\naws_secret_access_key = SECRETNEW\n[pp]\n");
}

} // namespace
} // namespace pullcred::cli
