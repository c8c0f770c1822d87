// check-config's and explain's warnings about aws.ecr rules whose patterns can
// reach hosts that are not ECR hosts, from a parsed config: the rule's
// mirrorOf is read by the config model, not by the warning.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/ecr_pattern_warnings.hpp"
#include "config/loader.hpp"

namespace pullcred::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

config::Config parsed(const std::string &registries) {
    auto loaded = config::parse_config("apiVersion: pullcred/v1\nkind: Config\n"
                                       "profiles:\n  keys: {source: aws.shared-config}\n"
                                       "registries:\n" +
                                           registries,
                                       "/etc/pullcred/config.yaml");
    EXPECT_TRUE(loaded.ok()) << ::testing::PrintToString(loaded.messages());
    return loaded.config;
}

TEST(EcrPatternWarnings, ABroadPatternWithoutMirrorOfIsLocated) {
    const auto config =
        parsed("  - {matchImages: ['*.dkr.ecr.*.amazonaws.com'], backend: aws.ecr, profile: keys}\n"
               "  - {matchImages: [public.ecr.aws, '*.example.com'], backend: aws.ecr, "
               "profile: keys}\n");
    EXPECT_THAT(ecr_pattern_warnings(config.registries[0]), IsEmpty());
    const auto warnings = ecr_pattern_warnings(config.registries[1]);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_THAT(warnings[0],
                HasSubstr("registries[1].matchImages[1] \"*.example.com\" can match registry hosts "
                          "that are not Amazon ECR hosts"));
}

TEST(EcrPatternWarnings, TheRulesMirrorOfChangesTheWarning) {
    const auto config = parsed("  - {matchImages: [mirror.example.com, '*.example.com'], backend: aws.ecr, "
                               "profile: keys, mirrorOf: 111122223333.dkr.ecr.eu-central-1.amazonaws.com}\n");
    EXPECT_EQ(config.registries[0].ecr_mirror_of, "111122223333.dkr.ecr.eu-central-1.amazonaws.com");
    const auto warnings = ecr_pattern_warnings(config.registries[0]);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_THAT(warnings[0], HasSubstr("registries[0].matchImages[1] \"*.example.com\" has wildcards"));
    EXPECT_THAT(warnings[0], HasSubstr("the token of 111122223333.dkr.ecr.eu-central-1.amazonaws.com"));
}

TEST(EcrPatternWarnings, OtherBackendsAreNotChecked) {
    const auto config = parsed("  - {matchImages: ['*'], backend: example.token, mirrorOf: x.example.com}\n");
    EXPECT_THAT(config.registries[0].ecr_mirror_of, IsEmpty());
    EXPECT_THAT(ecr_pattern_warnings(config.registries[0]), IsEmpty());
}

} // namespace
} // namespace pullcred::cli
