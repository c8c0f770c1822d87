#include "aws/endpoints/partitions.hpp"

#include <array>

namespace pullcred::aws {
namespace {

// From the AWS SDKs' partitions.json (smithy-rs / aws-sdk-js-v3 / botocore,
// 2025), the version that added aws-eusc and dual-stack suffixes for the
// isolated partitions. Cross-checked against botocore's copy in the unit tests.
constexpr std::array<std::string_view, 9> kAwsHeads{"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"};
constexpr std::array<std::string_view, 35> kAwsRegions{
    "af-south-1",     "ap-east-1",      "ap-east-2",      "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-south-1",     "ap-south-2",     "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
    "aws-global",     "ca-central-1",   "ca-west-1",      "eu-central-1",   "eu-central-2",
    "eu-north-1",     "eu-south-1",     "eu-south-2",     "eu-west-1",      "eu-west-2",
    "eu-west-3",      "il-central-1",   "me-central-1",   "me-south-1",     "mx-central-1",
    "sa-east-1",      "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2"};

constexpr std::array<std::string_view, 1> kCnHeads{"cn"};
constexpr std::array<std::string_view, 3> kCnRegions{"aws-cn-global", "cn-north-1", "cn-northwest-1"};

constexpr std::array<std::string_view, 1> kEuscHeads{"eusc-de"};
constexpr std::array<std::string_view, 1> kEuscRegions{"eusc-de-east-1"};

constexpr std::array<std::string_view, 1> kIsoHeads{"us-iso"};
constexpr std::array<std::string_view, 3> kIsoRegions{"aws-iso-global", "us-iso-east-1", "us-iso-west-1"};

constexpr std::array<std::string_view, 1> kIsoBHeads{"us-isob"};
constexpr std::array<std::string_view, 3> kIsoBRegions{"aws-iso-b-global", "us-isob-east-1",
                                                       "us-isob-west-1"};

constexpr std::array<std::string_view, 1> kIsoEHeads{"eu-isoe"};
constexpr std::array<std::string_view, 2> kIsoERegions{"aws-iso-e-global", "eu-isoe-west-1"};

constexpr std::array<std::string_view, 1> kIsoFHeads{"us-isof"};
constexpr std::array<std::string_view, 3> kIsoFRegions{"aws-iso-f-global", "us-isof-east-1",
                                                       "us-isof-south-1"};

constexpr std::array<std::string_view, 1> kGovHeads{"us-gov"};
constexpr std::array<std::string_view, 3> kGovRegions{"aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"};

const std::array<Partition, 8> kPartitions{{
    {"aws", "amazonaws.com", "api.aws", "us-east-1", true, true,
     R"(^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$)", kAwsHeads, kAwsRegions},
    {"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", "cn-northwest-1", true, true,
     R"(^cn\-\w+\-\d+$)", kCnHeads, kCnRegions},
    {"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu", "eusc-de-east-1", true, true,
     R"(^eusc\-(de)\-\w+\-\d+$)", kEuscHeads, kEuscRegions},
    {"aws-iso", "c2s.ic.gov", "api.aws.ic.gov", "us-iso-east-1", true, true, R"(^us\-iso\-\w+\-\d+$)",
     kIsoHeads, kIsoRegions},
    {"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud", "us-isob-east-1", true, true, R"(^us\-isob\-\w+\-\d+$)",
     kIsoBHeads, kIsoBRegions},
    {"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", "eu-isoe-west-1", true, true,
     R"(^eu\-isoe\-\w+\-\d+$)", kIsoEHeads, kIsoERegions},
    {"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov", "us-isof-south-1", true, true,
     R"(^us\-isof\-\w+\-\d+$)", kIsoFHeads, kIsoFRegions},
    {"aws-us-gov", "amazonaws.com", "api.aws", "us-gov-west-1", true, true, R"(^us\-gov\-\w+\-\d+$)",
     kGovHeads, kGovRegions},
}};

bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// `-\w+-\d+` and nothing else. `\w` excludes '-', so the rest splits at
// exactly one '-'.
bool matches_tail(std::string_view rest) {
    if (rest.empty() || rest[0] != '-') return false;
    rest.remove_prefix(1);
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == rest.size()) return false;
    for (std::size_t i = 0; i < dash; ++i) {
        if (!is_word(rest[i])) return false;
    }
    for (std::size_t i = dash + 1; i < rest.size(); ++i) {
        if (!is_digit(rest[i])) return false;
    }
    return true;
}

} // namespace

std::span<const Partition> partitions() {
    return kPartitions;
}

const Partition *find_partition(std::string_view id) {
    for (const auto &partition : kPartitions) {
        if (partition.id == id) return &partition;
    }
    return nullptr;
}

bool matches_region_regex(const Partition &partition, std::string_view region) {
    for (std::string_view head : partition.region_heads) {
        if (region.substr(0, head.size()) == head && matches_tail(region.substr(head.size()))) return true;
    }
    return false;
}

const Partition &partition_for_region(std::string_view region) {
    for (const auto &partition : kPartitions) {
        for (std::string_view known : partition.regions) {
            if (known == region) return partition;
        }
    }
    for (const auto &partition : kPartitions) {
        if (matches_region_regex(partition, region)) return partition;
    }
    return kPartitions[0];
}

} // namespace pullcred::aws
