#include <gtest/gtest.h>
#include <pullcred/module.hpp>

using pullcred::sdk::Credentials;

TEST(SdkCredentials, TellsAnAbsentFieldFromAnEmptyOne) {
    Credentials credentials;
    credentials.set(PULLCRED_FIELD_SESSION_TOKEN, "");
    EXPECT_FALSE(credentials.access_key_id().has_value());
    ASSERT_TRUE(credentials.session_token().has_value());
    EXPECT_EQ(*credentials.session_token(), "");
    EXPECT_EQ(credentials.get(PULLCRED_FIELD_ACCESS_KEY_ID), "");
}

TEST(SdkCredentials, TheWellKnownAccessorsReadTheAbiFieldNames) {
    Credentials credentials;
    credentials.fields = {{"access_key_id", "AKIDEXAMPLE"},
                          {"secret_access_key", "secret"},
                          {"session_token", "token"},
                          {"region", "eu-west-1"},
                          {"account_id", "111122223333"}};
    EXPECT_EQ(credentials.access_key_id(), "AKIDEXAMPLE");
    EXPECT_EQ(credentials.secret_access_key(), "secret");
    EXPECT_EQ(credentials.session_token(), "token");
    EXPECT_EQ(credentials.region(), "eu-west-1");
    EXPECT_EQ(credentials.account_id(), "111122223333");
}
