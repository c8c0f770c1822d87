#include <gtest/gtest.h>

#include "aws/profile/region.hpp"

namespace pullcred::aws {
namespace {

Profile profile_with_region(const std::string &region) {
    Profile p("dev");
    p.set("region", region, "/c/config");
    return p;
}

TEST(Region, AwsRegionWinsOverEverything) {
    auto p = profile_with_region("eu-west-1");
    auto r = resolve_region(map_env({{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}}), &p);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->region, "us-east-1");
    EXPECT_EQ(r->source, "AWS_REGION");
}

TEST(Region, AwsDefaultRegionBeforeProfile) {
    auto p = profile_with_region("eu-west-1");
    auto r = resolve_region(map_env({{"AWS_DEFAULT_REGION", "us-west-2"}}), &p);
    EXPECT_EQ(r->region, "us-west-2");
    EXPECT_EQ(r->source, "AWS_DEFAULT_REGION");
}

TEST(Region, ProfileLast) {
    auto p = profile_with_region("eu-west-1");
    auto r = resolve_region(map_env({}), &p);
    EXPECT_EQ(r->region, "eu-west-1");
    EXPECT_EQ(r->source, "profile 'dev' (/c/config)");
}

TEST(Region, EmptyVariablesAreIgnored) {
    auto p = profile_with_region("eu-west-1");
    auto r = resolve_region(map_env({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", ""}}), &p);
    EXPECT_EQ(r->region, "eu-west-1");
}

TEST(Region, NoneAnywhere) {
    EXPECT_FALSE(resolve_region(map_env({}), nullptr).has_value());
    Profile empty("default");
    EXPECT_FALSE(resolve_region(EnvLookup{}, &empty).has_value());
}

TEST(Environment, ParseBoolSetting) {
    EXPECT_EQ(parse_bool_setting("true"), std::optional<bool>(true));
    EXPECT_EQ(parse_bool_setting(" TRUE "), std::optional<bool>(true));
    EXPECT_EQ(parse_bool_setting("False"), std::optional<bool>(false));
    EXPECT_FALSE(parse_bool_setting("1").has_value());
    EXPECT_FALSE(parse_bool_setting("yes").has_value());
    EXPECT_FALSE(parse_bool_setting("").has_value());
    EXPECT_FALSE(parse_bool_setting("truee").has_value());
}

TEST(Environment, ProcessEnvReadsGetenv) {
    auto env = process_env();
    EXPECT_TRUE(env("PATH").has_value());
    EXPECT_FALSE(env("PULLCRED_TEST_SURELY_UNSET_VARIABLE_12345").has_value());
    EXPECT_FALSE(env(std::string_view("PA\0TH", 5)).has_value());
}

TEST(Environment, HomeDirectory) {
    EXPECT_EQ(home_directory(map_env({{"HOME", "/h"}})).value(), "/h");
    // Without HOME: the password database (always has an entry for the test user).
    EXPECT_TRUE(home_directory(map_env({})).has_value());
}

} // namespace
} // namespace pullcred::aws
