#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "aws/endpoints/ecr_pattern.hpp"

namespace pullcred::aws {
namespace {

using testing::HasSubstr;

TEST(EcrPattern, PatternsThatOnlyMatchEcrHostsOrLookAlikes) {
    for (const char *pattern : {
             "*.dkr.ecr.*.amazonaws.com",
             "*.dkr.ecr.*.amazonaws.com.cn",
             "*.dkr.ecr-fips.*.amazonaws.com",
             "*.dkr.ecr*.*.amazonaws.com",
             "*.dkr-ecr.*.on.aws",
             "*.dkr-ecr-fips.*.on.aws",
             "*.dkr-ecr*.*.on.amazonwebservices.com.cn",
             "*.dkr.ecr.*.amazonaws.eu",
             "*.dkr.ecr.*.c2s.ic.gov",
             "*.dkr.ecr.*.sc2s.sgov.gov",
             "*.dkr.ecr.*.cloud.adc-e.uk",
             "*.dkr.ecr.*.csp.hci.ic.gov",
             "111122223333.dkr.ecr.*.amazonaws.com",
             "111122223333.dkr.ecr.us-west-2.amazonaws.com",
             "111122223333.dkr.ecr.us-west-2.amazonaws.com:443",
             "111122223333.dkr.ecr.us-west-2.amazonaws.com/team",
             "*.dkr.ecr.us-west-2.amazonaws.com/team/app",
             "public.ecr.aws",
             "ecr-public.aws.com",
             "public.ecr.aws/nginx",
             // only look-alikes, which aws.ecr refuses
             "*.dkr.ecr.amazonaws.com",
             "*.*.dkr.ecr.*.amazonaws.com",
             "x.dkr.ecr.y.amazonaws.com",
         }) {
        EXPECT_FALSE(pattern_can_match_non_ecr_host(pattern)) << pattern;
        EXPECT_EQ(ecr_pattern_warning(pattern, ""), std::nullopt) << pattern;
    }
}

TEST(EcrPattern, PatternsThatCanMatchOtherHosts) {
    for (const char *pattern : {
             "*",
             "*.*",
             "*.*.*",
             "*.*.*.*.*.*",
             "*.amazonaws.com",
             "*.*.amazonaws.com",
             "*.ecr.aws",
             "*.dkr.ecr.*.amazonaws.*",
             "*.dkr.ecr.*.*.com",
             "*.d?r.ecr.*.amazonaws.com",
             "*.dkr.[e]cr.*.amazonaws.com",
             "*.dkr.*.*.amazonaws.com",
             "*.*.ecr.*.amazonaws.com",
             "dkr.ecr.*.amazonaws.com.*",
             "registry.example.com",
             "mirror.example.com:5000",
             "docker.io/library",
             "public.ecr.aws.evil",
             "123456789012.dkr.ecr.us-east-1.amazonaws.hacker.com",
             "*.dkr.ecr.*.amazonaws.com:0",
             "*.dkr.ecr.*.amazonaws.com:99999",
             "[::1]:5000",
         }) {
        EXPECT_TRUE(pattern_can_match_non_ecr_host(pattern)) << pattern;
        const auto warning = ecr_pattern_warning(pattern, "");
        ASSERT_TRUE(warning.has_value()) << pattern;
        EXPECT_THAT(*warning, HasSubstr("\"" + std::string(pattern) +
                                        "\" can match registry hosts that are "
                                        "not Amazon ECR hosts"));
        EXPECT_THAT(*warning, HasSubstr("mirrorOf: <account>.dkr.ecr.<region>.amazonaws.com"));
        EXPECT_EQ(warning->find('\n'), std::string::npos);
    }
}

TEST(EcrPattern, MirrorRulesWarnOnlyAboutWildcardsOutsideEcr) {
    const std::string mirror_of = "111122223333.dkr.ecr.eu-central-1.amazonaws.com";
    EXPECT_EQ(ecr_pattern_warning("mirror.example.com:5000", mirror_of), std::nullopt);
    EXPECT_EQ(ecr_pattern_warning("mirror.example.com/team", mirror_of), std::nullopt);
    EXPECT_EQ(ecr_pattern_warning("*.dkr.ecr.*.amazonaws.com", mirror_of), std::nullopt);
    const auto warning = ecr_pattern_warning("*.example.com", mirror_of);
    ASSERT_TRUE(warning.has_value());
    EXPECT_THAT(*warning, HasSubstr("\"*.example.com\" has wildcards"));
    EXPECT_THAT(*warning, HasSubstr("the token of " + mirror_of + ": list the mirror's host exactly"));
}

} // namespace
} // namespace pullcred::aws
