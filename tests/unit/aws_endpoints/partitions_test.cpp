#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <string>

#include "aws/endpoints/partitions.hpp"

namespace pullcred::aws {
namespace {

struct PartitionFacts {
    const char *id;
    const char *dns;
    const char *dual;
    const char *global;
};

// The published values (partitions.json, 2025).
const PartitionFacts kFacts[] = {
    {"aws", "amazonaws.com", "api.aws", "us-east-1"},
    {"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", "cn-northwest-1"},
    {"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu", "eusc-de-east-1"},
    {"aws-iso", "c2s.ic.gov", "api.aws.ic.gov", "us-iso-east-1"},
    {"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud", "us-isob-east-1"},
    {"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", "eu-isoe-west-1"},
    {"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov", "us-isof-south-1"},
    {"aws-us-gov", "amazonaws.com", "api.aws", "us-gov-west-1"},
};

TEST(Partitions, Table) {
    ASSERT_EQ(partitions().size(), std::size(kFacts));
    for (const auto &facts : kFacts) {
        const Partition *p = find_partition(facts.id);
        ASSERT_NE(p, nullptr) << facts.id;
        EXPECT_EQ(p->dns_suffix, facts.dns) << facts.id;
        EXPECT_EQ(p->dual_stack_dns_suffix, facts.dual) << facts.id;
        EXPECT_EQ(p->implicit_global_region, facts.global) << facts.id;
        EXPECT_TRUE(p->supports_fips) << facts.id;
        EXPECT_TRUE(p->supports_dual_stack) << facts.id;
        EXPECT_EQ(partition_for_region(facts.global).id, facts.id);
    }
    EXPECT_EQ(find_partition("aws-mars"), nullptr);
}

TEST(Partitions, RegexTexts) {
    EXPECT_EQ(find_partition("aws")->region_regex, R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-cn")->region_regex, R"(^cn\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-us-gov")->region_regex, R"(^us\-gov\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-iso")->region_regex, R"(^us\-iso\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-iso-b")->region_regex, R"(^us\-isob\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-iso-e")->region_regex, R"(^eu\-isoe\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-iso-f")->region_regex, R"(^us\-isof\-\w+\-\d+$)");
    EXPECT_EQ(find_partition("aws-eusc")->region_regex, R"(^eusc\-(de)\-\w+\-\d+$)");
}

TEST(Partitions, RegionToPartition) {
    const std::pair<const char *, const char *> cases[] = {
        {"us-east-1", "aws"},
        {"eu-west-3", "aws"},
        {"ap-southeast-7", "aws"},
        {"il-central-1", "aws"},
        {"mx-central-1", "aws"},
        {"af-south-1", "aws"},
        {"me-central-1", "aws"},
        {"sa-east-1", "aws"},
        {"ca-west-1", "aws"},
        {"cn-north-1", "aws-cn"},
        {"cn-northwest-1", "aws-cn"},
        {"us-gov-west-1", "aws-us-gov"},
        {"us-gov-east-1", "aws-us-gov"},
        {"us-iso-east-1", "aws-iso"},
        {"us-iso-west-1", "aws-iso"},
        {"us-isob-east-1", "aws-iso-b"},
        {"eu-isoe-west-1", "aws-iso-e"},
        {"us-isof-south-1", "aws-iso-f"},
        {"us-isof-east-1", "aws-iso-f"},
        {"eusc-de-east-1", "aws-eusc"},
        {"eusc-de-west-9", "aws-eusc"},
        // Pseudo regions listed by name.
        {"aws-global", "aws"},
        {"aws-cn-global", "aws-cn"},
        {"aws-us-gov-global", "aws-us-gov"},
        {"aws-iso-global", "aws-iso"},
        {"aws-iso-b-global", "aws-iso-b"},
        // Future regions follow the regexes.
        {"cn-south-7", "aws-cn"},
        {"us-gov-north-3", "aws-us-gov"},
        {"us-isob-west-2", "aws-iso-b"},
        // Unknown shapes default to aws.
        {"eusc-fr-east-1", "aws"},
        {"xx-east-1", "aws"},
        {"local", "aws"},
        {"", "aws"},
        {"US-GOV-WEST-1", "aws"},
    };
    for (const auto &[region, partition] : cases) {
        EXPECT_EQ(partition_for_region(region).id, partition) << region;
    }
}

TEST(Partitions, RegexMatcherEdges) {
    const Partition &aws = *find_partition("aws");
    EXPECT_TRUE(matches_region_regex(aws, "us-east-1"));
    EXPECT_TRUE(matches_region_regex(aws, "us-east_x-12"));
    EXPECT_TRUE(matches_region_regex(aws, "us-E4st-0"));
    EXPECT_FALSE(matches_region_regex(aws, "us-east-1a"));
    EXPECT_FALSE(matches_region_regex(aws, "us--1"));
    EXPECT_FALSE(matches_region_regex(aws, "us-east-"));
    EXPECT_FALSE(matches_region_regex(aws, "us-east-1-2"));
    EXPECT_FALSE(matches_region_regex(aws, "us-gov-west-1"));
    EXPECT_FALSE(matches_region_regex(aws, "usx-east-1"));
    EXPECT_FALSE(matches_region_regex(aws, "us-east-1\n"));
    EXPECT_FALSE(matches_region_regex(aws, " us-east-1"));
    const Partition &eusc = *find_partition("aws-eusc");
    EXPECT_TRUE(matches_region_regex(eusc, "eusc-de-east-1"));
    EXPECT_FALSE(matches_region_regex(eusc, "eusc-dex-east-1"));
}

TEST(Partitions, KnownRegionsBelongToTheirPartitionByRegexToo) {
    std::set<std::string_view> seen;
    for (const auto &p : partitions()) {
        for (std::string_view region : p.regions) {
            EXPECT_TRUE(seen.insert(region).second) << "listed twice: " << region;
            EXPECT_EQ(partition_for_region(region).id, p.id) << region;
            const bool pseudo = region.substr(0, 4) == "aws-";
            EXPECT_EQ(matches_region_regex(p, region), !pseudo) << region;
        }
    }
}

} // namespace
} // namespace pullcred::aws
