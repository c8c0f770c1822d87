#include <gtest/gtest.h>

#include <string>

#include "aws/endpoints/ecr_host.hpp"

namespace pullcred::aws {
namespace {

struct Valid {
    const char *host;
    const char *region;
    const char *suffix;
    bool fips;
    bool dualstack;
    const char *partition;
};

TEST(EcrHost, EveryPartitionSuffixAndVariant) {
    const Valid cases[] = {
        {"123456789012.dkr.ecr.us-east-1.amazonaws.com", "us-east-1", "amazonaws.com", false, false, "aws"},
        {"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "us-east-1", "amazonaws.com", true, false,
         "aws"},
        {"123456789012.dkr-ecr.us-east-1.on.aws", "us-east-1", "on.aws", false, true, "aws"},
        {"123456789012.dkr-ecr-fips.us-west-2.on.aws", "us-west-2", "on.aws", true, true, "aws"},
        {"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1", "amazonaws.com.cn", false, false,
         "aws-cn"},
        {"123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn", "cn-northwest-1",
         "on.amazonwebservices.com.cn", false, true, "aws-cn"},
        {"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", "us-gov-west-1", "amazonaws.com", false, false,
         "aws-us-gov"},
        {"123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com", "us-gov-east-1", "amazonaws.com", true,
         false, "aws-us-gov"},
        {"123456789012.dkr-ecr-fips.us-gov-east-1.on.aws", "us-gov-east-1", "on.aws", true, true,
         "aws-us-gov"},
        {"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", "us-iso-east-1", "c2s.ic.gov", false, false,
         "aws-iso"},
        {"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1", "sc2s.sgov.gov", false, false,
         "aws-iso-b"},
        {"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1", "cloud.adc-e.uk", false,
         false, "aws-iso-e"},
        {"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", "us-isof-south-1", "csp.hci.ic.gov", false,
         false, "aws-iso-f"},
        {"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1", "amazonaws.eu", false, false,
         "aws-eusc"},
        // The regex also takes these (odd, but exact).
        {"123456789012.dkr-ecr.us-east-1.amazonaws.com", "us-east-1", "amazonaws.com", false, true, "aws"},
        {"123456789012.dkr.ecr.us-east-1.on.aws", "us-east-1", "on.aws", false, true, "aws"},
        {"123456789012.dkr.ecr.X_y-.amazonaws.com", "X_y-", "amazonaws.com", false, false, "aws"},
    };
    for (const auto &c : cases) {
        auto host = parse_ecr_host(c.host);
        ASSERT_TRUE(host.has_value()) << c.host;
        EXPECT_EQ(host->kind, EcrRegistryKind::private_registry);
        EXPECT_EQ(host->host, c.host);
        EXPECT_FALSE(host->port.has_value());
        EXPECT_EQ(host->account_id, "123456789012");
        EXPECT_EQ(host->region, c.region) << c.host;
        EXPECT_EQ(host->dns_suffix, c.suffix) << c.host;
        EXPECT_EQ(host->fips, c.fips) << c.host;
        EXPECT_EQ(host->dualstack, c.dualstack) << c.host;
        EXPECT_EQ(host->partition, c.partition) << c.host;
    }
}

TEST(EcrHost, Rejected) {
    const char *bad[] = {
        "1234567890123.dkr.ecr.us-east-1.amazonaws.com", // 13-digit account
        "12345678901.dkr.ecr.us-east-1.amazonaws.com",   // 11-digit account
        "x123456789012.dkr.ecr.us-east-1.amazonaws.com", // prefix
        "12345678901a.dkr.ecr.us-east-1.amazonaws.com",  // non-digit
        "123456789012.dkr.ecr.us-east-1.amazonaws.hacker.com",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com.hacker.com",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com.", // trailing dot
        "123456789012.dkr.ecr.us-east-1.amazonaws.co",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com.c",
        "123456789012.dkr.ecr.us-east-1.amazonaws.euu",
        "123456789012.dkr.ecr.us-east-1.api.aws",
        "123456789012.dkr.ecr.us-east-1.Amazonaws.com", // case-sensitive, as the regex
        "123456789012.DKR.ECR.us-east-1.amazonaws.com",
        "123456789012.dkr_ecr.us-east-1.amazonaws.com",
        "123456789012.dkrecr.us-east-1.amazonaws.com",
        "123456789012.dkr.ecr.fips.us-east-1.amazonaws.com", // ".fips" is not "-fips"
        "123456789012.dkr.ecr-FIPS.us-east-1.amazonaws.com",
        "123456789012.dkr.ecr.-us-east-1.amazonaws.com", // region must start alphanumeric
        "123456789012.dkr.ecr._x.amazonaws.com",
        "123456789012.dkr.ecr..amazonaws.com",        // empty region
        "123456789012.dkr.ecr.us.east.amazonaws.com", // region has no dots
        "123456789012.dkr.ecr.us-east-1.amazonaws.com\n",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/",
        " 123456789012.dkr.ecr.us-east-1.amazonaws.com",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com:", // empty port
        "123456789012.dkr.ecr.us-east-1.amazonaws.com:0",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com:65536",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com:https",
        "public.ecr.aws.evil.com",
        "ecr-public.aws.com.evil",
        "PUBLIC.ECR.AWS",
        "docker.io",
        "",
    };
    for (const char *host : bad) EXPECT_FALSE(parse_ecr_host(host).has_value()) << host;
}

TEST(EcrHost, PortIsKeptSeparately) {
    auto host = parse_ecr_host("123456789012.dkr.ecr.eu-west-1.amazonaws.com:443");
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(host->host, "123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    EXPECT_EQ(host->port, std::optional<std::uint16_t>(443));
    EXPECT_EQ(host->region, "eu-west-1");
    auto max = parse_ecr_host("123456789012.dkr.ecr.eu-west-1.amazonaws.com:65535");
    ASSERT_TRUE(max.has_value());
    EXPECT_EQ(max->port, std::optional<std::uint16_t>(65535));
}

TEST(EcrHost, PublicRegistries) {
    for (const char *name : {"public.ecr.aws", "ecr-public.aws.com", "public.ecr.aws:443"}) {
        auto host = parse_ecr_host(name);
        ASSERT_TRUE(host.has_value()) << name;
        EXPECT_EQ(host->kind, EcrRegistryKind::public_registry);
        EXPECT_EQ(host->region, "us-east-1");
        EXPECT_EQ(host->partition, "aws");
        EXPECT_TRUE(host->account_id.empty());
    }
    EXPECT_EQ(parse_ecr_host("public.ecr.aws:443")->host, "public.ecr.aws");
    EXPECT_EQ(parse_ecr_host("public.ecr.aws:443")->port, std::optional<std::uint16_t>(443));
}

TEST(EcrHost, MatchGroups) {
    auto m = match_ecr_private_host("210987654321.dkr-ecr-fips.ap-south-2.on.aws");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->account, "210987654321");
    EXPECT_TRUE(m->fips);
    EXPECT_EQ(m->region, "ap-south-2");
    EXPECT_EQ(m->suffix, "on.aws");
    EXPECT_EQ(m->separator, '-');
    // The matcher itself does not split ports.
    EXPECT_FALSE(match_ecr_private_host("210987654321.dkr.ecr.ap-south-2.amazonaws.com:443").has_value());
}

TEST(EcrHost, StsRegionIsTheRulesElseTheEcrHostsElseUsEast1) {
    EXPECT_EQ(sts_region_for("eu-west-1", "111122223333.dkr.ecr.us-west-2.amazonaws.com"), "eu-west-1");
    EXPECT_EQ(sts_region_for("", "111122223333.dkr.ecr.us-west-2.amazonaws.com"), "us-west-2");
    EXPECT_EQ(sts_region_for("", "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn:443"), "cn-north-1");
    EXPECT_EQ(sts_region_for("", "registry.example.com"), "us-east-1");
}

} // namespace
} // namespace pullcred::aws
