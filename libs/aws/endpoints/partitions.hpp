// AWS partitions, as in the AWS SDKs' partitions.json (smithy
// `aws.partition`): DNS suffixes, FIPS / dual-stack support, and which
// partition a region belongs to.
//
// Region -> partition, exactly as the SDKs do it: a region named in a
// partition's region list wins; otherwise the first partition whose
// regionRegex matches; otherwise `aws`. The regexes all have the form
// `^(p1|p2|...)-\w+-\d+$` (`\w` = [A-Za-z0-9_], `\d` = [0-9], ASCII as in Go
// and JavaScript); they are matched here without std::regex.
#pragma once

#include <span>
#include <string_view>

namespace pullcred::aws {

struct Partition {
    std::string_view id;                     // "aws", "aws-cn", ...
    std::string_view dns_suffix;             // "amazonaws.com"
    std::string_view dual_stack_dns_suffix;  // "api.aws"
    std::string_view implicit_global_region; // "us-east-1"
    bool supports_fips;
    bool supports_dual_stack;
    std::string_view region_regex;                  // as written in partitions.json
    std::span<const std::string_view> region_heads; // the regex's alternatives before `-\w+-\d+$`
    std::span<const std::string_view> regions;      // regions named in partitions.json
};

// Every partition, in partitions.json order.
std::span<const Partition> partitions();

// The partition with this id, or nullptr.
const Partition *find_partition(std::string_view id);

// The partition of `region` (never fails: unknown regions are `aws`).
const Partition &partition_for_region(std::string_view region);

// Whether `region` matches the partition's regionRegex.
bool matches_region_regex(const Partition &partition, std::string_view region);

} // namespace pullcred::aws
