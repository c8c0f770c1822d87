// Amazon ECR registry hosts.
//
// Private registries: exactly the regex of the reference ECR credential
// provider (reference/aws.md), matched by hand instead of with std::regex:
//
//   ^(\d{12})\.dkr[\.\-]ecr(\-fips)?\.([a-zA-Z0-9][a-zA-Z0-9-_]*)\.
//    (amazonaws\.(?:com(?:\.cn)?|eu)|on\.(?:aws|amazonwebservices\.com\.cn)|
//     sc2s\.sgov\.gov|c2s\.ic\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)$
//
// with Go (RE2) semantics: case-sensitive, ASCII classes, `$` = end of text.
// Public registries: `public.ecr.aws` and `ecr-public.aws.com`.
// A trailing `:port` is split off first and kept.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pullcred::aws {

// The regex's capture groups, for a host without a port.
struct EcrHostMatch {
    std::string_view account; // group 1: 12 digits
    bool fips = false;        // group 2: "-fips" present
    std::string_view region;  // group 3
    std::string_view suffix;  // group 4: "amazonaws.com", "on.aws", ...
    char separator = '.';     // the character between "dkr" and "ecr"
};

// The regex's DNS suffix alternatives (group 4), e.g. "amazonaws.com".
std::span<const std::string_view> ecr_private_dns_suffixes();

// The regex itself; nullopt when `host` does not match.
std::optional<EcrHostMatch> match_ecr_private_host(std::string_view host);

enum class EcrRegistryKind { private_registry, public_registry };

struct EcrHost {
    EcrRegistryKind kind = EcrRegistryKind::private_registry;
    std::string host;                  // without the port
    std::optional<std::uint16_t> port; // when the input had one
    std::string account_id;            // private registries
    std::string region;     // private: from the host; public: "us-east-1" (ECR Public's API region)
    bool fips = false;      // `dkr.ecr-fips` / `dkr-ecr-fips`
    bool dualstack = false; // `dkr-ecr` or an `on.aws` / `on.amazonwebservices.com.cn` suffix
    std::string dns_suffix; // the matched suffix; "ecr.aws" / "aws.com" for public hosts
    std::string partition;  // partition id of the region
};

// True when `host` (optionally with a port) has the shape of a private ECR
// registry host (a `dkr.ecr` / `dkr-ecr` label and an ECR DNS suffix) but does
// not match the regex, e.g. a registry id that is not 12 digits: the reference
// provider refuses such a host, it is not a mirror.
bool looks_like_ecr_private_host(std::string_view host);

// nullopt when `host` (optionally `host:port`, port 1-65535) is not an ECR
// registry host.
std::optional<EcrHost> parse_ecr_host(std::string_view host);

// The region of the STS call that exchanges a service-account token for
// `registry`'s credentials: `configured` (a rule's serviceAccount.stsRegion)
// when set, else the ECR host's region, else us-east-1.
std::string sts_region_for(std::string_view configured, std::string_view registry);

} // namespace pullcred::aws
